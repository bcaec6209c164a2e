package analytics_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/mention"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/storage"
)

// followUp is a post by p's author in p's conversation at p + d, replying
// to parent (addressed to brand when parent is the brand's reply).
func (s *scenario) followUp(id string, p, parent *mention.Mention, d time.Duration, compound float64) *mention.Mention {
	return s.add(id, p.CreatedAt.Add(d), func(m *mention.Mention) {
		m.Author.ID, m.ConversationID, m.InReplyTo = p.Author.ID, p.ConversationID, parent.ID
		if parent.AuthorBrand != "" {
			m.Brands = []mention.BrandMatch{{Brand: parent.AuthorBrand, How: "reply", Addressed: true}}
		}
		m.Sentiment = &mention.Sentiment{Compound: compound, Label: "neutral", Confidence: 0.9}
	})
}

// buildRecoveryScenario: customer posts to klm and ask_wellsfargo in the
// week [Feb 5, Feb 12) 2024 with the customers' later posts in the same
// conversations. Hand-derived recovery (follow-up compound − post
// compound) in the comments.
func buildRecoveryScenario() *scenario {
	s := &scenario{}
	t0 := time.Date(2024, 2, 6, 10, 0, 0, 0, time.UTC)
	// r1: −0.6, klm replies after 10 min, the customer answers happier
	// (+0.4) after 20 min, then angrier (−0.9) after 2 h: only the first
	// follow-up counts → +1.0.
	r1 := s.postWith("r1", t0, "klm", withSentiment(-0.6, "negative"))
	r1r := s.reply("r1r", "klm", r1, 10*min)
	s.followUp("r1f1", r1, r1r, 20*min, 0.4)
	s.followUp("r1f2", r1, r1r, 2*hr, -0.9)
	// r2: +0.2; the customer adds +0.9 after 30 min, BEFORE klm's reply
	// (1 h): it does not count; after the reply they write −0.5 (2 h)
	// → −0.7.
	r2 := s.postWith("r2", t0.Add(4*hr), "klm", withSentiment(0.2, "positive"))
	s.followUp("r2f0", r2, r2, 30*min, 0.9)
	r2r := s.reply("r2r", "klm", r2, hr)
	s.followUp("r2f1", r2, r2r, 2*hr, -0.5)
	// r3: answered; afterwards someone else writes in the conversation and
	// the customer writes in another conversation: no follow-up.
	r3 := s.postWith("r3", t0.Add(24*hr), "klm", withSentiment(-0.3, "negative"))
	r3r := s.reply("r3r", "klm", r3, 15*min)
	s.add("r3o", r3.CreatedAt.Add(30*min), func(m *mention.Mention) {
		m.Author.ID, m.ConversationID, m.InReplyTo = "user-other", r3.ConversationID, r3r.ID
		m.Sentiment = &mention.Sentiment{Compound: 1, Label: "positive", Confidence: 0.9}
	})
	s.add("r3n", r3.CreatedAt.Add(40*min), func(m *mention.Mention) {
		m.Author.ID = r3.Author.ID // a new conversation of its own
		m.Sentiment = &mention.Sentiment{Compound: 0.9, Label: "positive", Confidence: 0.9}
	})
	// r4: the customer's only follow-up (+0.8, 5 min) comes before klm's
	// reply (1 h): no recovery.
	r4 := s.postWith("r4", t0.Add(28*hr), "klm", withSentiment(-0.4, "negative"))
	s.followUp("r4f0", r4, r4, 5*min, 0.8)
	s.reply("r4r", "klm", r4, hr)
	// r5: unanswered, with a follow-up: not answered, no recovery.
	r5 := s.postWith("r5", t0.Add(48*hr), "klm", withSentiment(-0.5, "negative"))
	s.followUp("r5f1", r5, r5, hr, 0.5)
	// r6: answered 90 min before until; the follow-up is created exactly
	// at until (as of until it does not exist yet): no recovery.
	r6 := s.postWith("r6", extUntil.Add(-2*hr), "klm", withSentiment(0, "neutral"))
	r6r := s.reply("r6r", "klm", r6, 30*min)
	s.followUp("r6f1", r6, r6r, 2*hr, 0.7)
	// r7: addressed to klm and ask_wellsfargo, −0.2. klm replies after
	// 10 min, the customer +0.4 at 20 min; ask_wellsfargo replies at
	// 30 min, the customer +0.6 at 40 min. klm → +0.6 (its first
	// follow-up is the 20-min one); ask_wellsfargo → +0.8 (the 20-min post
	// precedes its reply).
	r7 := s.postWith("r7", t0.Add(53*hr), "klm", withSentiment(-0.2, "negative"))
	r7.Brands = append(r7.Brands, mention.BrandMatch{Brand: "ask_wellsfargo", How: "handle", Addressed: true})
	r7k := s.reply("r7k", "klm", r7, 10*min)
	s.followUp("r7f1", r7, r7k, 20*min, 0.4)
	r7w := s.reply("r7w", "ask_wellsfargo", r7, 30*min)
	s.followUp("r7f2", r7, r7w, 40*min, 0.6)
	// r8: the customer's post at the very millisecond of klm's reply is
	// not after it: no recovery.
	r8 := s.postWith("r8", t0.Add(72*hr), "klm", withSentiment(0.1, "neutral"))
	r8r := s.reply("r8r", "klm", r8, 10*min)
	s.followUp("r8f1", r8, r8r, 10*min, -1)
	// r9: addressed to klm alone, answered by klm and by ask_wellsfargo
	// (an inbound post of both), no follow-up.
	r9 := s.postWith("r9", t0.Add(74*hr), "klm", withSentiment(-0.1, "neutral"))
	s.reply("r9k", "klm", r9, 10*min)
	s.reply("r9w", "ask_wellsfargo", r9, 20*min)
	// r10: addressed to no brand (an anonymised handle), answered by both.
	r10 := s.add("r10", t0.Add(75*hr), nil)
	s.reply("r10k", "klm", r10, 10*min)
	s.reply("r10w", "ask_wellsfargo", r10, 20*min)
	return s
}

// Per post (brand, post, follow-up, before, after, recovery):
// ask_wellsfargo r7 → r7f2; klm r1 → r1f1, r2 → r2f1, r7 → r7f1.
// Per brand: ask_wellsfargo 1 post, mean 0.8; klm 3 posts, mean
// (1.0 − 0.7 + 0.6)/3 = 0.3.
const (
	wantRecoveryPosts = "ask_wellsfargo\tx:r7\tx:r7f2\t-0.2\t0.6\t0.8\n" +
		"klm\tx:r1\tx:r1f1\t-0.6\t0.4\t1\n" +
		"klm\tx:r2\tx:r2f1\t0.2\t-0.5\t-0.7\n" +
		"klm\tx:r7\tx:r7f1\t-0.2\t0.4\t0.6\n"
	wantRecovery = "ask_wellsfargo\t1\t0.8\nklm\t3\t0.3\n"
)

func recoveryScope(t testing.TB) analytics.Scope {
	t.Helper()
	scope, err := analytics.LiteralScope(extSince, extUntil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return scope
}

func TestSentimentRecovery(t *testing.T) {
	ctx := context.Background()
	db, conn := migrated(t)
	reg, err := registry.Default()
	if err != nil {
		t.Fatal(err)
	}
	ms := buildRecoveryScenario().ms
	insert(t, conn, db, ms)
	insert(t, conn, db, ms) // duplicates change nothing

	tsv := func(t *testing.T, sql string, ncol int) string {
		t.Helper()
		rows, err := conn.Query(ctx, sql)
		if err != nil {
			t.Fatalf("%v\n%s", err, sql)
		}
		defer rows.Close()
		var out strings.Builder
		for rows.Next() {
			var brand, id, fid string
			var before, after, rec float64
			var n uint64
			var mean float64
			var cells []string
			if ncol == 6 {
				if err := rows.Scan(&brand, &id, &fid, &before, &after, &rec); err != nil {
					t.Fatal(err)
				}
				cells = []string{brand, id, fid, ff(before), ff(after), ff(rec)}
			} else {
				if err := rows.Scan(&brand, &n, &mean); err != nil {
					t.Fatal(err)
				}
				cells = []string{brand, ff(float64(n)), ff(mean)}
			}
			out.WriteString(strings.Join(cells, "\t") + "\n")
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	scope := recoveryScope(t)
	for _, c := range []struct {
		name string
		sql  func(string, analytics.Scope) (string, error)
		ncol int
		want string
	}{
		{"per post", analytics.RecoveryPostsSQL, 6, wantRecoveryPosts},
		{"per brand", analytics.RecoverySQL, 3, wantRecovery},
	} {
		t.Run(c.name, func(t *testing.T) {
			sql, err := c.sql(db, scope)
			if err != nil {
				t.Fatal(err)
			}
			if got := tsv(t, sql, c.ncol); !sameTSV(got, c.want) {
				t.Fatalf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}

	t.Run("leaderboard columns", func(t *testing.T) {
		rows, err := analytics.Extended(ctx, conn, db, reg, analytics.Query{Since: extSince, Until: extUntil}, analytics.ExtOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := analytics.WriteExt(&buf, "csv", []analytics.Block{{Since: extSince, Until: extUntil, Rows: rows}}, false); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		// klm's inbound posts: r1 … r10 plus the follow-ups replying to
		// its replies (r1f1 r1f2 r2f1 r7f1 r8f1; r6f1 is at until) → 15, of
		// which r1 r2 r3 r4 r6 r7 r8 r9 r10 answered; ask_wellsfargo: r7,
		// r7f2, and r9 r10 (which it answered), r7 r9 r10 answered.
		want := map[string]string{
			"ask_wellsfargo": "inbound=4 answered=3 sentiment_recovery=0.8000 recovered_posts=1",
			"klm":            "inbound=15 answered=9 sentiment_recovery=0.3000 recovered_posts=3",
		}
		head := recs[0]
		col := func(rec []string, name string) string {
			for i, h := range head {
				if h == name {
					return rec[i]
				}
			}
			t.Fatalf("no column %s in %v", name, head)
			return ""
		}
		if len(recs) != 1+len(want) {
			t.Fatalf("%d rows, want %d:\n%s", len(recs)-1, len(want), buf.String())
		}
		for _, rec := range recs[1:] {
			got := "inbound=" + col(rec, "inbound") + " answered=" + col(rec, "answered") + " sentiment_recovery=" + col(rec, "sentiment_recovery") + " recovered_posts=" + col(rec, "recovered_posts")
			if got != want[rec[0]] {
				t.Errorf("%s: %s, want %s", rec[0], got, want[rec[0]])
			}
		}
	})

	t.Run("brand and platform filters", func(t *testing.T) {
		for _, c := range []struct {
			brands, platforms []string
			want              string
		}{
			{[]string{"ask_wellsfargo"}, nil, "ask_wellsfargo\t1\t0.8\n"},
			{nil, []string{"bluesky"}, ""},
		} {
			s, err := analytics.LiteralScope(extSince, extUntil, c.brands, c.platforms)
			if err != nil {
				t.Fatal(err)
			}
			sql, err := analytics.RecoverySQL(db, s)
			if err != nil {
				t.Fatal(err)
			}
			if got := tsv(t, sql, 3); !sameTSV(got, c.want) {
				t.Errorf("brands %v platforms %v: got\n%s\nwant\n%s", c.brands, c.platforms, got, c.want)
			}
		}
	})
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// The same SQL on current ClickHouse (chDB), over the same scenario
// inserted twice.
func TestSentimentRecoveryOnCurrentClickHouse(t *testing.T) {
	const db = "earshot_chdb"
	stmts := testenv.MigrationStatements(t, db)
	var b storage.MentionBlock
	for _, mm := range buildRecoveryScenario().ms {
		if err := b.Append(mm); err != nil {
			t.Fatal(err)
		}
	}
	stmts = append(stmts, testenv.InsertMentionsValues(db, &b), testenv.InsertMentionsValues(db, &b))
	scope := recoveryScope(t)
	posts, err := analytics.RecoveryPostsSQL(db, scope)
	if err != nil {
		t.Fatal(err)
	}
	brands, err := analytics.RecoverySQL(db, scope)
	if err != nil {
		t.Fatal(err)
	}
	stats, err := analytics.BrandStatsSQL(db, scope)
	if err != nil {
		t.Fatal(err)
	}
	lb, args := analytics.LeaderboardQuery(db, analytics.Query{Since: extSince, Until: extUntil})
	first := len(stmts)
	stmts = append(stmts, posts, brands, stats, testenv.Inline(lb, args))
	outs := testenv.ChDBExec(t, stmts)
	// Posts of several brands (r7 addressed to two, r9 and r10 answered
	// by two)
	// count for each of them, in the shared inbound SQL and in the
	// leaderboard's own (brand, inbound, answered; see the leaderboard
	// columns subtest).
	const wantCounts = "ask_wellsfargo\t4\t3\nklm\t15\t9\n"
	for i, name := range []string{"brand stats", "leaderboard"} {
		var got strings.Builder
		for _, line := range strings.Split(strings.TrimSpace(outs[first+2+i]), "\n") {
			f := strings.Split(line, "\t")
			if len(f) < 3 {
				t.Fatalf("%s on chDB: row %q", name, line)
			}
			got.WriteString(strings.Join(f[:3], "\t") + "\n")
		}
		if got.String() != wantCounts {
			t.Errorf("%s on chDB: brand, inbound, answered\n got:\n%s\nwant:\n%s", name, got.String(), wantCounts)
		}
	}
	if got := outs[first]; !sameTSV(got, wantRecoveryPosts) {
		t.Errorf("per post on chDB:\n got:\n%s\nwant:\n%s", got, wantRecoveryPosts)
	}
	if got := outs[first+1]; !sameTSV(got, wantRecovery) {
		t.Errorf("per brand on chDB:\n got:\n%s\nwant:\n%s", got, wantRecovery)
	}
}
