"""LogEvents: validation, reading records from files and request bodies, time parsing."""

from glasslog.events.reader import ParseFailure, read_body, read_path, read_stream
from glasslog.events.timeparse import format_rfc3339, parse_rfc3339
from glasslog.events.validate import validate_event, validate_records

__all__ = [
    "ParseFailure",
    "format_rfc3339",
    "parse_rfc3339",
    "read_body",
    "read_path",
    "read_stream",
    "validate_event",
    "validate_records",
]
