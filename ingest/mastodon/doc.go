// Package mastodon reads a Mastodon instance's streaming API (server-sent
// events) and publishes its statuses as Mention v1 records:
// `earshot ingest mastodon`.
//
// # Protocol
//
// The source opens GET <streaming_url or server>/api/v1/streaming/<stream>
// (public, public/local, public/remote, hashtag?tag=, hashtag/local?tag=,
// list?list=, user) with "Authorization: Bearer <token>" and reads
// text/event-stream: "update" events carry a status (published; a boost
// publishes the boosted status), other events (delete, status.update,
// notification, …) are ignored, ":" comments are the server's heartbeat.
//
// After every (re)connect that has a cursor — the newest status id whose
// record Kafka acknowledged, saved in
// <state_dir>/mastodon-<host>-<stream>…-state.json — the gap is back-filled
// from the REST timeline the stream mirrors (/api/v1/timelines/public,
// /tag/<tag>, /list/<id>, /home) with min_id paging (40 statuses a page,
// oldest page first, up to backfill_pages), after the stream is open, so
// nothing posted meanwhile is missed. min_id is used rather than since_id
// because since_id returns only the newest page of a long gap. The overlap
// between back-fill and stream, and between runs, is dropped by a bounded
// seen-set persisted beside the state. Mastodon ids follow created_at, so a
// remote status that federates late with an older id than the cursor can
// escape the back-fill; everything the instance itself stamped is covered.
//
// Connections that end (closed, network error, nothing — not even a
// heartbeat — for read_timeout) are re-established with jittered backoff;
// a 429/503 waits at least its Retry-After (or X-RateLimit-Reset). A refused
// token (401/403) is not retried: Run returns ErrUnauthorized with the
// server's message and the process exits, because waiting cannot fix it.
//
// # Mapping
//
//	id              mastodon:<host>/<status id>   (host of ingest_mastodon.server)
//	url             the status url (else uri)
//	created_at      created_at
//	author          id <host>/<account id>; handle: acct with its domain
//	                (alice@mastodon.social); display name; followers
//	text            spoiler_text, a blank line, then content as plain text
//	                (HTML → text: <p> blank lines, <br> new lines, entities
//	                decoded, mention and hashtag links as written: "@KLM")
//	lang            language
//	in_reply_to     mastodon:<host>/<in_reply_to_id>
//	conversation_id the root of the thread when the parent was seen in this
//	                run, else the parent, else the status itself (best effort)
//	engagement      favourites, reblogs, replies counts at the time read
//	extra           mentions (full accts), visibility, bot
//
// # Configuration (top-level section ingest_mastodon)
//
//	ingest_mastodon:
//	  server: https://mastodon.social
//	  streaming_url: ""          # when the instance streams from another host
//	  stream: hashtag            # public, public:local, public:remote, hashtag, hashtag:local, list, user
//	  tag: klm
//	  list: ""
//	  token_env: EARSHOT_MASTODON_TOKEN
//	  token_file: ""             # a file holding the token (read if the env var is empty)
//	  read_timeout: 1m
//	  request_timeout: 30s
//	  backoff_min: 1s
//	  backoff_max: 2m
//	  backfill_pages: 50
//	  max_event_bytes: 1048576
//	  seen_capacity: 200000
//	  state_dir: .earshot
//	  user_agent: "earshot-mastodon/1 (+https://github.com/earshot-dev/earshot)"
//
// The token (an application's access token with read:statuses, or read
// for the user and list streams) comes from the environment or a file,
// never from a flag.
//
// # Example
//
//	export EARSHOT_MASTODON_TOKEN=…
//	earshot ingest mastodon --server https://mastodon.social --stream hashtag --tag klm
//
// # Metrics (source="mastodon")
//
// earshot_ingest_events_received_total (events and back-filled statuses),
// earshot_ingest_records_published_total, earshot_ingest_records_rejected_total{reason:
// malformed_event, empty_text, invalid_<field>}, earshot_ingest_duplicates_total,
// earshot_ingest_reconnects_total, earshot_ingest_source_errors_total{reason: dial,
// timeout, status_<code>, closed, read, read_timeout, not_event_stream, too_large,
// backfill_<reason>, publish}, earshot_ingest_connected,
// earshot_ingest_last_event_timestamp_seconds. One log line per connection,
// disconnection and back-fill, none per status.
package mastodon
