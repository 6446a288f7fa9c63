"""Exports of an investigation: an after-action report (Markdown, HTML) and an evidence bundle.

The evidence bundle is a zip holding `events.ndjson` (each event exactly as stored, one per line),
`investigation.json`, `report.md`, and `manifest.json` listing every file with its SHA-256 and size, plus
`manifest.sha256` in `sha256sum` format so `sha256sum -c manifest.sha256` verifies it with no glasslog at hand.
"""

from __future__ import annotations

import hashlib
import html
import io
import zipfile
from typing import Any

import orjson

from glasslog.detect.alerts import now_iso

AFTER_ACTION_QUESTIONS = (
    "Are you using industry best practices for your password policy?",
    "Are you correlating the System Log events with other security events?",
    "Have you defined Network Zones for your business and incorporated them into your authentication policies?",
    "Do you have MFA enabled for your privileged users?",
    "Do all of your applications that support SAML have it enabled?",
    "Are your sensitive applications protected by additional MFA challenges?",
    "Are you using strong authentication factors (Okta Verify, FIDO2/U2F) for MFA challenges?",
)


def _md_escape(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def markdown_report(view: dict[str, Any]) -> str:
    inv, iocs, summary = view["investigation"], view["iocs"], view["summary"]
    lines = [f"# After-action report: {inv['title']}", "",
             f"- Investigation `{inv['id']}` (org `{inv['org']}`), opened {inv['created']} by "
             f"{inv.get('created_by') or 'unknown'}, state **{inv['state']}**",
             f"- Report generated {now_iso()}; {len(view['timeline'])} events in scope", ""]
    lines += ["## Alerts", ""]
    if view["alerts"]:
        lines += ["| first seen | severity | rule | ATT&CK | summary |", "|---|---|---|---|---|"]
        for a in view["alerts"]:
            lines.append(f"| {a['first_seen']} | {a['severity']} | {_md_escape(a['title'])} | "
                         f"{', '.join(a['techniques'])} | {_md_escape(a['summary'])} |")
        # the rules' ids as well as their titles: what an analyst greps for and finds in the rule pack
        lines += ["", "Rules: " + ", ".join(f"`{a['rule_name']}`" for a in view["alerts"] if a.get("rule_name"))]
    else:
        lines.append("None linked.")
    lines += ["", "## Scope (pivots)", ""]
    lines += [f"- {p['kind']}: `{p['value']}`" for p in inv["pivots"]] or ["None."]
    lines += ["", "## Indicators of compromise", ""]
    for cat, items in iocs.items():
        if not items:
            continue
        lines += [f"### {cat.replace('_', ' ')}", "", "| value | count | first seen | last seen |", "|---|---|---|---|"]
        lines += [f"| {_md_escape(i['value'])} | {i['count']} | {i['first_seen']} | {i['last_seen']} |"
                  for i in items[:50]]
        lines.append("")
    lines += ["## What the account/session did", "", "### Applications reached by SSO", ""]
    lines += [f"- {a['app']}: {a['count']}× ({a['first']} – {a['last']})" for a in summary["apps"]] or ["None."]
    for key, title in (("admin_console", "Admin console access"), ("privilege_changes", "Privilege changes"),
                       ("config_changes", "Configuration changes")):
        lines += ["", f"### {title}", ""]
        lines += [f"- {r['published']} `{r['eventType']}` by {r['actor']} from {r['ip']} → "
                  f"{_md_escape(', '.join(str(t) for t in r['targets']))}" for r in summary[key]] or ["None."]
    lines += ["", "## Timeline", "", "| time | event | actor | result | IP | place | targets |",
              "|---|---|---|---|---|---|---|"]
    for r in view["timeline"][:2000]:
        place = ", ".join(x for x in (r["city"], r["country"]) if x)
        lines.append(f"| {r['published']} | {r['eventType']} | {_md_escape(r['actor'])} | {r['result'] or ''} | "
                     f"{r['ip'] or ''} | {_md_escape(place)} | {_md_escape(', '.join(map(str, r['targets'])))} |")
    lines += ["", "## Response actions", ""]
    lines += [f"- {a['at']} **{a['action']}** on `{a['subject']}` by {a['by']} — {a['status']}"
              for a in inv.get("actions", [])] or ["None recorded."]
    lines += ["", "## Notes", ""]
    lines += [f"- {n['at']} ({n['by']}): {n['text']}" for n in inv.get("notes", [])] or ["None."]
    lines += ["", "## After action review", ""] + [f"- [ ] {q}" for q in AFTER_ACTION_QUESTIONS]
    return "\n".join(lines) + "\n"


def html_report(view: dict[str, Any]) -> str:
    """The Markdown report rendered as a standalone HTML page (headings, lists, tables; text escaped)."""
    out = ["<!doctype html><html><head><meta charset='utf-8'><title>",
           html.escape(view["investigation"]["title"]),
           "</title><style>body{font:14px system-ui,sans-serif;margin:2em;max-width:1200px}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
           "code{background:#f3f3f3}</style></head><body>"]
    table: list[str] | None = None
    for line in markdown_report(view).splitlines():
        if line.startswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
            if set(line) <= set("|-"):
                continue
            tag = "th" if table is None else "td"
            table = table if table is not None else []
            table.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in cells) + "</tr>")
            continue
        if table is not None:
            out.append("<table>" + "".join(table) + "</table>")
            table = None
        if line.startswith("### "):
            out.append(f"<h3>{_inline(line[4:])}</h3>")
        elif line.startswith("## "):
            out.append(f"<h2>{_inline(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{_inline(line[2:])}</h1>")
        elif line.startswith("- "):
            out.append(f"<li>{_inline(line[2:])}</li>")
        elif line.strip():
            out.append(f"<p>{_inline(line)}</p>")
    if table is not None:
        out.append("<table>" + "".join(table) + "</table>")
    out.append("</body></html>")
    return "".join(out)


def _inline(text: str) -> str:
    import re

    s = html.escape(text)
    s = re.sub(r"`([^`]*)`", r"<code>\1</code>", s)
    return re.sub(r"\*\*([^*]*)\*\*", r"<b>\1</b>", s)


def evidence_bundle(view: dict[str, Any], events: list[dict[str, Any]]) -> bytes:
    files: dict[str, bytes] = {
        "events.ndjson": b"".join(orjson.dumps(e) + b"\n" for e in events),
        "investigation.json": orjson.dumps(view["investigation"], option=orjson.OPT_INDENT_2),
        "report.md": markdown_report(view).encode(),
    }
    manifest = {"created": now_iso(), "investigation": view["investigation"]["id"], "events": len(events),
                "files": [{"name": n, "sha256": hashlib.sha256(b).hexdigest(), "bytes": len(b)}
                          for n, b in files.items()]}
    files["manifest.json"] = orjson.dumps(manifest, option=orjson.OPT_INDENT_2)
    files["manifest.sha256"] = "".join(f"{f['sha256']}  {f['name']}\n" for f in manifest["files"]).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def verify_bundle(data: bytes) -> list[str]:
    """Problems found in a bundle (empty list = every file matches the manifest)."""
    problems = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        manifest = orjson.loads(z.read("manifest.json"))
        for f in manifest["files"]:
            try:
                body = z.read(f["name"])
            except KeyError:
                problems.append(f"missing {f['name']}")
                continue
            if hashlib.sha256(body).hexdigest() != f["sha256"]:
                problems.append(f"checksum mismatch: {f['name']}")
    return problems
