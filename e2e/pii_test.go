package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/testenv"
)

// Personal data put into the mentions' texts, in the formats customers and
// agents write them. Every value is caught by the scanner below, which is
// independent of enrich/pii (regular expressions and a Luhn check).
var (
	piiEmails = []string{"jane.doe@example.com", "j.smith+orders@example.co.uk", "MAX_MUSTER@beispiel.de", "support-case.4471@mail.example.org"}
	piiPhones = []string{"+44 20 7946 0000", "07700 900123", "(555) 123-4567", "555-123-4567", "+31 6 12345678", "0044 7700 900456", "+1 415 555 0132"}
	piiCards  = []string{"4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", "378282246310005", "6011 0009 9013 9424"}
)

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	// International numbers, North-American (555) 123-4567 / 555-123-4567,
	// and national numbers with a trunk 0 (07700 900123).
	phoneRes = []*regexp.Regexp{
		regexp.MustCompile(`(?:\+|\b00)\d{1,3}[ ./-]?(?:\(?\d{1,4}\)?[ ./-]?){2,5}\d{2,4}`),
		regexp.MustCompile(`\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}`),
		regexp.MustCompile(`\b\d{3}[.-]\d{3}[.-]\d{4}\b`),
		regexp.MustCompile(`\b0\d{3,4}[ .-]?\d{3}[ .-]?\d{3,4}\b`),
	}
	cardRunRe = regexp.MustCompile(`\d(?:[ -]?\d){12,18}`)
)

func luhn(digits string) bool {
	sum, double := 0, false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// findPII returns the raw personal data in s: e-mail addresses, phone
// numbers and Luhn-valid card numbers.
func findPII(s string) []string {
	var out []string
	out = append(out, emailRe.FindAllString(s, -1)...)
	for _, re := range phoneRes {
		out = append(out, re.FindAllString(s, -1)...)
	}
	for _, run := range cardRunRe.FindAllString(s, -1) {
		d := strings.NewReplacer(" ", "", "-", "").Replace(run)
		if len(d) >= 13 && len(d) <= 19 && luhn(d) {
			out = append(out, run)
		}
	}
	return out
}

// TestPIINeverReachesClickHouse pushes mentions full of e-mail addresses,
// phone numbers and card numbers — customers' posts and brand replies —
// through the real pipeline (earshot ingest replay → dev broker → enrich →
// sink → ClickHouse, separate processes, via earshot demo --replay), then
// reads every String, FixedString and Array(String) column (also Nullable
// and LowCardinality) of every table in the database and asserts that no
// raw personal data is left. A control run with e-mail, phone and card
// redaction switched off (enrich.pii.kinds) must find them, so the scan
// is known to see what it looks for.
func TestPIINeverReachesClickHouse(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	for _, v := range append(append(append([]string{}, piiEmails...), piiPhones...), piiCards...) {
		if len(findPII("before "+v+" after")) == 0 {
			t.Fatalf("the scanner misses %q", v)
		}
	}
	bin := buildEarshot(t)
	t.Run("redaction on", func(t *testing.T) {
		found, withPII, n := runPIIPipeline(t, bin, "")
		for _, f := range found {
			t.Errorf("raw personal data in ClickHouse: %s", f)
		}
		if withPII != n {
			t.Errorf("%d of %d mentions record redacted kinds in pii", withPII, n)
		}
	})
	t.Run("control: email, phone and card redaction off", func(t *testing.T) {
		found, _, _ := runPIIPipeline(t, bin, "enrich:\n  pii:\n    kinds: [postcode, address]\n")
		var inText int
		for _, f := range found {
			if strings.HasPrefix(f, "mentions.text ") {
				inText++
			}
		}
		if inText == 0 {
			t.Fatalf("with redaction off the scan found no personal data in mentions.text (found %d elsewhere): it cannot be trusted", len(found))
		}
		t.Logf("control: %d findings, %d in mentions.text", len(found), inText)
	})
}

// runPIIPipeline runs the PII mentions through the pipeline into a new
// database (with config as the configuration file when not empty) and
// returns every raw personal datum found in a text column as
// "table.column value", the mentions with a pii record, and the count.
func runPIIPipeline(t *testing.T, bin, config string) (found []string, withPII, n int) {
	t.Helper()
	ch := testenv.ClickHouse(t)
	dir := t.TempDir()
	input := filepath.Join(dir, "pii.jsonl")
	n = writePIIMentions(t, input)
	env := []string{
		"EARSHOT_CLICKHOUSE_ADDR=" + ch.Addr,
		"EARSHOT_CLICKHOUSE_DATABASE=" + ch.Database,
		"EARSHOT_KAFKA_BROKERS=", // the demo starts its own dev broker
		"EARSHOT_CONFIG=",
	}
	if config != "" {
		path := filepath.Join(dir, "earshot.yaml")
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		env[len(env)-1] = "EARSHOT_CONFIG=" + path
	}
	earshot(t, bin, env, "demo", "--replay", input, "--dir", filepath.Join(dir, "demo"))

	conn := testenv.Conn(t, ch)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stored, pii uint64
	if err := conn.QueryRow(ctx, "SELECT uniqExact(id), uniqExactIf(id, notEmpty(pii)) FROM "+ch.Database+".mentions").Scan(&stored, &pii); err != nil {
		t.Fatal(err)
	}
	if int(stored) != n {
		t.Fatalf("%d mentions stored, want %d: the scan would prove nothing about the missing ones", stored, n)
	}

	rows, err := conn.Query(ctx, "SELECT table, name, type FROM system.columns WHERE database = ? ORDER BY table, name", ch.Database)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	tables := map[string]bool{}
	scanned, values := 0, 0
	for _, c := range cols {
		tables[c.table] = true
		var expr string
		switch {
		case strings.HasPrefix(c.typ, "Array(") && strings.Contains(c.typ, "String"):
			expr = "arrayStringConcat(arrayMap(x -> toString(x), `" + c.name + "`), '\\n')"
		case strings.Contains(c.typ, "String") && !strings.HasPrefix(c.typ, "AggregateFunction") && !strings.HasPrefix(c.typ, "Map"):
			expr = "toString(`" + c.name + "`)"
		default:
			continue
		}
		scanned++
		vrows, err := conn.Query(ctx, fmt.Sprintf("SELECT DISTINCT %s FROM %s.`%s`", expr, ch.Database, c.table))
		if err != nil {
			t.Fatalf("%s.%s (%s): %v", c.table, c.name, c.typ, err)
		}
		for vrows.Next() {
			var v string
			if err := vrows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			values++
			for _, f := range findPII(v) {
				found = append(found, fmt.Sprintf("%s.%s %q in %q", c.table, c.name, f, v))
			}
		}
		if err := vrows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if !tables["mentions"] || scanned < 10 {
		t.Fatalf("scanned %d columns of tables %v: the schema is not what the test expects", scanned, tables)
	}
	var sample string
	if err := conn.QueryRow(ctx, "SELECT any(text) FROM "+ch.Database+".mentions").Scan(&sample); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d mentions, %d tables, %d text columns, %d distinct values scanned; a stored text: %q", n, len(tables), scanned, values, sample)
	return found, int(pii), n
}

// writePIIMentions writes Mention v1 records: customers writing to brands
// with their e-mail, phone and card, and the brands' replies quoting them.
func writePIIMentions(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := json.NewEncoder(f)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	brands := []string{"AmazonHelp", "AppleSupport", "British_Airways", "SpotifyCares"}
	n := 0
	for i := 0; i < 60; i++ {
		email := piiEmails[i%len(piiEmails)]
		phone := piiPhones[i%len(piiPhones)]
		card := piiCards[i%len(piiCards)]
		brand := brands[i%len(brands)]
		at := base.Add(time.Duration(i) * 7 * time.Minute)
		inID := fmt.Sprintf("twcs:%d", 810000+2*i)
		in := map[string]any{
			"v": 1, "id": inID, "platform": "twcs", "native_id": inID[5:],
			"created_at": at.Format(time.RFC3339), "ingested_at": at.Add(time.Second).Format(time.RFC3339), "source": "pii-e2e",
			// People put contact details in display names, and sources
			// keep payload fields in extra: both must be redacted too.
			"author": map[string]any{"id": fmt.Sprint(5000 + i), "handle": fmt.Sprintf("customer%d", i), "display_name": fmt.Sprintf("Customer %d (%s)", i, [...]string{email, phone, card}[i%3])},
			"extra":  map[string]any{"bio": "DM or call " + phone, "links": []any{"mailto:" + email}},
			"text": [...]string{
				fmt.Sprintf("@%s you charged my card %s twice!! email me at %s or call %s", brand, card, email, phone),
				fmt.Sprintf("@%s refund to %s please, reach me on %s (%s)", brand, card, phone, email),
				fmt.Sprintf("@%s my number is %s and my address %s, card ending... no wait full card %s", brand, phone, email, card),
			}[i%3],
			"conversation_id": inID,
		}
		outID := fmt.Sprintf("twcs:%d", 810000+2*i+1)
		out := map[string]any{
			"v": 1, "id": outID, "platform": "twcs", "native_id": outID[5:],
			"created_at": at.Add(20 * time.Minute).Format(time.RFC3339), "ingested_at": at.Add(21 * time.Minute).Format(time.RFC3339), "source": "pii-e2e",
			"author":      map[string]any{"id": fmt.Sprint(100 + i%len(brands)), "handle": brand},
			"text":        fmt.Sprintf("@customer%d Sorry about that! We've emailed %s, and you can call us back on %s. Please never post your card %s publicly. ^JS", i, email, phone, card),
			"in_reply_to": inID, "conversation_id": inID,
		}
		for _, m := range []map[string]any{in, out} {
			if err := enc.Encode(m); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	return n
}
