"""Okta-style errors shared by every layer.

One exception type carries the Okta error code and HTTP status, so the Python API, the CLI and the HTTP API
report a bad filter, a bad date or a bad limit the same way without translating between layers.
"""

from __future__ import annotations

import uuid as _uuid
from typing import Any

# Okta's summaries for the codes we use (facts of the API contract).
SUMMARIES = {
    "E0000001": "Api validation failed",
    "E0000006": "You do not have permission to perform the requested action",
    "E0000009": "Internal Server Error",
    "E0000011": "Invalid token provided",
    "E0000031": "Invalid search criteria.",
    "E0000047": "API call exceeded rate limit due to too many requests.",
    "E0000053": "Invalid filter parameter",
    "E0000003": "The request body was not well-formed.",
    "E0000007": "Not found",
    "E0000022": "The endpoint does not support the provided HTTP method",
    "E0000093": "The request body is too large.",
}

STATUS = {
    "E0000001": 400,
    "E0000003": 400,
    "E0000006": 403,
    "E0000007": 404,
    "E0000009": 500,
    "E0000011": 401,
    "E0000022": 405,
    "E0000031": 400,
    "E0000047": 429,
    "E0000053": 400,
    "E0000093": 413,
}


class GlasslogError(Exception):
    """An error the caller caused or must know about, expressed as Okta would report it."""

    def __init__(self, code: str, detail: str | None = None, causes: list[str] | None = None,
                 status: int | None = None) -> None:
        self.code = code
        self.detail = detail
        self.causes = causes if causes is not None else ([detail] if detail else [])
        self.status = status or STATUS.get(code, 400)
        base = SUMMARIES.get(code, "Error")
        self.summary = f"{base}: {detail}" if detail and code == "E0000001" else base
        super().__init__(f"{code}: {detail or base}")

    def body(self) -> dict[str, Any]:
        """The Okta error body; errorId is fresh each time so support can find one response."""
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": "oae" + _uuid.uuid4().hex[:20],
            "errorCauses": [{"errorSummary": c} for c in self.causes],
        }


class FilterError(GlasslogError):
    """A filter expression that does not parse or names an unknown field (E0000053) or misuses an operator
    (E0000031). `position` is the 0-based character offset of the problem, when known."""

    def __init__(self, message: str, position: int | None = None, code: str = "E0000053") -> None:
        self.position = position
        where = f" at position {position}" if position is not None else ""
        super().__init__(code, f"{message}{where}", [f"{message}{where}"])


def validation_error(detail: str) -> GlasslogError:
    """A bad parameter: date, limit, keyword search, and so on."""
    return GlasslogError("E0000001", detail)
