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
- `raw` (the event JSON, returned unchanged) with ZSTD: most of the bytes on disk.
- The metadata KV is a `ReplacingMergeTree(version)` keyed by (org, kind, key); a delete is a tombstone row.
"""

from __future__ import annotations

from glasslog.store.columns import LISTS, SCALARS

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
FOREVER = "2106-01-01 00:00:00"  # `expires` for orgs that keep events forever (DateTime's range ends in 2106)


def _nullable(column: str, low: bool) -> str:
    return "LowCardinality(Nullable(String))" if low else "Nullable(String)"


def event_columns() -> list[str]:
    """Column definitions of the events table (in insert order)."""
    cols = [
        "`org` LowCardinality(String)",
        "`published` DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1))",
        "`uuid` String CODEC(ZSTD(3))",
        "`seq` Int64 CODEC(Delta, ZSTD(1))",
        "`expires` DateTime('UTC') CODEC(Delta, ZSTD(1))",
    ]
    for c in SCALARS:
        if c.column == "uuid":
            continue
        cols.append(f"`{c.column}` {_nullable(c.column, c.column in _LOW_CARDINALITY)} CODEC(ZSTD(3))")
    for lst in LISTS:
        members = ", ".join(f"`{m.column}` {_nullable(m.column, m.column in _LIST_LOW_CARDINALITY)}"
                            for m in lst.members)
        cols.append(f"`{lst.column}` Array(Tuple({members})) CODEC(ZSTD(3))")
    cols += [
        "`lat` Nullable(Float64) CODEC(ZSTD(3))",
        "`lon` Nullable(Float64) CODEC(ZSTD(3))",
        "`raw` String CODEC(ZSTD(9))",
        "`ver` UInt64 MATERIALIZED toUInt64(9223372036854775807 - seq) CODEC(Delta, ZSTD(1))",
        f"`ingested` DateTime64(6, 'UTC') ALIAS fromUnixTimestamp64Micro(bitShiftRight(seq, {NODE_BITS}), 'UTC')",
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
        "SETTINGS index_granularity = 8192, ttl_only_drop_parts = 0"
    ]
    if cluster:
        stmts.append(f"CREATE TABLE IF NOT EXISTS `{db}`.`events`{_on(cluster)} AS `{db}`.`events_local`\n"
                     f"ENGINE = Distributed(`{cluster}`, `{db}`, `events_local`, cityHash64(org))")
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
