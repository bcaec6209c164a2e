-- Reverts 0001: views first, so that no insert lands in a half-dropped schema.
DROP TABLE IF EXISTS earshot.replies_mv ;
DROP TABLE IF EXISTS earshot.mention_brands_mv ;
DROP TABLE IF EXISTS earshot.replies ;
DROP TABLE IF EXISTS earshot.mention_brands ;
DROP TABLE IF EXISTS earshot.mentions ;
