-- 0003 alerts: the crisis detector's incidents (earshot detect), one row
-- per version of an incident: open, every update while it is open, and the
-- resolve (version = the end of the evaluated bucket, Unix seconds).
-- ReplacingMergeTree ordered by (incident_id, version) keeps every version
-- — the report draws an incident's timeline from them — and removes only
-- exact re-deliveries of one version; queries take argMax(…, version) for
-- an incident's current state.
-- Dashboards read it as annotations (onset → resolved_at, or updated_at
-- while open); the detector reads the open incidents back at start-up.
--
-- resolved_at is 0 (1970-01-01) while the incident is open. top_terms and
-- term_counts (and reasons/reason_counts, example_*) are parallel arrays.

CREATE TABLE IF NOT EXISTS earshot.alerts 
(
    incident_id              String,
    version                  UInt64,
    event                    String,
    brand                    String,
    kind                     String,
    severity                 String,
    status                   String,
    onset                    DateTime,
    opened_at                DateTime,
    updated_at               DateTime,
    resolved_at              DateTime,
    score                    Float64,
    peak_score               Float64,
    volume                   UInt32,
    expected_volume          Float64,
    volume_ratio             Float64,
    peak_volume_ratio        Float64,
    negative_share           Float64,
    baseline_negative_share  Float64,
    positive_share           Float64,
    baseline                 String,
    top_terms                Array(String),
    term_counts              Array(UInt32),
    reasons                  Array(String),
    reason_counts            Array(UInt32),
    example_ids              Array(String),
    example_texts            Array(String),
    summary                  String,
    detail                   String
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(onset)
ORDER BY (incident_id, version);
