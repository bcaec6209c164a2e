// Package reddit polls Reddit's OAuth API for new posts and comments and
// publishes them as Mention v1 records: `earshot ingest reddit`.
//
// # Protocol
//
// Authentication is app-only OAuth: POST <auth_url>/api/v1/access_token
// with grant_type=client_credentials and the app's client id and secret as
// HTTP basic auth. The bearer token is renewed token_refresh_margin (at
// most half its lifetime) before it expires, and once more when the API
// answers 401 anyway (revoked early); a token endpoint that refuses the
// credentials, or an API that refuses a fresh token, stops the command
// (ErrUnauthorized, with Reddit's message), because waiting cannot fix it.
// Every request carries user_agent, which Reddit requires in the form
// "<platform>:<app id>:<version> (by /u/<username>)" (generic agents are
// throttled or blocked).
//
// Every poll_interval the source reads each listing from <api_url>:
// /search?q=<query>&sort=new&type=link for each of searches, and
// /r/<sub>/new and (with comments) /r/<sub>/comments for each of
// subreddits, all with limit=100 and raw_json=1 (text as written, not
// HTML-escaped). A listing is read newest first and paged back with
// after=<fullname of the last item> until an item already handled — in
// the persisted seen-set, or not newer than the listing's cursor (the
// newest fullname acknowledged, saved in <state_dir>/reddit-state.json) —
// or max_pages (initial_pages on a first start; 0 = start from now). The
// new items are published oldest first. before=<cursor> is not used: when
// the cursor item is deleted Reddit answers an empty listing forever,
// while walking back from the newest page stops at the next known item.
// The seen-set (<state_dir>/reddit-seen.jsonl) also drops a post found by
// a search and its subreddit, and everything across restarts.
//
// Rate limits: X-Ratelimit-Used / -Remaining / -Reset (seconds until the
// window resets) are read on every answer; when less than one request
// remains, nothing is sent before the reset. A 429 waits for
// X-Ratelimit-Reset (or Retry-After). Other failures (network, timeout —
// a stalled server is cut off at request_timeout —, 5xx, malformed JSON)
// end the round and it is retried with jittered backoff (backoff_min …
// backoff_max).
//
// # Mapping (posts t3 and comments t1)
//
//	id              reddit:<fullname> (reddit:t3_1b2c3d, reddit:t1_kx2p9q2)
//	url             https://www.reddit.com<permalink>
//	created_at      created_utc
//	author          id author_fullname (t2_…), handle author
//	text            post: title, a blank line, selftext; comment: body
//	in_reply_to     comment: reddit:<parent_id> (the post or the parent comment)
//	conversation_id comment: reddit:<link_id>; post: its own id
//	engagement      likes = score (≥ 0), replies = num_comments
//	extra           subreddit, score when negative, over_18, link_title
//
// Comments whose body is [deleted] or [removed] are skipped and counted in
// earshot_ingest_skipped_total{source="reddit",reason="removed"}; a post
// whose author account is deleted has no author id and is rejected
// (invalid_author.id).
//
// # Configuration (top-level section ingest_reddit)
//
//	ingest_reddit:
//	  auth_url: https://www.reddit.com
//	  api_url: https://oauth.reddit.com
//	  searches: ["klm lost bag"]
//	  subreddits: [KLM, travel]
//	  comments: true
//	  client_id_env: EARSHOT_REDDIT_CLIENT_ID
//	  client_id_file: ""
//	  client_secret_env: EARSHOT_REDDIT_CLIENT_SECRET
//	  client_secret_file: ""
//	  user_agent: "linux:com.example.earshot:v1 (by /u/yourname)"
//	  poll_interval: 1m
//	  max_pages: 10
//	  initial_pages: 1
//	  request_timeout: 30s
//	  token_refresh_margin: 5m
//	  backoff_min: 5s
//	  backoff_max: 5m
//	  seen_capacity: 200000
//	  state_dir: .earshot
//
// The client id and secret (of an app created at
// https://www.reddit.com/prefs/apps) come from the environment or files,
// never from flags.
//
// # Example
//
//	export EARSHOT_REDDIT_CLIENT_ID=… EARSHOT_REDDIT_CLIENT_SECRET=…
//	earshot ingest reddit --user-agent 'linux:com.example.earshot:v1 (by /u/yourname)' \
//	    --subreddit KLM --search 'klm lost bag'
//
// # Metrics (source="reddit")
//
// earshot_ingest_events_received_total (listing items),
// earshot_ingest_records_published_total, earshot_ingest_records_rejected_total{reason:
// malformed_item, empty_text, invalid_<field>}, earshot_ingest_skipped_total{reason:
// removed}, earshot_ingest_duplicates_total, earshot_ingest_reconnects_total (polls
// succeeding again after failures), earshot_ingest_source_errors_total{reason: dial,
// timeout, status_<code>, malformed, token_<reason>, publish},
// earshot_ingest_connected (1 while the last round succeeded),
// earshot_ingest_last_event_timestamp_seconds. One log line per token, failed or
// recovered round, and round with new items; none per item.
package reddit
