-- Reverts 0002: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS {{.DB}}.brand_frt_hourly_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.brand_reason_hourly_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.brand_hourly_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.rollup_hours {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.brand_frt_hourly {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.first_responses {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.brand_reason_hourly {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.brand_hourly {{.OnCluster}};
