"""HTTP: JSON endpoints for alerts, investigations, pivots and the lifecycle view, and two analyst pages.

Reading (alerts, investigations, pivots, lifecycle, exports) needs a reader; changing an alert's state,
recording response actions, detection settings and on-demand runs need an admin. Investigations and notes are
analysts' work and need a reader. Every call is scoped to the caller's org (`Principal.org`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, Depends, FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from glasslog.api.auth import Principal, require_admin, require_reader
from glasslog.detect.alerts import AlertStore
from glasslog.detect.config import load_config, save_config, seconds
from glasslog.detect.investigations import Investigations
from glasslog.detect.lifecycle import lifecycle_counts
from glasslog.detect.pivots import PIVOTS, pivot, timeline_row
from glasslog.detect.report import evidence_bundle, html_report, markdown_report
from glasslog.detect.response import ACTIONS, record_action

STATIC = Path(__file__).parent / "static"


def mount_detect(app: FastAPI, log: Any) -> None:
    """Add the detection endpoints and pages to the app."""
    alerts = AlertStore(log.store)
    cases = Investigations(log)
    api = APIRouter(prefix="/api/glasslog")

    def _missing(what: str) -> HTTPException:
        return HTTPException(404, detail={"errorCode": "E0000007", "errorSummary": f"Not found: {what}"})

    @api.get("/alerts")
    def list_alerts(state: str | None = None, severity: str | None = None, rule: str | None = None,
                    limit: int = Query(500, ge=1, le=5000), p: Principal = Depends(require_reader)) -> Any:
        return alerts.list(p.org, state, severity, rule, limit)

    @api.get("/alerts/{alert_id}")
    def get_alert(alert_id: str, p: Principal = Depends(require_reader)) -> Any:
        alert = alerts.get(p.org, alert_id)
        if alert is None:
            raise _missing(f"alert {alert_id}")
        events = cases.alert_events(p.org, alert)
        return {"alert": alert, "events": [timeline_row(e) for e in events]}

    @api.post("/alerts/{alert_id}/state")
    def set_state(alert_id: str, body: dict[str, Any] = Body(...), p: Principal = Depends(require_admin)) -> Any:
        try:
            return alerts.set_state(p.org, alert_id, str(body.get("state")), p.name, str(body.get("note") or ""))
        except KeyError:
            raise _missing(f"alert {alert_id}") from None
        except ValueError as exc:
            raise HTTPException(400, detail={"errorCode": "E0000001", "errorSummary": str(exc)}) from None

    @api.post("/alerts/{alert_id}/notes")
    def alert_note(alert_id: str, body: dict[str, Any] = Body(...), p: Principal = Depends(require_reader)) -> Any:
        try:
            return alerts.add_note(p.org, alert_id, str(body.get("text") or ""), p.name)
        except KeyError:
            raise _missing(f"alert {alert_id}") from None

    @api.post("/alerts/{alert_id}/actions")
    def alert_action(alert_id: str, body: dict[str, Any] = Body(...), p: Principal = Depends(require_admin)) -> Any:
        return _action(p, "alert", alert_id, body)

    @api.get("/response-actions")
    def response_actions(p: Principal = Depends(require_reader)) -> Any:
        return {"actions": ACTIONS}

    @api.post("/alerts/run")
    def run_now(body: dict[str, Any] = Body(default={}), p: Principal = Depends(require_admin)) -> Any:
        from glasslog.detect.engine import Engine
        from glasslog.detect.rules import load_pack
        from glasslog.events.timeparse import to_utc

        cfg = load_config(log.store, p.org)
        pack = load_pack(cfg.rule_paths, placeholders=cfg.placeholders)
        try:
            since, until = (to_utc(_stamp(body.get(k))) if body.get(k) else None for k in ("since", "until"))
        except ValueError as exc:
            raise HTTPException(400, detail={"errorCode": "E0000001", "errorSummary": f"since/until: {exc}"}) \
                from None
        found = Engine(pack, cfg).run(log.store, p.org, since, until)
        touched = alerts.record(p.org, found, seconds(cfg.merge_gap))
        return {"findings": len(found), "alerts": [a["id"] for a in touched], "rule_errors": pack.errors}

    @api.get("/detect/config")
    def get_config(p: Principal = Depends(require_reader)) -> Any:
        return load_config(log.store, p.org).as_dict()

    @api.put("/detect/config")
    def put_config(body: dict[str, Any] = Body(...), p: Principal = Depends(require_admin)) -> Any:
        try:
            return save_config(log.store, p.org, body).as_dict()
        except ValueError as exc:
            raise HTTPException(400, detail={"errorCode": "E0000001", "errorSummary": str(exc)}) from None

    # -- investigations --------------------------------------------------------------------------------

    @api.get("/investigations")
    def list_investigations(p: Principal = Depends(require_reader)) -> Any:
        return cases.list(p.org)

    @api.post("/investigations")
    def create_investigation(body: dict[str, Any] = Body(...), p: Principal = Depends(require_reader)) -> Any:
        try:
            return cases.create(p.org, str(body.get("title") or "Investigation"), p.name,
                                body.get("alert_ids"), body.get("pivots"))
        except KeyError as exc:
            raise _missing(f"alert {exc}") from None
        except ValueError as exc:
            raise HTTPException(400, detail={"errorCode": "E0000001", "errorSummary": str(exc)}) from None

    @api.get("/investigations/{inv_id}")
    def get_investigation(inv_id: str, p: Principal = Depends(require_reader)) -> Any:
        try:
            return cases.view(p.org, inv_id)
        except KeyError:
            raise _missing(f"investigation {inv_id}") from None

    @api.patch("/investigations/{inv_id}")
    def update_investigation(inv_id: str, body: dict[str, Any] = Body(...),
                             p: Principal = Depends(require_reader)) -> Any:
        try:
            return cases.update(p.org, inv_id, add_pivots=body.get("add_pivots"), add_alerts=body.get("add_alerts"),
                                note=body.get("note"), who=p.name, state=body.get("state"))
        except KeyError as exc:
            raise _missing(str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, detail={"errorCode": "E0000001", "errorSummary": str(exc)}) from None

    @api.post("/investigations/{inv_id}/actions")
    def inv_action(inv_id: str, body: dict[str, Any] = Body(...), p: Principal = Depends(require_admin)) -> Any:
        return _action(p, "investigation", inv_id, body)

    @api.get("/investigations/{inv_id}/report")
    def report(inv_id: str, format: str = "md", p: Principal = Depends(require_reader)) -> Any:  # noqa: A002
        try:
            view = cases.view(p.org, inv_id)
        except KeyError:
            raise _missing(f"investigation {inv_id}") from None
        if format == "html":
            return HTMLResponse(html_report(view))
        return PlainTextResponse(markdown_report(view), media_type="text/markdown; charset=utf-8",
                                 headers={"content-disposition": f'attachment; filename="report-{inv_id}.md"'})

    @api.get("/investigations/{inv_id}/evidence")
    def evidence(inv_id: str, p: Principal = Depends(require_reader)) -> Any:
        doc = cases.get(p.org, inv_id)
        if doc is None:
            raise _missing(f"investigation {inv_id}")
        view = cases.view(p.org, inv_id)
        body = evidence_bundle(view, cases.events(p.org, doc))
        return Response(body, media_type="application/zip",
                        headers={"content-disposition": f'attachment; filename="evidence-{inv_id}.zip"'})

    # -- pivots and lifecycle --------------------------------------------------------------------------

    @api.get("/pivot/{kind}")
    def pivot_route(kind: str, value: str, since: str | None = None, until: str | None = None,
                    limit: int = Query(1000, ge=1, le=20000), p: Principal = Depends(require_reader)) -> Any:
        if kind not in PIVOTS:
            raise HTTPException(400, detail={"errorCode": "E0000001",
                                             "errorSummary": f"pivot must be one of {', '.join(PIVOTS)}"})
        events = pivot(log, p.org, kind, value, since, until, limit)
        return {"kind": kind, "value": value, "events": [timeline_row(e) for e in events]}

    @api.get("/lifecycle")
    def lifecycle(since: str | None = None, until: str | None = None, p: Principal = Depends(require_reader)) -> Any:
        return lifecycle_counts(log, p.org, since, until)

    def _action(p: Principal, on: str, target: str, body: dict[str, Any]) -> Any:
        try:
            return record_action(log.store, p.org, on, target, str(body.get("action")), str(body.get("subject") or ""),
                                 p.name, str(body.get("comment") or ""))
        except KeyError:
            raise _missing(f"{on} {target}") from None
        except ValueError as exc:
            raise HTTPException(400, detail={"errorCode": "E0000001", "errorSummary": str(exc)}) from None

    app.include_router(api)

    # -- pages (static HTML + one ES module; the data comes from the JSON API above) ----------------------

    @app.get("/alerts", include_in_schema=False)
    def alerts_page() -> FileResponse:
        return FileResponse(STATIC / "alerts.html")

    @app.get("/alerts/{alert_id}", include_in_schema=False)
    def alert_page(alert_id: str) -> FileResponse:
        return FileResponse(STATIC / "alerts.html")

    @app.get("/investigate", include_in_schema=False)
    def investigate_page() -> FileResponse:
        """`?kind=…&value=…`: the page opens (or reuses) the case for one pivot, so links need no JS to build."""
        return FileResponse(STATIC / "investigation.html")

    @app.get("/investigations/{inv_id}", include_in_schema=False)
    def investigation_page(inv_id: str) -> FileResponse:
        return FileResponse(STATIC / "investigation.html")

    @app.get("/detect/static/{name}", include_in_schema=False)
    def detect_static(name: str) -> FileResponse:
        path = (STATIC / name).resolve()
        if path.parent != STATIC.resolve() or not path.is_file():
            raise HTTPException(404)
        return FileResponse(path)


def _stamp(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 string")
    return value
