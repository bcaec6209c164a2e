//go:build ignore

// select.go picks the tweets of brand_directed.csv from the shared data
// sets' twcs/twcs_first5000.csv, so that the selection can be made again:
//
//	go run enrich/sentiment/testdata/select.go ../shared/datasets/twcs/twcs_first5000.csv > /tmp/batch1.csv
//	go run enrich/sentiment/testdata/select.go -from 8 -n 12 ../shared/datasets/twcs/twcs_first5000.csv > /tmp/batch2.csv
//
// The rule: every customer tweet (inbound = True) that addresses a brand —
// the brand account that answered it, else the brand account it answers,
// else the first @handle in its text that is a brand account of the file —
// ordered per brand by the SHA-256 of "earshot-sentiment-brand-v1:" + its
// tweet id; of each brand, the n tweets after the first `from` (batch 1:
// the first 8; batch 2: the next 12). The output (tweet_id, brand,
// created_at, text) is what the annotators read; the labels, the split and
// the rows dropped as not English are added by hand (see README.md).
package main

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type tweet struct {
	id, author, created, text, responses, inReplyTo string
	inbound                                         bool
}

func main() {
	from := flag.Int("from", 0, "skip this many tweets of each brand")
	n := flag.Int("n", 8, "then take this many of each brand")
	flag.Parse()
	if flag.NArg() != 1 || *from < 0 || *n < 1 {
		fmt.Fprintln(os.Stderr, "usage: go run select.go [-from N] [-n N] twcs_first5000.csv")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *from, *n, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "select:", err)
		os.Exit(1)
	}
}

func run(path string, from, n int, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return err
	}
	col := map[string]int{}
	for i, h := range head {
		col[h] = i
	}
	for _, want := range []string{"tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"} {
		if _, ok := col[want]; !ok {
			return fmt.Errorf("%s: no column %q", path, want)
		}
	}
	var tweets []tweet
	byID := map[string]*tweet{}
	brands := map[string]string{} // lower-case handle → handle
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		t := tweet{
			id: rec[col["tweet_id"]], author: rec[col["author_id"]], created: rec[col["created_at"]],
			text: rec[col["text"]], responses: rec[col["response_tweet_id"]],
			inReplyTo: rec[col["in_response_to_tweet_id"]], inbound: rec[col["inbound"]] == "True",
		}
		if v, err := strconv.ParseFloat(t.inReplyTo, 64); err == nil {
			t.inReplyTo = strconv.FormatInt(int64(v), 10) // written as "3.0"
		}
		tweets = append(tweets, t)
		if !t.inbound {
			brands[strings.ToLower(t.author)] = t.author
		}
	}
	for i := range tweets {
		byID[tweets[i].id] = &tweets[i]
	}
	isBrand := func(id string) (string, bool) {
		if t, ok := byID[strings.TrimSpace(id)]; ok && !t.inbound {
			return t.author, true
		}
		return "", false
	}
	handle := regexp.MustCompile(`@(\w+)`)
	brandOf := func(t *tweet) string {
		for _, id := range strings.Split(t.responses, ",") {
			if b, ok := isBrand(id); ok {
				return b
			}
		}
		if b, ok := isBrand(t.inReplyTo); ok {
			return b
		}
		for _, m := range handle.FindAllStringSubmatch(t.text, -1) {
			if b, ok := brands[strings.ToLower(m[1])]; ok {
				return b
			}
		}
		return ""
	}
	key := func(id string) string {
		s := sha256.Sum256([]byte("earshot-sentiment-brand-v1:" + id))
		return hex.EncodeToString(s[:])
	}
	per := map[string][]*tweet{}
	for i := range tweets {
		t := &tweets[i]
		if !t.inbound {
			continue
		}
		if b := brandOf(t); b != "" {
			per[b] = append(per[b], t)
		}
	}
	names := make([]string, 0, len(per))
	for b := range per {
		names = append(names, b)
	}
	sort.Strings(names)
	w := csv.NewWriter(out)
	if err := w.Write([]string{"tweet_id", "brand", "created_at", "text"}); err != nil {
		return err
	}
	for _, b := range names {
		ts := per[b]
		sort.Slice(ts, func(i, j int) bool { return key(ts[i].id) < key(ts[j].id) })
		for _, t := range ts[min(from, len(ts)):min(from+n, len(ts))] {
			at, err := time.Parse("Mon Jan 02 15:04:05 -0700 2006", t.created)
			if err != nil {
				return fmt.Errorf("tweet %s: created_at: %w", t.id, err)
			}
			if err := w.Write([]string{t.id, b, at.UTC().Format(time.RFC3339), t.text}); err != nil {
				return err
			}
		}
	}
	w.Flush()
	return w.Error()
}
