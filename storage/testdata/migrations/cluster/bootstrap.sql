
CREATE DATABASE IF NOT EXISTS earshot ON CLUSTER earshot;
CREATE TABLE IF NOT EXISTS earshot.schema_migrations ON CLUSTER earshot
(
    version     UInt32,
    name        String,
    applied     UInt8,
    applied_at  DateTime,
    seq         UInt64
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/earshot/schema_migrations', '{shard}-{replica}')
ORDER BY (version, seq);
