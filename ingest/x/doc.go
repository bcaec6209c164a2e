// Package x reads X's (Twitter's) API v2 filtered stream, back-fills gaps
// from recent search, and publishes the posts as Mention v1 records:
// `earshot ingest x`.
//
// # Protocol
//
// Rules. With sync_rules (the default) the source first makes the app's
// stream rules match ingest_x.rules: GET /2/tweets/search/stream/rules,
// then POST {"delete":{"ids":[…]}} for every rule tagged "earshot:…" that
// is not configured (or whose value changed), and POST {"add":[…]} for the
// missing ones, each tagged "earshot:<tag>" (tag defaults to the value).
// Rules with other tags (another application on the same app) are left
// alone. A rule X rejects stops the command with X's reason (ErrRules).
//
// Stream. GET /2/tweets/search/stream with
// tweet.fields=created_at,author_id,conversation_id,in_reply_to_user_id,
// referenced_tweets,lang,public_metrics,entities,
// expansions=author_id,referenced_tweets.id,referenced_tweets.id.author_id
// and user.fields=username,name,verified,public_metrics, bearer token in
// Authorization. The body is newline-delimited JSON: one post with its
// includes and matching_rules per line; blank lines ("\r\n") are X's
// keep-alive, sent every 20 s. A line that does not parse is rejected
// (malformed_post) and the stream goes on; a line holding only errors is
// a message (an operational disconnect ends the connection). Nothing, not
// even a keep-alive, for stall_timeout (20 s) → reconnect.
//
// Back-fill. After every (re)connect, once the stream is open, the gap is
// filled from GET /2/tweets/search/recent (query = backfill_query, or the
// rules' values joined with OR; max_results=100; the same fields and
// expansions): since_id = the newest post id handled (in memory, or the
// cursor saved in <state_dir>/x-state.json after a restart); with no id,
// start_time = when the previous connection was last alive, or on a first
// start backfill_window ago (0: none). end_time = the stream's open time
// (rounded up to the second; X wants it ≥ 10 s in the past, so the
// back-fill waits search_end_delay after the connection). Pages are
// followed by next_token (newest first, up to backfill_pages) and published
// oldest first. The overlap of back-fill and stream, and of runs, is
// dropped by a bounded seen-set persisted beside the state
// (<state_dir>/x-seen.jsonl): nothing is lost and nothing is published
// twice. A cursor older than recent search's 7 days back-fills the last 7
// days only.
//
// Rate limits and reconnects follow X's documentation: network errors,
// stalls and closed streams back off linearly (network_backoff_step, 250 ms
// more per attempt, up to 16 s); HTTP errors exponentially (5 s doubling up
// to 320 s); a 429 waits until x-rate-limit-reset (else 1 m doubling). A
// search page answered 429, or leaving x-rate-limit-remaining at 0, waits
// for x-rate-limit-reset and goes on. 401 and 403 are not retried: Run
// returns ErrUnauthorized with X's problem title and detail (e.g. "Client
// Forbidden [client-not-enrolled]") and the process exits.
//
// # Mapping
//
//	id              x:<id>
//	url             https://x.com/<username>/status/<id> (x.com/i/status/<id> without the author)
//	created_at      created_at
//	author          id author_id; handle username, display name name,
//	                followers public_metrics.followers_count, verified (includes.users)
//	text            text with X's &amp; &lt; &gt; unescaped
//	lang            lang ("und" and X's media codes qme, zxx, … left empty)
//	in_reply_to     x:<referenced_tweets[type=replied_to].id>
//	quoted_id       x:<referenced_tweets[type=quoted].id>
//	conversation_id x:<conversation_id>
//	engagement      like_count, retweet_count, reply_count, quote_count
//	extra           mentions (usernames), hashtags, in_reply_to_user_id,
//	                matching_rules (tags; stream posts only)
//
// Retweets (referenced_tweets type retweeted) are skipped and counted in
// earshot_ingest_skipped_total{source="x",reason="retweet"}: a retweet has
// no words of its own, the original post carries the conversation, and a
// retweet "mapped as the original" would publish a post the rules did not
// necessarily match, under an id that is not the retweet's. Add
// "-is:retweet" to the rules to spare the quota.
//
// # Configuration (top-level section ingest_x)
//
//	ingest_x:
//	  api_url: https://api.x.com
//	  rules:                     # synced to the app's stream rules, tagged earshot:<tag>
//	    - value: "@KLM -is:retweet"
//	      tag: klm
//	  sync_rules: true           # false: use the app's existing rules as they are
//	  backfill_query: ""         # recent-search query; empty: the rules joined with OR
//	  backfill_window: 0s        # first start without a cursor: back-fill this far (≤ 168h)
//	  backfill_pages: 10         # pages of 100 posts per back-fill; 0 = no back-fill
//	  search_end_delay: 10s      # X wants end_time ≥ 10 s before the request
//	  token_env: EARSHOT_X_BEARER_TOKEN
//	  token_file: ""             # a file holding the token (read if the env var is empty)
//	  stall_timeout: 20s
//	  request_timeout: 30s
//	  network_backoff_step: 250ms
//	  network_backoff_max: 16s
//	  http_backoff_min: 5s
//	  http_backoff_max: 5m20s
//	  rate_limit_backoff_min: 1m
//	  max_line_bytes: 1048576
//	  seen_capacity: 200000
//	  state_dir: .earshot
//	  user_agent: "earshot-x/1 (+https://github.com/earshot-dev/earshot)"
//
// The bearer token (an app-only token of a Project app with filtered
// stream access: Pro or Enterprise) comes from the environment or a file,
// never from a flag.
//
// # Example
//
//	export EARSHOT_X_BEARER_TOKEN=…
//	earshot ingest x --rule '@KLM -is:retweet' --rule '@AirFrance -is:retweet' --backfill-window 1h
//
// # Metrics (source="x")
//
// earshot_ingest_events_received_total (stream lines and searched posts),
// earshot_ingest_records_published_total, earshot_ingest_records_rejected_total{reason:
// malformed_post, empty_text, invalid_<field>}, earshot_ingest_skipped_total{reason:
// retweet}, earshot_ingest_duplicates_total, earshot_ingest_reconnects_total,
// earshot_ingest_source_errors_total{reason: dial, timeout, status_<code>, closed,
// read, stall, too_large, operational_disconnect, stream_message, publish,
// backfill_<reason>, rules_<reason>}, earshot_ingest_connected,
// earshot_ingest_last_event_timestamp_seconds. One log line per connection,
// disconnection, rules sync and back-fill, none per post.
package x
