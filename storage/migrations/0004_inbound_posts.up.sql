-- 0004 inbound posts: the leaderboard's exact per-post table, so that its
-- cost follows the number of inbound posts of the period instead of
-- deduplicating and joining every raw row of it (see storage/rollup.go
-- and analytics.Leaderboard).
--
-- inbound_posts holds one row per (brand, customer post) that is inbound
-- for the brand whatever the period's end: addressed to the brand, or
-- answered by it (a post answered only after a period's end is not
-- inbound in that period; the query checks reply_at against it). The
-- first reply is the earliest of the brand's replies to the post, every
-- reply deduplicated by id. Rows are written by storage.RollupInboundPosts
-- (`earshot rollup`) for whole hours of posts, and rewritten for posts
-- touched since its last run; the newest computation (version, ms) wins,
-- and queries read it with FINAL. A row whose post stopped being inbound
-- (a newer version of it) is rewritten with addressed = customer = 0.
--
-- inbound_changes records, at insert time, which posts an insert into
-- mentions touched: the mention itself and, for a reply, the post it
-- answers. Everything changed since the last rollup run is what the
-- leaderboard computes from the raw tables instead (it is exact at every
-- moment, whatever arrives late or twice).
CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "inbound_posts"}} {{.OnCluster}}
(
    brand      String,
    post_id    String,
    post_at    DateTime,
    post_ms    UInt16,
    addressed  UInt8,
    customer   UInt8,
    has_reply  UInt8,
    reply_at   DateTime,
    reply_ms   UInt16,
    version    UInt64
)
ENGINE = {{engine "inbound_posts" "ReplacingMergeTree(version)"}}
PARTITION BY toYYYYMM(post_at)
ORDER BY (brand, post_at, post_id);
{{- distributed "inbound_posts" "cityHash64(post_id)"}}

CREATE TABLE IF NOT EXISTS {{.DB}}.{{local "inbound_changes"}} {{.OnCluster}}
(
    post_id     String,
    changed_at  DateTime
)
ENGINE = {{engine "inbound_changes" "MergeTree"}}
PARTITION BY toYYYYMM(changed_at)
ORDER BY (changed_at, post_id);
{{- distributed "inbound_changes" "cityHash64(post_id)"}}

CREATE MATERIALIZED VIEW IF NOT EXISTS {{.DB}}.inbound_changes_mv {{.OnCluster}}
TO {{.DB}}.{{local "inbound_changes"}}
AS SELECT
    post_id,
    now() AS changed_at
FROM {{.DB}}.{{local "mentions"}}
ARRAY JOIN if(in_reply_to = '', [id], [id, in_reply_to]) AS post_id;
