
CREATE DATABASE IF NOT EXISTS earshot ;
CREATE TABLE IF NOT EXISTS earshot.schema_migrations 
(
    version     UInt32,
    name        String,
    applied     UInt8,
    applied_at  DateTime,
    seq         UInt64
)
ENGINE = MergeTree
ORDER BY (version, seq);
