-- Reverts 0004: the view first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS {{.DB}}.inbound_changes_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.inbound_changes {{.OnCluster}};
{{- dropLocal "inbound_changes"}}
DROP TABLE IF EXISTS {{.DB}}.inbound_posts {{.OnCluster}};
{{- dropLocal "inbound_posts"}}
