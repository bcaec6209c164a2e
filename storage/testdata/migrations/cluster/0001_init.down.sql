-- Reverts 0001: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS earshot.replies_mv ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.mention_brands_mv ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.replies ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.replies_local ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.mention_brands ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.mention_brands_local ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.mentions ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.mentions_local ON CLUSTER earshot;
