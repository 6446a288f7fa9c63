"""The hot columns: which LogEvent attributes get a real column, where each comes from, and how it is cased.

This table is the one contract between the store (which fills the columns at ingest) and the query compiler
(which reads them): a field listed here is compared against its column; every other field is reached through
the stored JSON. `lower` columns hold the lower-cased value so that Okta's case-insensitive comparisons can use
plain equality (and DuckDB's zone maps); `exact` columns hold the value as received, for identifiers.

A column holds the attribute's value as `json_extract_string` gives it: strings as they are, numbers and
booleans as their JSON text, objects and arrays as JSON text, JSON null and a missing attribute as SQL NULL.
The Python matcher applies the same coercion to these attributes, so both paths agree on odd inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Case = Literal["lower", "exact"]


@dataclass(frozen=True)
class HotColumn:
    """A scalar attribute with its own column."""

    column: str
    path: tuple[str, ...]  # canonical camelCase path into the LogEvent
    case: Case


@dataclass(frozen=True)
class HotList:
    """An array attribute (`target`, `request.ipChain`) kept as a list of structs of its hot members."""

    column: str
    path: tuple[str, ...]  # path of the array itself
    members: tuple[HotColumn, ...]  # each member's `path` is relative to one element


SCALARS: tuple[HotColumn, ...] = (
    HotColumn("uuid", ("uuid",), "exact"),
    HotColumn("event_type", ("eventType",), "lower"),
    HotColumn("severity", ("severity",), "lower"),
    HotColumn("display_message", ("displayMessage",), "lower"),
    HotColumn("outcome_result", ("outcome", "result"), "lower"),
    HotColumn("outcome_reason", ("outcome", "reason"), "lower"),
    HotColumn("actor_id", ("actor", "id"), "exact"),
    HotColumn("actor_type", ("actor", "type"), "lower"),
    HotColumn("actor_alternate_id", ("actor", "alternateId"), "lower"),
    HotColumn("actor_display_name", ("actor", "displayName"), "lower"),
    HotColumn("client_ip", ("client", "ipAddress"), "lower"),
    HotColumn("client_user_agent", ("client", "userAgent", "rawUserAgent"), "lower"),
    HotColumn("client_zone", ("client", "zone"), "lower"),
    HotColumn("client_country", ("client", "geographicalContext", "country"), "lower"),
    HotColumn("client_state", ("client", "geographicalContext", "state"), "lower"),
    HotColumn("client_city", ("client", "geographicalContext", "city"), "lower"),
    HotColumn("external_session_id", ("authenticationContext", "externalSessionId"), "exact"),
    HotColumn("root_session_id", ("authenticationContext", "rootSessionId"), "exact"),
    HotColumn("transaction_id", ("transaction", "id"), "exact"),
    HotColumn("api_token_id", ("transaction", "detail", "requestApiTokenId"), "exact"),
    HotColumn("request_id", ("debugContext", "debugData", "requestId"), "exact"),
    HotColumn("dt_hash", ("debugContext", "debugData", "dtHash"), "exact"),
    # The guide's admin-privilege query; without a column, testing it read the JSON of every privilege grant
    # (3.4 s at 10M events, BENCHMARKS.md).
    HotColumn("privilege_granted", ("debugContext", "debugData", "privilegeGranted"), "lower"),
    # Read by the detection rules on most sign-in events (proxy, VPN and ASN awareness).
    HotColumn("security_is_proxy", ("securityContext", "isProxy"), "lower"),
    HotColumn("security_as_number", ("securityContext", "asNumber"), "exact"),
    HotColumn("security_as_org", ("securityContext", "asOrg"), "lower"),
)

LISTS: tuple[HotList, ...] = (
    HotList(
        "targets",
        ("target",),
        (
            HotColumn("id", ("id",), "exact"),
            HotColumn("type", ("type",), "lower"),
            HotColumn("alternate_id", ("alternateId",), "lower"),
            HotColumn("display_name", ("displayName",), "lower"),
        ),
    ),
    HotList(
        "ip_chain",
        ("request", "ipChain"),
        (
            HotColumn("ip", ("ip",), "lower"),
            HotColumn("country", ("geographicalContext", "country"), "lower"),
            HotColumn("state", ("geographicalContext", "state"), "lower"),
            HotColumn("city", ("geographicalContext", "city"), "lower"),
        ),
    ),
)


@dataclass(frozen=True)
class JoinedMember:
    """One member of a hot list flattened into a scalar text column, as a cheap prefilter for filters on it.

    Testing a list of structs runs a lambda over every row's list (300+ ms at 10M events); a plain string
    column is scanned ten times faster. The text is `joined_text` of the member's values as the list holds
    them (so already lower-cased for a "lower" member): a space, each non-null value followed by a space.
    Whatever a value contains (a hostile event may put spaces in `ip`), an element whose value is `v` makes
    " v " a substring, so `contains` on this column is a SUPERSET test for eq/sw/ew/co on the member; the
    exact list predicate still decides. Never NULL (no values: " ")."""

    column: str
    list: str  # the HotList's column
    member: str  # the member's column in that list


JOINED: tuple[JoinedMember, ...] = (JoinedMember("ip_chain_ips", "ip_chain", "ip"),)
JOINED_BY_MEMBER: dict[tuple[str, str], JoinedMember] = {(j.list, j.member): j for j in JOINED}
SEPARATOR = " "


def joined_text(values: list[str | None]) -> str:
    """The reference definition of a JoinedMember column's text (the stores compute the same in SQL)."""
    return SEPARATOR + "".join(v + SEPARATOR for v in values if v is not None)


# Columns every row has besides the hot attributes.
#   org       VARCHAR    tenant; every statement is guarded by it
#   seq       BIGINT     persistence sequence, assigned at commit, increasing per store
#   published TIMESTAMP  the event's `published` as a UTC instant (naive TIMESTAMP holding UTC)
#   lat, lon  DOUBLE     client.geographicalContext.geolocation, for the map
#   raw       VARCHAR    the event's JSON (JSON-equal to what was received), zstd-compressed
#   The `uuid` column above is the dedupe key together with org.
#   The JOINED columns above are derived from their list column, at ingest and (for older stores) on open.

BY_PATH: dict[tuple[str, ...], HotColumn] = {c.path: c for c in SCALARS}
LIST_BY_PATH: dict[tuple[str, ...], HotList] = {h.path: h for h in LISTS}
