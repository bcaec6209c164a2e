-- 0001 init: the mentions table, the per-brand fan-out and the brand
-- replies, both fed by materialized views from mentions.
--
-- Template: earshot is the database (a validated identifier), ON CLUSTER earshot
-- is "" or "ON CLUSTER <name>". Every statement must be idempotent
-- (IF NOT EXISTS / IF EXISTS): ClickHouse has no transactional DDL, so a
-- migration that failed half-way is simply run again.
--
-- Idempotency: every table is a ReplacingMergeTree keyed by the mention id
-- with `version` (enriched_at, else ingested_at, in ms) as the version, and
-- every query still deduplicates by id, so duplicates that are not merged
-- yet never count. Times are DateTime (seconds, UTC) plus created_ms
-- (0..999): DateTime64 does not exist on ClickHouse 18.16.

CREATE TABLE IF NOT EXISTS earshot.mentions_local ON CLUSTER earshot
(
    id                         String,
    platform                   String,
    native_id                  String,
    url                        String,
    created_at                 DateTime,
    created_ms                 UInt16,
    ingested_at                DateTime,
    source                     String,
    author_id                  String,
    author_handle              String,
    author_display_name        String,
    author_followers           Int64,
    author_verified            UInt8,
    text                       String,
    lang                       String,
    in_reply_to                String,
    conversation_id            String,
    quoted_id                  String,
    has_engagement             UInt8,
    engagement_likes           Int64,
    engagement_reposts         Int64,
    engagement_replies         Int64,
    engagement_quotes          Int64,
    brands                     Array(String),
    brand_how                  Array(String),
    brand_addressed            Array(UInt8),
    author_brand               String,
    direction                  String,
    sentiment_compound         Float64,
    sentiment_label            String,
    sentiment_confidence       Float64,
    entity_text                Array(String),
    entity_type                Array(String),
    entity_start               Array(Int64),
    entity_end                 Array(Int64),
    contact_reason             Array(String),
    contact_reason_confidence  Array(Float64),
    urgency_score              Float64,
    urgency_level              String,
    urgency_cues               Array(String),
    crisis_terms               Array(String),
    pii                        Array(String),
    has_reply_quality          UInt8,
    reply_empathy              Float64,
    reply_part_name            Array(String),
    reply_part_score           Array(Float64),
    reply_deflection           String,
    reply_canned               Float64,
    reply_canned_dups          Int64,
    reply_personal             UInt8,
    reply_signature            String,
    enriched_at                DateTime,
    enricher                   String,
    extra                      String,
    version                    UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/earshot/mentions', '{replica}', version)
PARTITION BY toYYYYMM(created_at)
ORDER BY id;

CREATE TABLE IF NOT EXISTS earshot.mentions ON CLUSTER earshot AS earshot.mentions_local
ENGINE = Distributed(earshot, earshot, mentions_local, cityHash64(conversation_id));

-- One row per (brand, mention): what the leaderboard, the dashboards and
-- crisis detection read. A brand matched more than once by one mention
-- gives one row, addressed when any of its matches is.
CREATE TABLE IF NOT EXISTS earshot.mention_brands_local ON CLUSTER earshot
(
    brand               String,
    mention_id          String,
    platform            String,
    created_at          DateTime,
    created_ms          UInt16,
    direction           String,
    addressed           UInt8,
    author_brand        String,
    in_reply_to         String,
    conversation_id     String,
    sentiment_compound  Float64,
    sentiment_label     String,
    version             UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/earshot/mention_brands', '{replica}', version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (brand, mention_id);

CREATE TABLE IF NOT EXISTS earshot.mention_brands ON CLUSTER earshot AS earshot.mention_brands_local
ENGINE = Distributed(earshot, earshot, mention_brands_local, cityHash64(conversation_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS earshot.mention_brands_mv ON CLUSTER earshot
TO earshot.mention_brands_local
AS SELECT
    brand,
    id AS mention_id,
    platform,
    created_at,
    created_ms,
    direction,
    arrayExists((b, a) -> ((b = brand) AND (a = 1)), brands, brand_addressed) AS addressed,
    author_brand,
    in_reply_to,
    conversation_id,
    sentiment_compound,
    sentiment_label,
    version
FROM earshot.mentions_local
ARRAY JOIN arrayDistinct(brands) AS brand;

-- Replies written by a brand's official account: the other half of the
-- first-response-time join.
CREATE TABLE IF NOT EXISTS earshot.replies_local ON CLUSTER earshot
(
    author_brand       String,
    in_reply_to        String,
    id                 String,
    platform           String,
    conversation_id    String,
    created_at         DateTime,
    created_ms         UInt16,
    has_reply_quality  UInt8,
    reply_empathy      Float64,
    reply_deflection   String,
    reply_canned       Float64,
    version            UInt64
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/earshot/replies', '{replica}', version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (author_brand, in_reply_to, id);

CREATE TABLE IF NOT EXISTS earshot.replies ON CLUSTER earshot AS earshot.replies_local
ENGINE = Distributed(earshot, earshot, replies_local, cityHash64(conversation_id));

CREATE MATERIALIZED VIEW IF NOT EXISTS earshot.replies_mv ON CLUSTER earshot
TO earshot.replies_local
AS SELECT
    author_brand,
    in_reply_to,
    id,
    platform,
    conversation_id,
    created_at,
    created_ms,
    has_reply_quality,
    reply_empathy,
    reply_deflection,
    reply_canned,
    version
FROM earshot.mentions_local
WHERE author_brand != '' AND in_reply_to != '';
