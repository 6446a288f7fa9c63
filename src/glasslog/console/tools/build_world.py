"""Convert Natural Earth's 1:110m country outlines (TopoJSON, as the npm package `world-atlas` ships them)
into the console's compact world map data, once.

    npm install --prefix /tmp/geo world-atlas@2
    python src/glasslog/console/tools/build_world.py /tmp/geo/node_modules/world-atlas/countries-110m.json

Output: `static/geo/world.json` = {"w", "h", "countries": [{"n": name, "r": [ring, ...]}]} where each ring is
a flat list of integer equirectangular coordinates in tenths of a degree (x = (lon + 180) * 10,
y = (LAT_TOP - lat) * 10; a ring crossing the antimeridian is kept whole and repeated a turn away), the
first point absolute and the rest as deltas; consecutive duplicate points are
dropped. Antarctica is left out (no sign-ins there worth the pixels). Natural Earth is public domain.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

LAT_TOP, LAT_BOTTOM = 84.0, -58.0
OUT = Path(__file__).resolve().parent.parent / "static" / "geo" / "world.json"


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        arcs.append(pts)
    return arcs


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i, idx in enumerate(ring):
        pts = arcs[idx] if idx >= 0 else list(reversed(arcs[~idx]))
        out.extend(pts if i == 0 else pts[1:])
    return out


def unwrap(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Keep a ring continuous across the antimeridian (a jump of more than 180° means it crossed)."""
    out: list[tuple[float, float]] = []
    shift = 0.0
    for i, (lon, lat) in enumerate(points):
        if i:
            prev = points[i - 1][0]
            if lon - prev > 180:
                shift -= 360
            elif prev - lon > 180:
                shift += 360
        out.append((lon + shift, lat))
    return out


def wrapped(points: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """The ring, plus a copy shifted by a whole turn when it pokes out of [-180, 180] (the SVG clips both)."""
    pts = unwrap(points)
    rings = [pts]
    lons = [p[0] for p in pts]
    if min(lons) < -180:
        rings.append([(x + 360, y) for x, y in pts])
    if max(lons) > 180:
        rings.append([(x - 360, y) for x, y in pts])
    return rings


def encode(points: list[tuple[float, float]]) -> list[int]:
    q: list[tuple[int, int]] = []
    for lon, lat in points:
        p = (round((lon + 180) * 10), round((LAT_TOP - max(LAT_BOTTOM, min(LAT_TOP, lat))) * 10))
        if not q or q[-1] != p:
            q.append(p)
    if len(q) < 3:
        return []
    flat = [q[0][0], q[0][1]]
    for (ax, ay), (bx, by) in zip(q, q[1:], strict=False):
        flat += [bx - ax, by - ay]
    return flat


def convert(topo: dict) -> dict:
    arcs = decode_arcs(topo)
    countries = []
    for geom in topo["objects"]["countries"]["geometries"]:
        name = (geom.get("properties") or {}).get("name", "")
        if name == "Antarctica" or geom.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = [r for poly in polygons for ring in poly for part in wrapped(ring_points(ring, arcs))
                 if (r := encode(part))]
        if rings:
            countries.append({"n": name, "r": rings})
    return {"w": 3600, "h": round((LAT_TOP - LAT_BOTTOM) * 10), "latTop": LAT_TOP, "countries": countries}


def main() -> None:
    src = Path(sys.argv[1])
    data = convert(json.loads(src.read_text()))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")))
    print(f"{OUT}: {len(data['countries'])} countries, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
