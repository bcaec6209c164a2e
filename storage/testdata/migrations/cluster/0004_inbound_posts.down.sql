-- Reverts 0004: the view first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS earshot.inbound_changes_mv ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.inbound_changes ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.inbound_changes_local ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.inbound_posts ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.inbound_posts_local ON CLUSTER earshot;
