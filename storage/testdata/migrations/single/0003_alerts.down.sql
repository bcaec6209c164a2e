-- Reverts 0003.
DROP TABLE IF EXISTS earshot.alerts ;
