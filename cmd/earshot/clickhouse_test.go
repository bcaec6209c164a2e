package main

import (
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// migratedClickHouse returns a fresh database of the test server with
// earshot's schema, a connection (closed at the end of the test), and
// points the CLI at it (EARSHOT_CLICKHOUSE_*, no configuration file). It
// skips without a server.
func migratedClickHouse(t *testing.T) (storage.Config, driver.Conn) {
	t.Helper()
	cfg, conn := testenv.Migrated(t)
	t.Setenv("EARSHOT_CLICKHOUSE_ADDR", cfg.Addr)
	t.Setenv("EARSHOT_CLICKHOUSE_DATABASE", cfg.Database)
	t.Setenv("EARSHOT_CONFIG", "")
	return cfg, conn
}

// klmPost is a customer's post on x addressed to klm, with id "x:"+native,
// enriched a second after it was created.
func klmPost(native string, created time.Time) *mention.Mention {
	en := created.Add(time.Second)
	return &mention.Mention{V: 1, ID: "x:" + native, Platform: "x", NativeID: native, CreatedAt: created, IngestedAt: en, Source: "test",
		Author: mention.Author{ID: "u" + native}, Text: "hi", ConversationID: "x:" + native, Direction: mention.DirectionInbound,
		Brands: []mention.BrandMatch{{Brand: "klm", How: "handle", Addressed: true}}, EnrichedAt: &en, Enricher: "test"}
}

// klmReply makes m klm's reply to the post with id parent.
func klmReply(m *mention.Mention, parent string) {
	m.InReplyTo, m.AuthorBrand, m.Direction = parent, "klm", mention.DirectionOutbound
	m.Brands = []mention.BrandMatch{{Brand: "klm", How: "author"}}
}
