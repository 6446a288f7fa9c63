"""The ClickHouse schema: one node, or a cluster (ReplicatedMergeTree on each shard + Distributed over them).

Why each choice (see also the "Scaling out" section of the README):
- `ReplacingMergeTree(ver)` ordered by `(org, published, uuid)`: an org's events sit together and in time
  order, so the org guard and time bounds prune by primary key, and "newest 100" reads in key order. The
  same uuid in the same org always carries the same `published`, so two copies of an event (a producer's
  retry raced against its first attempt on another node) share a sorting key and background merges collapse
  them; `ver` keeps the copy with the *smallest* seq, the one a polling reader may already have been served.
  Readers do not wait for merges: the store drops duplicates at read time (see clickhouse.py).
- `PARTITION BY toYYYYMM(published)`: retention drops whole months; a query's time range prunes partitions.
- `seq` (Int64) is the persistence position: µs of the ingest clock << 10 | node id (see clickhouse.py);
  `ingested` is derived from it (ALIAS, no storage). A minmax index on it lets polling skip old granules.
- `expires` (DateTime) is computed at ingest from the org's retention and drives `TTL expires DELETE`;
  changing an org's retention rewrites it with a mutation. Reads also hide expired rows (the Log's `since`).
- `LowCardinality` for enumerations; `Nullable` because the hot-column contract (columns.py) distinguishes a
  missing attribute (NULL) from an empty string.
- Skip indexes on the identifiers the incident-response queries pivot on (sessions, actor, IP, request and
  transaction ids, event type: bloom filters) and the user agent (token bloom filter).
- `raw` (the event JSON, returned unchanged) with ZSTD(9): most of the bytes on disk. Its compressed blocks
  are 16 MiB (the default 1 MiB gives ZSTD too little context: 162 → 117 B/event on the bench's events, same
  CPU). A granule of raw is ~10 MiB anyway (adaptive granularity), so reading a few rows already meant
  decompressing that much; the other columns flush blocks of at least 1 MiB (several granules), which
  halves the repetitive identifiers (sessions, `dtHash`, targets). See BENCHMARKS.md.
- The hot columns have DEFAULT expressions over `raw` (one `JSONExtract` through the `_hot` alias), so ingest
  can send only the JSON and let ClickHouse derive them (clickhouse_rows explains when it does not). A joined
  column (`ip_chain_ips`, columns.JoinedMember) has its DEFAULT over its list column instead, so it holds the
  list's own texts whichever path filled the list, and parts written before it existed compute it when read.
- The metadata KV is a `ReplacingMergeTree(version)` keyed by (org, kind, key); a delete is a tombstone row.
"""

from __future__ import annotations

from glasslog.store.columns import JOINED, LISTS, SCALARS, SEPARATOR, JoinedMember

# Enumerations and other low-cardinality hot columns.
_LOW_CARDINALITY = {
    "event_type", "severity", "display_message", "outcome_result", "outcome_reason", "actor_type",
    "client_zone", "client_country", "client_state", "client_city",
}
_LIST_LOW_CARDINALITY = {"type", "country", "state", "city"}

_INDEXES = (
    ("ix_event_type", "event_type", "bloom_filter(0.01)", 4),
    ("ix_actor_id", "actor_id", "bloom_filter(0.01)", 4),
    ("ix_actor_alternate_id", "actor_alternate_id", "bloom_filter(0.01)", 4),
    ("ix_client_ip", "client_ip", "bloom_filter(0.01)", 4),
    ("ix_user_agent", "client_user_agent", "bloom_filter(0.01)", 4),
    ("ix_external_session_id", "external_session_id", "bloom_filter(0.01)", 4),
    ("ix_root_session_id", "root_session_id", "bloom_filter(0.01)", 4),
    ("ix_transaction_id", "transaction_id", "bloom_filter(0.01)", 4),
    ("ix_request_id", "request_id", "bloom_filter(0.01)", 4),
    ("ix_uuid", "uuid", "bloom_filter(0.001)", 4),
    ("ix_seq", "seq", "minmax", 1),
)

# seq = ingest µs << NODE_BITS | node
NODE_BITS = 10
# The events table's schema version, kept in its COMMENT. 1 (no comment): hot columns filled by Python only.
# 2: hot columns have DEFAULT expressions over `raw` (and the `_hot` alias); 3: the `privilege_granted` column;
# 4: the `ip_chain_ips` joined column. `upgrade_ddl` takes 1, 2 or 3 to 4.
SCHEMA_VERSION = 4
SCHEMA_COMMENT = f"glasslog events schema {SCHEMA_VERSION}"
# Compressed block sizes (see the module docstring): the raw JSON's own, and the table's for every other column.
RAW_BLOCKS = "max_compress_block_size = 16777216, min_compress_block_size = 16777216"
TABLE_BLOCKS = "min_compress_block_size = 1048576"
FOREVER = "2106-01-01 00:00:00"  # `expires` for orgs that keep events forever (DateTime's range ends in 2106)


def _nullable(column: str, low: bool) -> str:
    return "LowCardinality(Nullable(String))" if low else "Nullable(String)"


# -- hot columns derived by ClickHouse from `raw` (DEFAULT expressions) ---------------------------------------
#
# Ingest normally sends only org, published, uuid, seq, expires and raw; ClickHouse fills every hot column from
# the JSON with one `JSONExtract` into a named tuple of the hot paths (the identical sub-expression of every
# DEFAULT is computed once per block). That matches the Python derivation (clickhouse_rows) only on ordinary
# values, so clickhouse_rows.needs_python routes every event it cannot prove ordinary through Python, which then
# sends all columns and the DEFAULTs are not used.

_GEO = ("client", "geographicalContext", "geolocation")


def _tuple_type(tree: dict) -> str:
    parts = []
    for key, leaf in tree.items():
        kind = _tuple_type(leaf) if isinstance(leaf, dict) else leaf
        parts.append(f"{key} {kind}")
    return "Tuple(" + ", ".join(parts) + ")"


def _put(tree: dict, path: tuple[str, ...], leaf: object) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = leaf


def hot_tuple_type() -> str:
    """The named tuple `JSONExtract` fills from an event: every hot path (strings), the hot lists as arrays of
    tuples of their members, and the coordinates as Float64."""
    root: dict = {}
    for c in SCALARS:
        if c.column != "uuid":
            _put(root, c.path, "Nullable(String)")
    for lst in LISTS:
        element: dict = {}
        for m in lst.members:
            _put(element, m.path, "Nullable(String)")
        _put(root, lst.path, f"Array({_tuple_type(element)})")
    _put(root, (*_GEO, "lat"), "Nullable(Float64)")
    _put(root, (*_GEO, "lon"), "Nullable(Float64)")
    return _tuple_type(root)


def _get(base: str, path: tuple[str, ...]) -> str:
    for key in path:
        base = f"tupleElement({base}, '{key}')"
    return base


HOT = "_hot"  # ALIAS column (never stored): the event's hot paths as one named tuple


def joined_default(j: JoinedMember) -> str:
    """`columns.joined_text` over the list column: a separator, then each non-null member and a separator."""
    member = f"tupleElement(_x, '{j.member}')"
    sep = f"'{SEPARATOR}'"
    return (f"concat({sep}, arrayStringConcat(arrayMap(_x -> concat(assumeNotNull({member}), {sep}), "
            f"arrayFilter(_x -> isNotNull({member}), `{j.list}`))))")


def hot_alias() -> str:
    return f"`{HOT}` {hot_tuple_type()} ALIAS JSONExtract(raw, '{hot_tuple_type()}')"


def hot_defaults() -> dict[str, str]:
    """Column → DEFAULT expression over `raw` (through the `_hot` alias), for every column the Python
    derivation fills."""
    j = HOT
    out: dict[str, str] = {}
    for c in SCALARS:
        if c.column != "uuid":
            value = _get(j, c.path)
            out[c.column] = f"lowerUTF8({value})" if c.case == "lower" else value
    for lst in LISTS:
        members = []
        for m in lst.members:
            value = _get("_e", m.path)
            members.append(f"lowerUTF8({value})" if m.case == "lower" else value)
        out[lst.column] = f"arrayMap(_e -> tuple({', '.join(members)}), {_get(j, lst.path)})"
    out["lat"] = _get(j, (*_GEO, "lat"))
    out["lon"] = _get(j, (*_GEO, "lon"))
    for joined in JOINED:
        out[joined.column] = joined_default(joined)
    return out


def event_columns() -> list[str]:
    """Column definitions of the events table (in insert order)."""
    cols = [
        "`org` LowCardinality(String)",
        "`published` DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1))",
        "`uuid` String CODEC(ZSTD(3))",
        "`seq` Int64 CODEC(Delta, ZSTD(1))",
        "`expires` DateTime('UTC') CODEC(Delta, ZSTD(1))",
    ]
    defaults = hot_defaults()
    for c in SCALARS:
        if c.column == "uuid":
            continue
        cols.append(f"`{c.column}` {_nullable(c.column, c.column in _LOW_CARDINALITY)} "
                    f"DEFAULT {defaults[c.column]} CODEC(ZSTD(3))")
    for lst in LISTS:
        members = ", ".join(f"`{m.column}` {_nullable(m.column, m.column in _LIST_LOW_CARDINALITY)}"
                            for m in lst.members)
        cols.append(f"`{lst.column}` Array(Tuple({members})) DEFAULT {defaults[lst.column]} CODEC(ZSTD(3))")
    cols += [f"`{j.column}` String DEFAULT {defaults[j.column]} CODEC(ZSTD(3))" for j in JOINED]
    cols += [
        f"`lat` Nullable(Float64) DEFAULT {defaults['lat']} CODEC(ZSTD(3))",
        f"`lon` Nullable(Float64) DEFAULT {defaults['lon']} CODEC(ZSTD(3))",
        f"`raw` String CODEC(ZSTD(9)) SETTINGS ({RAW_BLOCKS})",
        "`ver` UInt64 MATERIALIZED toUInt64(9223372036854775807 - seq) CODEC(Delta, ZSTD(1))",
        f"`ingested` DateTime64(6, 'UTC') ALIAS fromUnixTimestamp64Micro(bitShiftRight(seq, {NODE_BITS}), 'UTC')",
        hot_alias(),
    ]
    return cols


def _on(cluster: str | None) -> str:
    return f" ON CLUSTER `{cluster}`" if cluster else ""


def events_ddl(db: str, cluster: str | None = None) -> list[str]:
    """CREATE statements for the events table: a local ReplacingMergeTree, or on a cluster a
    ReplicatedReplacingMergeTree on every shard (`events_local`) plus a Distributed `events` sharded by org."""
    local = "events_local" if cluster else "events"
    engine = (f"ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{db}/events_local', '{{replica}}', ver)"
              if cluster else "ReplacingMergeTree(ver)")
    body = ",\n  ".join(event_columns() + [f"INDEX {n} `{c}` TYPE {t} GRANULARITY {g}" for n, c, t, g in _INDEXES])
    stmts = [
        f"CREATE TABLE IF NOT EXISTS `{db}`.`{local}`{_on(cluster)} (\n  {body}\n)\n"
        f"ENGINE = {engine}\n"
        "PARTITION BY toYYYYMM(published)\n"
        "ORDER BY (org, published, uuid)\n"
        "TTL expires DELETE\n"
        f"SETTINGS index_granularity = 8192, ttl_only_drop_parts = 0, {TABLE_BLOCKS}\n"
        f"COMMENT '{SCHEMA_COMMENT}'"
    ]
    if cluster:
        stmts.append(f"CREATE TABLE IF NOT EXISTS `{db}`.`events`{_on(cluster)} AS `{db}`.`events_local`\n"
                     f"ENGINE = Distributed(`{cluster}`, `{db}`, `events_local`, cityHash64(org))")
    return stmts


def schema_version(comment: str) -> int:
    """The schema version an events table's COMMENT records (1 for a table made before versions)."""
    prefix = "glasslog events schema "
    if comment.startswith(prefix) and comment[len(prefix):].strip().isdigit():
        return int(comment[len(prefix):])
    return 1


def upgrade_ddl(db: str, cluster: str | None = None) -> list[str]:
    """ALTERs taking an events table of an older schema (1, 2 or 3) to this version: metadata only (existing parts
    keep their values and blocks; the DEFAULTs apply to later inserts, the block sizes to later inserts and
    merges, and a column added here is computed from `raw` for the parts written before it). On a
    cluster both the shards' tables and the Distributed table get the DEFAULTs (an INSERT into the Distributed
    table computes them there)."""
    defaults = hot_defaults()
    # Hot columns added since the table was made come first (with their DEFAULTs, which old parts compute
    # from `raw` when read), then the `_hot` alias is brought to this version's paths, then every DEFAULT.
    hot_columns = [d for d in event_columns() if d.split("`")[1] in defaults]
    changes = [f"MODIFY COLUMN `{c}` DEFAULT {e}" for c, e in defaults.items()]
    tables = ["events_local", "events"] if cluster else ["events"]
    stmts = []
    for t in tables:
        table = f"`{db}`.`{t}`{_on(cluster)}"
        distributed = cluster is not None and t == "events"  # a Distributed table stores nothing: no codecs
        added = [f"ADD COLUMN IF NOT EXISTS {d.rsplit(' CODEC(', 1)[0] if distributed else d}" for d in hot_columns]
        stmts += [f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {hot_alias()}",
                  f"ALTER TABLE {table} MODIFY COLUMN {hot_alias()}",
                  f"ALTER TABLE {table} {', '.join(added)}",
                  f"ALTER TABLE {table} {', '.join(changes)}"]
    local = f"`{db}`.`{tables[0]}`{_on(cluster)}"
    stmts += [f"ALTER TABLE {local} MODIFY COLUMN `raw` MODIFY SETTING {RAW_BLOCKS}",
              f"ALTER TABLE {local} MODIFY SETTING {TABLE_BLOCKS}",
              f"ALTER TABLE {local} MODIFY COMMENT '{SCHEMA_COMMENT}'"]
    return stmts


def meta_ddl(db: str, cluster: str | None = None) -> list[str]:
    local = "meta_local" if cluster else "meta"
    engine = (f"ReplicatedReplacingMergeTree('/clickhouse/tables/{{shard}}/{db}/meta_local', '{{replica}}', version)"
              if cluster else "ReplacingMergeTree(version)")
    stmts = [
        f"CREATE TABLE IF NOT EXISTS `{db}`.`{local}`{_on(cluster)} (\n"
        "  `org` String,\n  `kind` LowCardinality(String),\n  `key` String,\n  `value` String,\n"
        "  `deleted` UInt8,\n  `version` UInt64\n)\n"
        f"ENGINE = {engine}\n"
        "ORDER BY (org, kind, key)"
    ]
    if cluster:
        stmts.append(f"CREATE TABLE IF NOT EXISTS `{db}`.`meta`{_on(cluster)} AS `{db}`.`meta_local`\n"
                     f"ENGINE = Distributed(`{cluster}`, `{db}`, `meta_local`, cityHash64(org))")
    return stmts


def all_ddl(db: str, cluster: str | None = None) -> list[str]:
    """Every statement, in order, to create glasslog's schema in database `db` (on `cluster` when given)."""
    return [f"CREATE DATABASE IF NOT EXISTS `{db}`{_on(cluster)}", *events_ddl(db, cluster),
            *meta_ddl(db, cluster)]


def ddl_script(db: str, cluster: str | None = None) -> str:
    """The DDL as a script for `clickhouse-client --multiquery`."""
    head = ["-- glasslog schema for ClickHouse" + (f" on cluster {cluster}" if cluster else " (single node)"),
            "-- Generated by `glasslog clickhouse ddl`; safe to re-run (IF NOT EXISTS)."]
    if cluster:
        head += ["-- Each shard holds whole orgs (Distributed sharding key cityHash64(org)); replicas use",
                 "-- the {shard} and {replica} macros of each server's config."]
    return "\n".join(head) + "\n\n" + ";\n\n".join(all_ddl(db, cluster)) + ";\n"


def upgrade_script(db: str, cluster: str | None = None) -> str:
    """`upgrade_ddl` as a script, for a database made by an older glasslog (schema 1 to 3) whose nodes run with
    `create=0` (a node allowed to create runs these itself on open)."""
    head = [f"-- glasslog events schema 1 to {SCHEMA_VERSION - 1} -> {SCHEMA_VERSION}"
            + (f" on cluster {cluster}" if cluster else ""),
            "-- Metadata only. Existing rows keep their values, later inserts let ClickHouse derive the hot columns."]
    return "\n".join(head) + "\n\n" + ";\n\n".join(upgrade_ddl(db, cluster)) + ";\n"
