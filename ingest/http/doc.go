// Package httpingest is the push endpoint, `earshot ingest http`: any tool
// POSTs Mention v1 records and earshot publishes them to the raw topic.
//
// # Requests
//
//	POST /v1/mentions
//	Authorization: Bearer <token>
//	Content-Type: application/json | application/x-ndjson
//	Content-Encoding: gzip (optional)
//
// The body is one JSON object, a JSON array of objects, or NDJSON (one
// object a line). Every record is a full Mention v1 record (see package
// mention); a record without ingested_at gets the time the request arrived
// and one without source gets default_source. Each record is validated on
// its own: the good ones are published (keyed by conversation id) and the
// answer lists the others with their index (and NDJSON line), id and the
// field that is wrong:
//
//	HTTP/1.1 202 Accepted
//	{"accepted":2,"duplicates":0,"rejected":1,
//	 "errors":[{"index":1,"line":2,"id":"x:9","field":"created_at","error":"created_at: is missing"}]}
//
// Status codes: 202 at least one record accepted (or all were duplicates);
// 422 every record rejected; 400 a body that cannot be split into records
// (a syntax error inside a JSON array); 401 a missing or wrong token
// (WWW-Authenticate says which); 413 a body over max_body_bytes or more than
// max_records records; 415 an unsupported Content-Encoding; 429 the token's
// rate limit, with Retry-After in seconds; 503 Kafka did not acknowledge
// within ack_timeout or the server is shutting down, with Retry-After —
// retry the whole request: records already accepted come back as
// duplicates, not twice.
//
// With wait_for_ack (the default) a 202 means Kafka acknowledged the
// records. A bounded seen-set of the last seen_capacity ids, persisted in
// <state_dir>/http-seen.jsonl, drops records pushed again, across restarts.
//
// # Tokens
//
// Tokens are never flags: they come from tokens_file (one "token" or
// "name token" a line, # comments) and/or the environment variable named
// by tokens_env (default EARSHOT_INGEST_HTTP_TOKENS, tokens separated by
// commas). A token has at least 16 characters. Tokens are compared as
// SHA-256 digests with crypto/subtle, in constant time. A changed
// tokens_file is re-read (every tokens_reload_interval), so tokens are added
// and revoked without a restart. The rate limit
// (a token bucket of burst requests refilled at rate_limit per second) is
// per token name.
//
// # Configuration (section ingest_http)
//
//	ingest_http:
//	  addr: ":8088"
//	  path: /v1/mentions
//	  tokens_file: /etc/earshot/http-tokens   # "name token" a line
//	  tokens_env: EARSHOT_INGEST_HTTP_TOKENS
//	  allow_unauthenticated: false
//	  max_body_bytes: 10485760
//	  max_records: 10000
//	  rate_limit: 50          # requests/s per token, 0 = unlimited
//	  burst: 100
//	  tls_cert_file: ""       # PEM; both set → HTTPS
//	  tls_key_file: ""
//	  serve_ops: true         # /metrics /healthz /readyz on this listener too
//	  wait_for_ack: true
//	  ack_timeout: 30s
//	  seen_capacity: 1000000  # 0 = no de-duplication
//	  state_dir: .earshot
//	  default_source: http
//	  read_header_timeout: 10s
//	  read_timeout: 60s
//	  write_timeout: 90s
//	  idle_timeout: 2m
//	  shutdown_timeout: 30s
//
// # Example
//
//	export EARSHOT_INGEST_HTTP_TOKENS=$(openssl rand -hex 24)
//	earshot ingest http &
//	curl -sS -H "Authorization: Bearer $EARSHOT_INGEST_HTTP_TOKENS" \
//	     -H 'Content-Type: application/x-ndjson' --data-binary @mentions.jsonl \
//	     http://localhost:8088/v1/mentions
//
// # Metrics
//
// Besides the shared earshot_ingest_records_published_total and
// earshot_ingest_records_rejected_total{reason} (source="http"):
// earshot_ingest_http_requests_total{code},
// earshot_ingest_http_request_duration_seconds,
// earshot_ingest_http_auth_failures_total{reason},
// earshot_ingest_http_rate_limited_total, earshot_ingest_events_received_total,
// earshot_ingest_duplicates_total, earshot_ingest_last_event_timestamp_seconds
// and earshot_ingest_source_errors_total{reason}.
//
// On SIGTERM the server stops accepting, answers the requests in flight,
// flushes the publisher and closes the seen-set within shutdown_timeout;
// /readyz fails while it drains.
package httpingest
