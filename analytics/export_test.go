package analytics

// LeaderboardQuery exposes the SQL and its arguments to the tests that run
// it on current ClickHouse (chDB).
var LeaderboardQuery = leaderboardQuery
