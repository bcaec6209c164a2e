-- 0002 rollups: per-brand hourly buckets that dashboards read instead of
-- the raw tables, so that they cost the same at a million or a billion
-- mentions. AggregatingMergeTree tables fed by materialized views on
-- mentions (not chained on mention_brands: every insert into mentions
-- feeds them directly, on 18.16 as on current ClickHouse), partitioned by
-- month like the raw tables so that `earshot retention` drops them alike.
--
-- Deduplication: a mention delivered twice must not count twice. Every
-- count is a uniq state of the mention id (uniq is exact below 65 536
-- distinct ids per state and within ~1 % above), so a replayed mention is
-- counted once. Sentiment is kept two ways: per-label uniq counts, which
-- are duplicate-safe, and the average compound score (avgState), which a
-- duplicate re-weights (dashboards use the label counts for shares and the
-- average only as a trend line).
--
-- Response times need the inbound post and its first brand reply, which
-- arrive in different inserts: a materialized view sees one insert at a
-- time and cannot join them. They are rolled up from first_responses (one
-- row per brand and answered post, computed by
-- storage.RollupFirstResponses for settled hours — see rollup.go) into
-- brand_frt_hourly, keyed by the hour of the inbound post.
--
-- The views see only rows inserted after they exist: a database that
-- already holds mentions is backfilled with storage.BackfillRollups
-- (migrations stay idempotent DDL).

CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "brand_hourly"}} {{.OnCluster}}
(
    brand           String,
    hour            DateTime,
    mentions        AggregateFunction(uniq, String),
    inbound         AggregateFunction(uniq, String),
    outbound        AggregateFunction(uniq, String),
    negative        AggregateFunction(uniq, String),
    positive        AggregateFunction(uniq, String),
    neutral         AggregateFunction(uniq, String),
    sentiment       AggregateFunction(avg, Float64)
)
ENGINE = {{engine "brand_hourly" "AggregatingMergeTree"}}
PARTITION BY toYYYYMM(hour)
ORDER BY (brand, hour);
{{- distributed "brand_hourly" "cityHash64(brand)"}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.brand_hourly_mv {{.OnCluster}}
TO {{.DB}}.{{local "brand_hourly"}}
AS SELECT
    brand,
    toStartOfHour(created_at) AS hour,
    uniqState(id) AS mentions,
    uniqStateIf(id, author_brand = '' AND arrayExists((b, a) -> ((b = brand) AND (a = 1)), brands, brand_addressed)) AS inbound,
    uniqStateIf(id, author_brand = brand) AS outbound,
    uniqStateIf(id, sentiment_label = 'negative') AS negative,
    uniqStateIf(id, sentiment_label = 'positive') AS positive,
    uniqStateIf(id, sentiment_label = 'neutral') AS neutral,
    avgState(sentiment_compound) AS sentiment
FROM {{.DB}}.{{local "mentions"}}
ARRAY JOIN arrayDistinct(brands) AS brand
GROUP BY brand, hour;

-- Mentions per brand, hour and contact reason (customer posts only).
CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "brand_reason_hourly"}} {{.OnCluster}}
(
    brand     String,
    hour      DateTime,
    reason    String,
    mentions  AggregateFunction(uniq, String)
)
ENGINE = {{engine "brand_reason_hourly" "AggregatingMergeTree"}}
PARTITION BY toYYYYMM(hour)
ORDER BY (brand, hour, reason);
{{- distributed "brand_reason_hourly" "cityHash64(brand)"}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.brand_reason_hourly_mv {{.OnCluster}}
TO {{.DB}}.{{local "brand_reason_hourly"}}
AS SELECT
    arrayJoin(arrayDistinct(brands)) AS brand,
    toStartOfHour(created_at) AS hour,
    arrayJoin(contact_reason) AS reason,
    uniqState(id) AS mentions
FROM {{.DB}}.{{local "mentions"}}
WHERE author_brand = ''
GROUP BY brand, hour, reason;

-- One row per (brand, answered inbound post): the first brand reply.
-- Filled by storage.RollupFirstResponses, one settled hour of posts at a
-- time; a ReplacingMergeTree on (brand, post_id) so that running an hour
-- again replaces rather than adds.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "first_responses"}} {{.OnCluster}}
(
    brand       String,
    post_id     String,
    post_at     DateTime,
    post_ms     UInt16,
    reply_id    String,
    frt_ms      UInt64,
    computed_at DateTime
)
ENGINE = {{engine "first_responses" "ReplacingMergeTree(computed_at)"}}
PARTITION BY toYYYYMM(post_at)
ORDER BY (brand, post_id);
{{- distributed "first_responses" "cityHash64(brand, post_id)"}}

-- Response-time quantile states per brand and hour of the inbound post.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "brand_frt_hourly"}} {{.OnCluster}}
(
    brand     String,
    hour      DateTime,
    answered  AggregateFunction(uniq, String),
    frt       AggregateFunction(quantilesTDigest(0.5, 0.9), UInt64)
)
ENGINE = {{engine "brand_frt_hourly" "AggregatingMergeTree"}}
PARTITION BY toYYYYMM(hour)
ORDER BY (brand, hour);
{{- distributed "brand_frt_hourly" "cityHash64(brand)"}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.brand_frt_hourly_mv {{.OnCluster}}
TO {{.DB}}.{{local "brand_frt_hourly"}}
AS SELECT
    brand,
    toStartOfHour(post_at) AS hour,
    uniqState(post_id) AS answered,
    quantilesTDigestState(0.5, 0.9)(frt_ms) AS frt
FROM {{.DB}}.{{local "first_responses"}}
GROUP BY brand, hour;

-- Rollup bookkeeping: the hours of posts RollupFirstResponses has done.
CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "rollup_hours"}} {{.OnCluster}}
(
    rollup   String,
    hour     DateTime,
    done_at  DateTime
)
ENGINE = {{engine "rollup_hours" "ReplacingMergeTree(done_at)"}}
PARTITION BY toYYYYMM(hour)
ORDER BY (rollup, hour);
{{- distributed "rollup_hours" "cityHash64(rollup, hour)"}}
