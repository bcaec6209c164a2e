-- Reverts 0001: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS {{.DB}}.replies_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.mention_brands_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.replies {{.OnCluster}};
{{- dropLocal "replies"}}
DROP TABLE IF EXISTS {{.DB}}.mention_brands {{.OnCluster}};
{{- dropLocal "mention_brands"}}
DROP TABLE IF EXISTS {{.DB}}.mentions {{.OnCluster}};
{{- dropLocal "mentions"}}
