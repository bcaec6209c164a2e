package main

import (
	"github.com/spf13/cobra"

	httpingest "github.com/earshot-dev/earshot/ingest/http"
)

var ingestHTTPFlags struct {
	Addr       string
	TokensFile string
	StateDir   string
}

func init() {
	c := &cobra.Command{
		Use:   "http",
		Short: "Push endpoint: any tool POSTs Mention v1 records (JSON, JSON array or NDJSON)",
		Long: `http serves POST /v1/mentions (ingest_http.path). The body is a JSON object,
a JSON array of objects or NDJSON, optionally gzip-encoded; each record is a
Mention v1 record, validated on its own. Valid records are published to the raw
topic keyed by conversation id; the answer (202) lists the rejected ones with
their index, NDJSON line, id and the field that is wrong. 401 without a valid
bearer token, 413 over max_body_bytes/max_records, 429 with Retry-After over the
per-token rate limit, 503 with Retry-After when Kafka does not acknowledge.
With wait_for_ack (default) a 202 means Kafka acknowledged the records; ids
already published (a bounded seen-set persisted in <state_dir>/http-seen.jsonl)
are answered as duplicates and not published again.

Tokens are never flags: put them in the file named by ingest_http.tokens_file
(--tokens-file; "token" or "name token" a line) and/or in
$EARSHOT_INGEST_HTTP_TOKENS (comma separated). HTTPS with tls_cert_file and
tls_key_file. /metrics, /healthz and /readyz are served on the same listener
(serve_ops) and on metrics_addr. SIGTERM drains in-flight requests and flushes.

Configuration: the top-level section "ingest_http" (every key is in the
README), plus ingest.publisher for batching.`,
		Example: `  export EARSHOT_INGEST_HTTP_TOKENS=$(openssl rand -hex 24)
  earshot ingest http --addr :8088 &
  curl -H "Authorization: Bearer $EARSHOT_INGEST_HTTP_TOKENS" \
       -H 'Content-Type: application/x-ndjson' --data-binary @mentions.jsonl \
       http://localhost:8088/v1/mentions`,
		Args: cobra.NoArgs,
		RunE: runIngestHTTP,
	}
	f := c.Flags()
	f.StringVar(&ingestHTTPFlags.Addr, "addr", "", "listen address (default :8088; ingest_http.addr)")
	f.StringVar(&ingestHTTPFlags.TokensFile, "tokens-file", "", "file of accepted bearer tokens (ingest_http.tokens_file)")
	f.StringVar(&ingestHTTPFlags.StateDir, "state-dir", "", "directory for the seen-set (default .earshot; ingest_http.state_dir)")
	ingestCmd.AddCommand(c)
}

func runIngestHTTP(cmd *cobra.Command, _ []string) error {
	cfg := httpingest.DefaultConfig()
	src, err := setupLiveSource(cmd, "ingest http", "ingest_http", true, &cfg, map[string]any{
		"addr": &cfg.Addr, "tokens-file": &cfg.TokensFile, "state-dir": &cfg.StateDir,
	})
	if err != nil {
		return err
	}
	defer src.Close()
	a := src.App
	s, err := httpingest.New(cfg, httpingest.Options{
		Writer: src.Writer, Metrics: src.Metrics, Registerer: a.Reg, Gatherer: a.Reg, Health: a.Health,
		Publisher: src.Publisher, Log: a.Log,
	})
	if err != nil {
		return err
	}
	return s.Run(cmd.Context())
}
