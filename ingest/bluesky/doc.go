// Package bluesky reads Bluesky posts from Jetstream, the JSON WebSocket
// view of the AT Protocol firehose, and publishes them as Mention v1
// records: `earshot ingest bluesky`.
//
// # Protocol
//
// The source connects to <endpoint>?wantedCollections=app.bsky.feed.post
// [&wantedDids=…][&cursor=<time_us>] and reads one JSON event per text
// message (https://github.com/bluesky-social/jetstream): kind "commit"
// (repository operations), "identity" (an account's handle) and "account".
// Commit create operations of app.bsky.feed.post become mentions; deletes,
// updates and other collections are ignored; identity events feed a bounded
// did → handle cache used for author and mentioned handles.
//
// The cursor (time_us of the last event whose post Kafka acknowledged) is
// saved in <state_dir>/bluesky-cursor.json after every acknowledged batch.
// A reconnect resumes from the last event handled, a restart from the saved
// cursor, both minus rewind (Jetstream replays from the cursor on, and
// instances' clocks differ a little); the ids in the overlap are dropped by
// a bounded seen-set persisted in <state_dir>/bluesky-seen.jsonl, so no post
// is lost and none is published twice. Without a saved cursor the stream
// starts live.
//
// A connection that ends (closed, network error, no pong within
// ping_timeout, no message within read_timeout) is re-established with
// jittered exponential backoff (backoff_min … backoff_max); a 429/503 on the
// upgrade waits at least its Retry-After. Frames that are not Jetstream
// events are counted (malformed_frame) and skipped; the connection stays.
//
// # Mapping
//
//	id              bluesky:at://<did>/app.bsky.feed.post/<rkey>
//	native_id       at://<did>/app.bsky.feed.post/<rkey>
//	url             https://bsky.app/profile/<did>/post/<rkey>
//	created_at      record.createdAt; time_us when it is missing, broken or
//	                more than 5 minutes ahead of time_us (a wrong client clock)
//	author          id: the DID; handle: from identity events when seen
//	text, lang      record.text, record.langs[0]
//	in_reply_to     bluesky:<reply.parent.uri>
//	conversation_id bluesky:<reply.root.uri>, or the post's own id
//	quoted_id       bluesky:<uri> of an app.bsky.embed.record /
//	                recordWithMedia quoting a post
//	extra.mentions  [{did, handle}] of the mention facets (handle as written
//	                in the text, e.g. "@klm.com" → "klm.com")
//
// # Configuration (top-level section ingest_bluesky)
//
//	ingest_bluesky:
//	  endpoint: wss://jetstream2.us-east.bsky.network/subscribe
//	  wanted_dids: []             # DIDs; empty = every account
//	  rewind: 2s
//	  read_timeout: 0s            # reconnect after this much silence (0 = never)
//	  ping_interval: 20s
//	  ping_timeout: 10s
//	  dial_timeout: 15s
//	  backoff_min: 1s
//	  backoff_max: 2m
//	  max_message_bytes: 1048576
//	  seen_capacity: 500000
//	  handle_cache_size: 100000
//	  state_dir: .earshot
//	  user_agent: "earshot-bluesky/1 (+https://github.com/earshot-dev/earshot)"
//
// # Example
//
//	earshot ingest bluesky                                   # every public post
//	earshot ingest bluesky --wanted-did did:plc:… --wanted-did did:plc:…
//
// # Metrics (source="bluesky")
//
// earshot_ingest_events_received_total (frames), earshot_ingest_records_published_total,
// earshot_ingest_records_rejected_total{reason: malformed_frame, bad_record,
// invalid_<field>}, earshot_ingest_duplicates_total, earshot_ingest_reconnects_total,
// earshot_ingest_source_errors_total{reason: dial, status_<code>, closed, read,
// read_timeout, ping_timeout, publish}, earshot_ingest_connected,
// earshot_ingest_last_event_timestamp_seconds. One log line per connection and
// disconnection, none per post.
package bluesky
