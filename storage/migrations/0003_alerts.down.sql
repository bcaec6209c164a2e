-- Reverts 0003.
DROP TABLE IF EXISTS {{.DB}}.alerts {{.OnCluster}};
{{- dropLocal "alerts"}}
