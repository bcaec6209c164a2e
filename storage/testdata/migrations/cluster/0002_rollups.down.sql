-- Reverts 0002: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS earshot.brand_frt_hourly_mv ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_reason_hourly_mv ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_hourly_mv ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.rollup_hours ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.rollup_hours_local ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_frt_hourly ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_frt_hourly_local ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.first_responses ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.first_responses_local ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_reason_hourly ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_reason_hourly_local ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_hourly ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.brand_hourly_local ON CLUSTER earshot;
