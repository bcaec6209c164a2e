-- Reverts 0003.
DROP TABLE IF EXISTS earshot.alerts ON CLUSTER earshot;
DROP TABLE IF EXISTS earshot.alerts_local ON CLUSTER earshot;
