"""How values and literals are coerced before comparing: the rules the matcher and every SQL printer share.

Every comparison works on the attribute's *text*: the value as DuckDB's `json_extract_string` gives it
(strings as they are; numbers, booleans, objects and arrays as their JSON text; null and missing as None).
That is what the store's hot columns hold, so comparing text everywhere makes a hot column, a path through
the stored JSON and the Python matcher agree on odd inputs (an integer `version`, `"null"` strings, `{}`).

The literal decides how the text is compared:
- a string literal that is an RFC 3339 instant: text that is also one compares as an instant; other text as
  a string;
- other string literals: as strings (case-insensitively unless the field is an identifier);
- a number: text that is a JSON number compares numerically (so `5` and `"5"` both equal 5); other text never;
- `true` / `false`: text equal to "true" / "false" ignoring case (the JSON boolean and the string form);
- `null`: `eq null` holds when the attribute is missing or null.

The two patterns below are deliberately strict (1–6 fractional digits, real hours and offsets, years from
0001) so that Python's datetime and DuckDB's TIMESTAMPTZ cast accept exactly the same strings.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

import orjson

RFC3339_PATTERN = (
    r"([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"[Tt ]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(\.[0-9]{1,6})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
NUMBER_PATTERN = r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?"

_RFC3339 = re.compile(RFC3339_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)
_EPOCH = datetime(1970, 1, 1)


def instant_us(text: str) -> int | None:
    """Microseconds since the epoch (UTC) of a strict RFC 3339 string, else None."""
    if _RFC3339.fullmatch(text) is None:
        return None
    t = text.upper()
    try:
        local = datetime(int(t[0:4]), int(t[5:7]), int(t[8:10]), int(t[11:13]), int(t[14:16]), int(t[17:19]))
    except ValueError:  # 31 February and the like
        return None
    rest = t[19:]
    micros = 0
    if rest.startswith("."):
        end = 1
        while end < len(rest) and rest[end].isdigit():
            end += 1
        micros = int(rest[1:end].ljust(6, "0"))
        rest = rest[end:]
    offset = 0
    if rest != "Z":
        sign = -1 if rest[0] == "-" else 1
        offset = sign * (int(rest[1:3]) * 3600 + int(rest[4:6]) * 60) * 1_000_000
    return (local - _EPOCH) // _US + micros - offset


_US = datetime(1970, 1, 1, 0, 0, 0, 1) - _EPOCH


def number(text: str) -> float | None:
    """The value of text that is a JSON number, else None."""
    if _NUMBER.fullmatch(text) is None:
        return None
    return float(text)


def literal_number(value: int | float) -> float:
    out = float(value)
    if math.isnan(out):
        raise ValueError("not a number")
    return out


# -- the JSON text of a value, as DuckDB (yyjson) writes it ----------------------------------------------


def value_text(value: Any) -> str | None:
    """The attribute's text: what `json_extract_string` returns for this parsed JSON value."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json_text(value)


def json_text(value: Any) -> str:
    """Compact JSON the way DuckDB re-serialises it (number formatting, upper-case \\u escapes)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)  # DuckDB keeps an integer's digits, even beyond 64 bits
    if isinstance(value, float):
        return _double_text(value)
    if isinstance(value, str):
        return _string_json(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_string_json(str(k))}:{json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    return _string_json(str(value))


_ESCAPE = re.compile(r"\\(\\|u[0-9a-f]{4})")


def _string_json(text: str) -> str:
    out = orjson.dumps(text).decode()
    if "\\u" in out:
        out = _ESCAPE.sub(lambda m: "\\" + m.group(1).upper().replace("U", "u", 1) if m.group(1) != "\\"
                          else m.group(0), out)
    return out


def _double_text(value: float) -> str:
    """yyjson's shortest round-trip form: fixed notation for 1e-6 <= |x| < 1e21 (with a `.0` when
    integral), otherwise `d.ddde±x` without a `+` or leading zeros."""
    if math.isnan(value) or math.isinf(value):
        return "null"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    magnitude = abs(value)
    if 1e-6 <= magnitude < 1e21:
        text = repr(value)
        if "e" in text or "E" in text:
            text = _fixed(value)
        if "." not in text:
            text += ".0"
        return text
    mantissa, _, exponent = repr(value).partition("e")
    if not exponent:  # repr chose fixed notation; force scientific
        mantissa, _, exponent = f"{value:.17e}".partition("e")
        mantissa = repr(float(mantissa))
    exp = int(exponent)
    mantissa = mantissa[:-2] if mantissa.endswith(".0") else mantissa
    return f"{mantissa}e{exp}"


def _fixed(value: float) -> str:
    """Fixed notation with exactly the shortest repr's digits (zero-padded), as yyjson writes it."""
    digits, _, exponent = repr(abs(value)).partition("e")
    exp = int(exponent)
    whole, _, frac = digits.partition(".")
    all_digits = (whole + frac).lstrip("0") or "0"
    point = len(whole) + exp
    sign = "-" if value < 0 else ""
    if point <= 0:
        return f"{sign}0.{'0' * -point}{all_digits}"
    if point >= len(all_digits):
        return f"{sign}{all_digits}{'0' * (point - len(all_digits))}.0"
    return f"{sign}{all_digits[:point]}.{all_digits[point:]}"
