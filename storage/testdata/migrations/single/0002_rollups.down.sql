-- Reverts 0002: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS earshot.brand_frt_hourly_mv ;
DROP TABLE IF EXISTS earshot.brand_reason_hourly_mv ;
DROP TABLE IF EXISTS earshot.brand_hourly_mv ;
DROP TABLE IF EXISTS earshot.rollup_hours ;
DROP TABLE IF EXISTS earshot.brand_frt_hourly ;
DROP TABLE IF EXISTS earshot.first_responses ;
DROP TABLE IF EXISTS earshot.brand_reason_hourly ;
DROP TABLE IF EXISTS earshot.brand_hourly ;
