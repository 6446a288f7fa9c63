"""Train the zstd dictionary the DuckDB store compresses each event's JSON with.

Why a dictionary: the store compresses every event on its own, so that reading one event costs one small
frame, not a 2,048-event block (BENCHMARKS.md, "Per-event JSON"). One LogEvent alone compresses poorly; with a
dictionary of the keys and values events share it shrinks about tenfold.

The shipped dictionary (`src/glasslog/store/event-json.zdict`) is trained on simulated events of an org that
no test or benchmark uses, so figures measured on the benchmark org are not flattered by it:

    glasslog simulate --org example --users 400 --days 14 --seed 99 --end 2026-01-01T00:00:00Z --out train.ndjson
    python scripts/train_json_dictionary.py train.ndjson

Each store copies the dictionary into its own file when it is created, so replacing the shipped one later
changes new stores only.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import zstandard

OUT = Path(__file__).resolve().parent.parent / "src" / "glasslog" / "store" / "event-json.zdict"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ndjson", type=Path)
    ap.add_argument("--samples", type=int, default=20_000)
    ap.add_argument("--size", type=int, default=256 * 1024, help="dictionary size in bytes")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    lines = [line.rstrip(b"\n") for line in args.ndjson.read_bytes().splitlines() if line.strip()]
    step = max(1, len(lines) // args.samples)
    samples = lines[::step][: args.samples]
    trained = zstandard.train_dictionary(args.size, samples, level=3)
    args.out.write_bytes(trained.as_bytes())
    print(f"{len(samples)} samples -> {args.out} ({len(trained.as_bytes())} bytes, id {trained.dict_id()})")


if __name__ == "__main__":
    main()
