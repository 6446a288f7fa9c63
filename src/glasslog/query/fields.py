"""The field table: which attribute paths exist, how they are spelled, typed and compared.

Names. Attribute names match case-insensitively and ignoring underscores, so the legacy snake_case spellings
Okta's own guides use (`event_type`, `client.IpAddress`, `external_session_id`) resolve to the canonical
camelCase path. Segments below a known attribute that the table does not list (`debugContext.debugData.*`,
`detailEntry.*`, `transaction.detail.*`, ...) are *free-map keys*: kept as written, and looked up in an event
exact-first, then case-insensitively (the first key, in document order, equal ignoring case). The matcher and
every SQL printer implement that same rule. Known segments are looked up with their canonical spelling only,
because the store's hot columns are extracted that way.

Comparison rules that depend on the field:
- identifiers compare exactly: `uuid`, `id`, names ending in `Id` (except `alternateId`), `dtHash`,
  `deviceFingerprint`; for free-map keys the rule applies to the key as written in the filter;
- `target` and `request.ipChain` are arrays: a path through them matches if any element matches, unless the
  next segment is a position (`target.0.displayName`, 0-based), which addresses one element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from glasslog.errors import FilterError
from glasslog.store.columns import BY_PATH, LIST_BY_PATH, HotColumn, HotList

ValueType = Literal["string", "timestamp", "number", "boolean", "object"]


@dataclass(frozen=True)
class Spec:
    """One known attribute: its canonical name, value type, children (None = a leaf or a free map)."""

    name: str
    type: ValueType = "string"
    children: tuple[Spec, ...] | None = None
    array: bool = False


def _s(name: str, type: ValueType = "string") -> Spec:
    return Spec(name, type)


def _o(name: str, *children: Spec, array: bool = False) -> Spec:
    return Spec(name, "object", tuple(children), array)


def _free(name: str) -> Spec:
    return Spec(name, "object")


_GEO = (
    _s("city"), _s("state"), _s("country"), _s("postalCode"),
    _o("geolocation", _s("lat", "number"), _s("lon", "number")),
)

TOP_LEVEL: tuple[Spec, ...] = (
    _s("uuid"),
    _s("published", "timestamp"),
    _s("eventType"),
    _s("version"),
    _s("severity"),
    _s("legacyEventType"),
    _s("displayMessage"),
    _o("actor", _s("id"), _s("type"), _s("alternateId"), _s("displayName"), _free("detailEntry")),
    _o("client",
       _o("userAgent", _s("rawUserAgent"), _s("os"), _s("browser")),
       _s("zone"), _s("device"), _s("id"), _s("ipAddress"),
       _o("geographicalContext", *_GEO)),
    _o("device", _s("id"), _s("name"), _s("os_platform"), _s("os_version"), _s("managed", "boolean"),
       _s("registered", "boolean"), _s("disk_encryption_type"), _s("screen_lock_type"),
       _s("jailbreak", "boolean"), _s("secure_hardware_present", "boolean")),
    _o("outcome", _s("result"), _s("reason")),
    _o("target", _s("id"), _s("type"), _s("alternateId"), _s("displayName"), _free("detailEntry"),
       _o("changeDetails", _free("from"), _free("to")), array=True),
    _o("transaction", _s("type"), _s("id"), _o("detail", _s("requestApiTokenId"))),
    _o("debugContext", _o("debugData", _s("requestId"), _s("requestUri"), _s("url"), _s("dtHash"),
                          _s("deviceFingerprint"), _s("threatSuspected"), _s("behaviors"), _s("risk"),
                          _s("logOnlySecurityData"), _s("privilegeGranted"), _s("factor"),
                          _free("supportAction"), _free("originalPrincipal"))),
    _o("authenticationContext", _s("authenticationProvider"), _s("credentialProvider"),
       _s("credentialType"), _o("issuer", _s("id"), _s("type")), _s("externalSessionId"),
       _s("rootSessionId"), _s("interface"), _s("authenticationStep", "number"),
       _free("authenticatorContext")),
    _o("securityContext", _s("asNumber", "number"), _s("asOrg"), _s("isp"), _s("domain"),
       _s("isProxy", "boolean")),
    _o("request", _o("ipChain", _s("ip"), _o("geographicalContext", *_GEO), _s("version"), _s("source"),
                     array=True)),
)

EXACT_NAMES = frozenset({"uuid", "id", "dtHash", "deviceFingerprint"})
_SEGMENT = re.compile(r"[A-Za-z0-9_$:-]+")
_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")


def name_key(name: str) -> str:
    """How names are matched: case-insensitively, ignoring underscores."""
    return name.replace("_", "").lower()


def is_index(segment: str) -> bool:
    """A canonical array position (no sign, no leading zeros): the only form that addresses an element."""
    return _INDEX.fullmatch(segment) is not None


def is_exact_name(name: str) -> bool:
    return name in EXACT_NAMES or (name.endswith("Id") and name != "alternateId")


def _index(specs: tuple[Spec, ...]) -> dict[str, Spec]:
    return {name_key(s.name): s for s in specs}


_TOP = _index(TOP_LEVEL)
_CHILDREN: dict[int, dict[str, Spec]] = {}


def _children(spec: Spec) -> dict[str, Spec]:
    # Keyed by the children tuple, which lives as long as the module: `_resolve` makes a short-lived Spec for an
    # array's element, and a key of id(spec) was reused by a later one, giving another array's children.
    found = _CHILDREN.get(id(spec.children))
    if found is None:
        found = _CHILDREN[id(spec.children)] = _index(spec.children or ())
    return found


@dataclass(frozen=True)
class Field:
    """A resolved attribute path.

    `path` is canonical: known segments in camelCase, free-map keys as written. `known` counts the leading
    segments that come from the table (looked up exactly); the rest are free-map keys (exact-first, then
    case-insensitive). When the path goes through an array without a position, `array` is the length of the
    array's own path and the predicate is evaluated on each element with the rest of the path.
    """

    path: tuple[str, ...]
    known: int
    type: ValueType
    exact: bool
    array: int = 0
    hot: HotColumn | None = None
    hot_list: HotList | None = None
    hot_member: HotColumn | None = None

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def element_path(self) -> tuple[str, ...]:
        """For array fields: the path inside one element."""
        return self.path[self.array:]

    @property
    def element_known(self) -> int:
        return max(0, self.known - self.array)


_CACHE: dict[tuple[str, ...], Field] = {}


def resolve(path: tuple[str, ...] | str, position: int | None = None) -> Field:
    """Resolve a (possibly non-canonical) path; unknown top-level attribute → FilterError E0000053."""
    segments = tuple(path.split(".")) if isinstance(path, str) else tuple(path)
    cached = _CACHE.get(segments)
    if cached is not None:
        return cached
    field = _resolve(segments, position)
    if len(_CACHE) < 10_000:
        _CACHE[segments] = field
    return field


def _resolve(segments: tuple[str, ...], position: int | None) -> Field:
    dotted = ".".join(segments)
    if not segments or any(not s for s in segments):
        raise FilterError(f"attribute path '{dotted}' has an empty segment", position)
    for s in segments:
        if not _SEGMENT.fullmatch(s):
            raise FilterError(f"attribute path '{dotted}' has an invalid segment '{s}'", position)
    spec = _TOP.get(name_key(segments[0]))
    if spec is None:
        raise FilterError(f"field is not valid: {segments[0]}", position, code="E0000053")
    canonical = [spec.name]
    known = 1
    array = 0
    free = False
    for seg in segments[1:]:
        if free:
            canonical.append(seg)
            continue
        if spec.array:
            element = Spec(spec.name, spec.type, spec.children)
            if is_index(seg):  # a position addresses one element: a known segment, no ANY
                canonical.append(seg)
                known += 1
                spec = element
                continue
            array = len(canonical)
            spec = element
        child = _children(spec).get(name_key(seg)) if spec.children else None
        if child is None:
            free = True
            canonical.append(seg)
            continue
        canonical.append(child.name)
        known += 1
        spec = child
    cpath = tuple(canonical)
    leaf = cpath[-1]
    value_type: ValueType = spec.type if not free else "string"
    exact = is_exact_name(leaf)
    hot = BY_PATH.get(cpath) if known == len(cpath) and not array else None
    hot_list = hot_member = None
    if array and known == len(cpath):
        hot_list = LIST_BY_PATH.get(cpath[:array])
        if hot_list is not None:
            rel = cpath[array:]
            hot_member = next((m for m in hot_list.members if m.path == rel), None)
            if hot_member is None:
                hot_list = None
    return Field(cpath, known, value_type, exact, array, hot, hot_list, hot_member)


def array_paths() -> tuple[tuple[str, ...], ...]:
    """The canonical paths of the array attributes (`target`, `request.ipChain`)."""
    out: list[tuple[str, ...]] = []

    def walk(specs: tuple[Spec, ...], prefix: tuple[str, ...]) -> None:
        for s in specs:
            if s.array:
                out.append((*prefix, s.name))
            if s.children:
                walk(s.children, (*prefix, s.name))

    walk(TOP_LEVEL, ())
    return tuple(out)
