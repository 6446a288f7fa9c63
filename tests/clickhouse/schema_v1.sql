-- The events and meta tables as glasslog created them before schema versions (schema 1), from
-- `glasslog clickhouse ddl` of that version: tests/clickhouse/test_ingest_paths.py opens such a store.

CREATE DATABASE IF NOT EXISTS `glasslog`;

CREATE TABLE IF NOT EXISTS `glasslog`.`events` (
  `org` LowCardinality(String),
  `published` DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),
  `uuid` String CODEC(ZSTD(3)),
  `seq` Int64 CODEC(Delta, ZSTD(1)),
  `expires` DateTime('UTC') CODEC(Delta, ZSTD(1)),
  `event_type` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `severity` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `display_message` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `outcome_result` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `outcome_reason` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `actor_id` Nullable(String) CODEC(ZSTD(3)),
  `actor_type` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `actor_alternate_id` Nullable(String) CODEC(ZSTD(3)),
  `actor_display_name` Nullable(String) CODEC(ZSTD(3)),
  `client_ip` Nullable(String) CODEC(ZSTD(3)),
  `client_user_agent` Nullable(String) CODEC(ZSTD(3)),
  `client_zone` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `client_country` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `client_state` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `client_city` LowCardinality(Nullable(String)) CODEC(ZSTD(3)),
  `external_session_id` Nullable(String) CODEC(ZSTD(3)),
  `root_session_id` Nullable(String) CODEC(ZSTD(3)),
  `transaction_id` Nullable(String) CODEC(ZSTD(3)),
  `api_token_id` Nullable(String) CODEC(ZSTD(3)),
  `request_id` Nullable(String) CODEC(ZSTD(3)),
  `dt_hash` Nullable(String) CODEC(ZSTD(3)),
  `security_is_proxy` Nullable(String) CODEC(ZSTD(3)),
  `security_as_number` Nullable(String) CODEC(ZSTD(3)),
  `security_as_org` Nullable(String) CODEC(ZSTD(3)),
  `targets` Array(Tuple(`id` Nullable(String), `type` LowCardinality(Nullable(String)), `alternate_id` Nullable(String), `display_name` Nullable(String))) CODEC(ZSTD(3)),
  `ip_chain` Array(Tuple(`ip` Nullable(String), `country` LowCardinality(Nullable(String)), `state` LowCardinality(Nullable(String)), `city` LowCardinality(Nullable(String)))) CODEC(ZSTD(3)),
  `lat` Nullable(Float64) CODEC(ZSTD(3)),
  `lon` Nullable(Float64) CODEC(ZSTD(3)),
  `raw` String CODEC(ZSTD(9)),
  `ver` UInt64 MATERIALIZED toUInt64(9223372036854775807 - seq) CODEC(Delta, ZSTD(1)),
  `ingested` DateTime64(6, 'UTC') ALIAS fromUnixTimestamp64Micro(bitShiftRight(seq, 10), 'UTC'),
  INDEX ix_event_type `event_type` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_actor_id `actor_id` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_actor_alternate_id `actor_alternate_id` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_client_ip `client_ip` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_user_agent `client_user_agent` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_external_session_id `external_session_id` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_root_session_id `root_session_id` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_transaction_id `transaction_id` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_request_id `request_id` TYPE bloom_filter(0.01) GRANULARITY 4,
  INDEX ix_uuid `uuid` TYPE bloom_filter(0.001) GRANULARITY 4,
  INDEX ix_seq `seq` TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(ver)
PARTITION BY toYYYYMM(published)
ORDER BY (org, published, uuid)
TTL expires DELETE
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 0;

CREATE TABLE IF NOT EXISTS `glasslog`.`meta` (
  `org` String,
  `kind` LowCardinality(String),
  `key` String,
  `value` String,
  `deleted` UInt8,
  `version` UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (org, kind, key);
