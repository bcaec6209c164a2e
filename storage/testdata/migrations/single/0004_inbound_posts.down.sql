-- Reverts 0004: the view first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS earshot.inbound_changes_mv ;
DROP TABLE IF EXISTS earshot.inbound_changes ;
DROP TABLE IF EXISTS earshot.inbound_posts ;
