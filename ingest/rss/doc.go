// Package rss polls RSS 2.0 and Atom feeds (and JSON Feed) — news sites,
// blogs, review sites — and publishes every new item as a Mention v1
// record: `earshot ingest rss`.
//
// # Polling
//
// Each feed is fetched every interval (±10 % jitter), at most concurrency
// at a time, with a conditional GET: the ETag and Last-Modified of the last
// successful fetch are sent as If-None-Match / If-Modified-Since, so an
// unchanged feed costs a 304 and no parsing. A failed poll (network error,
// timeout, a 5xx, a document that is not a feed) backs off with jitter
// from backoff_min to backoff_max; a 429 or 503 waits at least its
// Retry-After. One failing feed never holds back the others.
//
// Items are de-duplicated by id across polls and restarts: a bounded
// seen-set (seen_capacity ids) in <state_dir>/rss-seen.jsonl. An id is
// remembered only after Kafka acknowledged its record, and a feed's
// validators are saved only after its items were acknowledged, so a crash
// never loses an item.
//
// # Mapping
//
//	id              rss:<guid> when the GUID is a URI (http…, urn:, tag:),
//	                else rss:<link>, else rss:<feed host>/<guid>
//	url             the item link
//	created_at      published, else updated, else the time it was fetched
//	author          the item's author (id: e-mail or name; handle: name),
//	                else the publication (id: its site's host; display name: feed title)
//	text            title, a blank line, then content (or description) as plain text
//	lang            the feed's language, primary subtag ("en-GB" → "en")
//	conversation_id the item's own id (every item is a root post)
//	extra.feed_url  the feed it came from
//
// Items without any id (no_id), without text (empty_text) or failing
// Mention validation (invalid_<field>, e.g. a date in the future) are
// skipped and counted in earshot_ingest_records_rejected_total{source="rss"}.
//
// # Configuration (top-level section ingest_rss)
//
//	ingest_rss:
//	  feeds:
//	    - https://news.example.com/travel/feed.rss
//	    - https://reviews.example.org/atom.xml
//	  interval: 5m
//	  timeout: 30s
//	  concurrency: 4
//	  max_body_bytes: 10485760
//	  user_agent: "earshot-rss/1 (+https://github.com/earshot-dev/earshot)"
//	  backoff_min: 30s
//	  backoff_max: 1h
//	  max_age: 0s          # skip items older than this; 0 keeps all
//	  seen_capacity: 200000
//	  state_dir: .earshot
//
// # Example
//
//	earshot ingest rss --feed https://news.example.com/travel/feed.rss --interval 10m
//	earshot ingest rss --once     # poll every configured feed once (cron)
//
// # Metrics (source="rss")
//
// earshot_ingest_events_received_total (items in fetched feeds),
// earshot_ingest_records_published_total, earshot_ingest_duplicates_total,
// earshot_ingest_records_rejected_total{reason},
// earshot_ingest_source_errors_total{reason: timeout, fetch, malformed,
// status_<code>, too_large, publish}, earshot_ingest_reconnects_total (a feed
// recovering after failures), earshot_ingest_connected (last poll
// succeeded), earshot_ingest_last_event_timestamp_seconds. One log line per
// failing or recovering feed, none per item.
package rss
