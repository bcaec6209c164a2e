-- Reverts 0002: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS {{.DB}}.brand_frt_hourly_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.brand_reason_hourly_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.brand_hourly_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.rollup_hours {{.OnCluster}};
{{- dropLocal "rollup_hours"}}
DROP TABLE IF EXISTS {{.DB}}.brand_frt_hourly {{.OnCluster}};
{{- dropLocal "brand_frt_hourly"}}
DROP TABLE IF EXISTS {{.DB}}.first_responses {{.OnCluster}};
{{- dropLocal "first_responses"}}
DROP TABLE IF EXISTS {{.DB}}.brand_reason_hourly {{.OnCluster}};
{{- dropLocal "brand_reason_hourly"}}
DROP TABLE IF EXISTS {{.DB}}.brand_hourly {{.OnCluster}};
{{- dropLocal "brand_hourly"}}
