package e2e_test

import (
	"encoding/csv"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// twcsOracle is an independent computation of each brand account's answered
// count and median first-reply time straight from a Customer Support on
// Twitter CSV. It shares no code with earshot's replay, enrich or
// leaderboard: a brand account is a non-numeric author_id, a customer post
// is a row with a numeric author_id, and a brand's first reply to it is the
// earliest row by that brand whose in_response_to_tweet_id is the post.
type twcsOracle struct {
	Answered map[string]int     // brand account → customer posts answered
	Median   map[string]float64 // brand account → median first-reply seconds
}

func computeTWCSOracle(t testing.TB, path string) twcsOracle {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	type row struct {
		author string
		at     time.Time
		parent string
	}
	rows := map[string]row{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse("Mon Jan 02 15:04:05 -0700 2006", rec[col["created_at"]])
		if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		parent := rec[col["in_response_to_tweet_id"]]
		if parent != "" {
			p, err := strconv.ParseFloat(parent, 64)
			if err != nil {
				t.Fatalf("oracle: parent %q: %v", parent, err)
			}
			parent = strconv.FormatInt(int64(p), 10)
		}
		rows[rec[col["tweet_id"]]] = row{author: rec[col["author_id"]], at: at, parent: parent}
	}
	isBrand := func(a string) bool {
		_, err := strconv.ParseUint(a, 10, 64)
		return err != nil
	}
	first := map[[2]string]float64{} // (brand, post) → seconds
	for _, r := range rows {
		if !isBrand(r.author) || r.parent == "" {
			continue
		}
		p, ok := rows[r.parent]
		if !ok || isBrand(p.author) {
			continue
		}
		d := r.at.Sub(p.at).Seconds()
		if d < 0 {
			d = 0
		}
		k := [2]string{strings.ToLower(r.author), r.parent}
		if old, ok := first[k]; !ok || d < old {
			first[k] = d
		}
	}
	per := map[string][]float64{}
	for k, d := range first {
		per[k[0]] = append(per[k[0]], d)
	}
	o := twcsOracle{Answered: map[string]int{}, Median: map[string]float64{}}
	for b, ds := range per {
		sort.Float64s(ds)
		o.Answered[b] = len(ds)
		n := len(ds)
		if n%2 == 1 {
			o.Median[b] = ds[n/2]
		} else {
			o.Median[b] = (ds[n/2-1] + ds[n/2]) / 2
		}
	}
	return o
}
