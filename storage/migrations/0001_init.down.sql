-- Reverts 0001: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS {{.DB}}.replies_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.mention_brands_mv {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.replies {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.mention_brands {{.OnCluster}};
DROP TABLE IF EXISTS {{.DB}}.mentions {{.OnCluster}};
