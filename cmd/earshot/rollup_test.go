package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/storage"
)

// earshot rollup against the real server: three posts four days ago, two
// answered; the first run rolls up every settled hour of the lookback and
// finds the two first responses, the second run has nothing to do.
func TestRollupCommand(t *testing.T) {
	cfg, conn := migratedClickHouse(t)
	ctx := context.Background()
	at := time.Now().UTC().Add(-96 * time.Hour).Truncate(time.Hour).Add(10 * time.Minute)
	var b storage.MentionBlock
	add := func(mm *mention.Mention) {
		if err := b.Append(mm); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		post := fmt.Sprintf("p%d", i)
		add(klmPost(post, at.Add(time.Duration(i)*time.Minute)))
		if i < 2 {
			r := klmPost(post+"r", at.Add(time.Duration(i+5)*time.Minute))
			klmReply(r, "x:"+post)
			add(r)
		}
	}
	if err := storage.InsertMentions(ctx, conn, cfg.Database, &b); err != nil {
		t.Fatal(err)
	}

	out, err := runCLI(t, "rollup", "--lookback", "168h", "--backfill")
	if err != nil {
		t.Fatal(err)
	}
	var hours int
	if i := strings.Index(out, "rolled up first responses of "); i >= 0 {
		fmt.Sscanf(out[i:], "rolled up first responses of %d hours", &hours)
	}
	if !strings.Contains(out, "backfilled") || hours < 119 || hours > 121 { // 168 h − 48 h settle
		t.Fatalf("output:\n%s\nwant the backfill and ≈120 hours rolled up", out)
	}
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+cfg.Database+".first_responses").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("first_responses has %d rows, want the 2 answered posts", n)
	}
	out, err = runCLI(t, "rollup", "--lookback", "168h")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "rolled up first responses of 0 hours") {
		t.Fatalf("second run:\n%s", out)
	}
	t.Logf("earshot rollup: %s", out)
}
