"""Detection and response: Sigma rules and built-in correlations compiled to the filter AST, alerts,
investigations, IOCs, after-action reports, the attack-lifecycle view and containment hooks.

Entry points: `start_detection(log, orgs)` (continuous, in `glasslog serve`), `glasslog detect` (past ranges,
`detect/cli.py`), `mount_detect(app, log)` (HTTP, `detect/routes.py`)."""

from __future__ import annotations

from glasslog.detect.detector import Detector, start_detection
from glasslog.detect.engine import Engine
from glasslog.detect.rules import RulePack, load_pack, load_paths

__all__ = ["Detector", "Engine", "RulePack", "load_pack", "load_paths", "start_detection"]
