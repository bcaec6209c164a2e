package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/analytics"
	"github.com/earshot-dev/earshot/registry"
)

var leaderboardFlags struct {
	Since, Until string
	Brands       string
	Sector       string
	By           string
	Columns      string
	Weights      string
	HoursTZ      string
	Format       string
	Out          string
	Reasons      bool
	Products     bool
}

func init() {
	c := &cobra.Command{
		Use:   "leaderboard",
		Short: "Per-brand responsiveness: inbound, answered, pending, response rate, FRT median/p90, SLA",
		Long: `leaderboard computes, in ClickHouse, how every brand answered the posts
addressed to it in the period [--since, --until), as of --until: posts and
replies created at or after --until are ignored.

  inbound        customer posts (written by no brand's official account) that
                 address the brand (an official handle, or a reply to the brand's
                 post) or that the brand replied to
  answered       inbound posts with at least one reply from the brand's account
  pending        unanswered inbound posts younger than 24 h
  response_rate  answered within 24 h ÷ inbound posts at least 24 h old
  frt_median_s   median first response time in seconds (mean of the two middle
                 values for an even count); frt_p90_s: nearest-rank 90th percentile
  sla15, sla60   answered within 15 (60) min ÷ inbound posts at least 15 (60) min old

--columns all adds, after those nine columns (which never change):

  sector                 the brand's registry sector
  score                  composite responsiveness score 0-100 (--weights:
                         sla60, response_rate and the FRT median normalised
                         as R/(R+median), R = frt_reference; defaults
                         sla60=0.4,response_rate=0.3,frt=0.3,frt_reference=1h)
  rank_sector, rank_competitors
                         rank by score among the period's brands of the same
                         sector / among the brand and its registry competitors
  frt_business_median_s, frt_business_p90_s
                         FRT counting only the brand's support hours
  sentiment_mean, negative_share
                         inbound posts' mean compound sentiment, share negative
  deflection_rate, canned_rate, empathy_median
                         quality of first replies; undefined unless the data
                         carries reply quality
  active_hours           hour-of-week buckets (of 168, --hours-tz) with a reply
  platforms              inbound posts per platform (x=12;bluesky=3)
  prev_inbound, inbound_change, prev_score, score_change
                         the previous period of the same length, and the change
  sentiment_recovery, recovered_posts
                         mean of (the customer's first post in the conversation
                         after the brand's first reply − the post's) compound
                         sentiment, over the answered posts with such a post;
                         their count

--by day|week splits the period at UTC midnights / Mondays: one block per
period (table), or the columns period_start,period_end after the others (CSV),
or an array of {period_start, period_end, rows} (JSON).

--reasons prints, instead of the leaderboard, the recurring contact reasons of
every calendar week (Monday 00:00 UTC) that overlaps [--since, --until), each
as of the earlier of --until and the week's end: per brand and reason the
week's inbound posts, the previous week's, the mean of the 4 weeks before, the
weeks of the last 8 it was seen in, the trend, how many were answered, their
FRT median and the most common first reply. Trends, in this order:

  gone       none this week, some the week before
  new        some this week, none in the 7 weeks before
  growing    ≥ +25 % and ≥ +2 posts on both the previous week and the
             4-week trailing mean
  shrinking  ≤ −20 % and ≤ −2 posts on both
  steady     anything else

CSV columns: week,brand,reason,trend,count,prev_count,trailing_mean,
weeks_present,weeks_window,answered,answered_share,frt_median_s,top_reply,
top_reply_count. A post without a contact reason counts as "unclassified".

--products prints, instead of the leaderboard, the products named in each
brand's inbound posts of the period (entities of type product: the brand
registry's products and the tagger's; not the brand's own name or aliases),
grouped case-blind, each post once per product: posts, the share labelled negative and the mean compound sentiment,
most posts first. CSV columns: brand,product,posts,negative_share,
sentiment_mean.

A ratio with an empty denominator is undefined: "-" in the table, empty in CSV,
null in JSON. A mention stored twice counts once. Times: RFC 3339
(2024-03-10T12:00:00Z) or a date (2024-03-10, midnight UTC). Defaults: --until
now, --since 7 days before --until.`,
		Args: cobra.NoArgs,
		RunE: runLeaderboard,
	}
	f := c.Flags()
	f.StringVar(&leaderboardFlags.Since, "since", "", "start of the period, inclusive (default --until minus 7 days)")
	f.StringVar(&leaderboardFlags.Until, "until", "", "end of the period, exclusive; the leaderboard is as of this time (default now)")
	f.StringVar(&leaderboardFlags.Brands, "brands", "", "only these brand ids, comma separated (default all)")
	f.StringVar(&leaderboardFlags.Sector, "sector", "", "only brands of this registry sector (airline, bank, telecom, …)")
	f.StringVar(&leaderboardFlags.By, "by", "", "split the period: day or week (one block per period)")
	f.StringVar(&leaderboardFlags.Columns, "columns", "default", "default (the nine columns) or all (every column, after the nine)")
	f.StringVar(&leaderboardFlags.Weights, "weights", "", "score weights, e.g. sla60=0.4,response_rate=0.3,frt=0.3,frt_reference=1h (with --columns all)")
	f.StringVar(&leaderboardFlags.HoursTZ, "hours-tz", "UTC", "time zone of the reply hour-of-week profile (active_hours)")
	f.StringVar(&leaderboardFlags.Format, "format", "table", "output format: "+strings.Join(analytics.Formats, ", "))
	f.StringVar(&leaderboardFlags.Out, "out", "", "write to this file instead of standard output")
	f.BoolVar(&leaderboardFlags.Reasons, "reasons", false, "print the recurring contact reasons of each calendar week in the period instead")
	f.BoolVar(&leaderboardFlags.Products, "products", false, "print the products named in each brand's inbound posts of the period instead")
	rootCmd.AddCommand(c)
}

// parseTime accepts RFC 3339 or a date (midnight UTC).
func parseTime(flag, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--%s %q: want RFC 3339 (2024-03-10T12:00:00Z) or a date (2024-03-10)", flag, s)
}

func runLeaderboard(cmd *cobra.Command, _ []string) error {
	ctx := cmd.Context()
	fl := leaderboardFlags
	if err := analytics.Write(&bytes.Buffer{}, fl.Format, nil); err != nil {
		return err // an unknown format, before any work
	}
	q := analytics.Query{Until: time.Now().UTC()}
	var err error
	if fl.Until != "" {
		if q.Until, err = parseTime("until", fl.Until); err != nil {
			return err
		}
	}
	q.Since = q.Until.Add(-7 * 24 * time.Hour)
	if fl.Since != "" {
		if q.Since, err = parseTime("since", fl.Since); err != nil {
			return err
		}
	}

	all := false
	switch fl.Columns {
	case "default", "":
	case "all":
		all = true
	default:
		return fmt.Errorf("--columns %q: want default or all", fl.Columns)
	}
	if fl.Reasons && (all || fl.By != "") {
		return fmt.Errorf("--reasons is a weekly table of its own: it takes neither --columns all nor --by")
	}
	if fl.Products && (all || fl.By != "" || fl.Reasons) {
		return fmt.Errorf("--products is a table of its own: it takes neither --columns all, --by nor --reasons")
	}
	weights, err := analytics.ParseWeights(fl.Weights)
	if err != nil {
		return fmt.Errorf("--weights: %w", err)
	}
	var periods [][2]time.Time
	if fl.By != "" {
		if periods, err = analytics.Periods(q.Since, q.Until, fl.By); err != nil {
			return err
		}
	}

	a, err := newApp("leaderboard", false)
	if err != nil {
		return err
	}
	defer a.close()
	reg, err := a.registry()
	if err != nil {
		return err
	}
	if fl.Brands != "" {
		for _, b := range strings.Split(fl.Brands, ",") {
			if b = strings.TrimSpace(b); b == "" {
				continue
			}
			if _, ok := reg.ByID(b); !ok {
				return fmt.Errorf("--brands: %q is not a brand id of the registry", b)
			}
			q.Brands = append(q.Brands, b)
		}
	}
	if fl.Sector != "" {
		q.Brands, err = sectorBrands(reg, fl.Sector, q.Brands, fl.Brands != "")
		if err != nil {
			return err
		}
	}
	if err := q.Validate(); err != nil {
		return err
	}

	chc := a.Common.ClickHouse
	conn, err := openChecked(ctx, chc, 0)
	if err != nil {
		return err
	}
	defer conn.Close()
	var buf bytes.Buffer
	if fl.Products {
		rows, err := analytics.Products(ctx, conn, chc.Database, reg, q)
		if err != nil {
			return err
		}
		if err := analytics.WriteProducts(&buf, fl.Format, rows); err != nil {
			return err
		}
	} else if fl.Reasons {
		var rows []analytics.ReasonTrend
		for _, w := range reasonWeeks(q.Since, q.Until) {
			rs, err := analytics.RecurringReasons(ctx, conn, chc.Database, reg, analytics.Query{Until: q.Until, Brands: q.Brands}, w)
			if err != nil {
				return err
			}
			rows = append(rows, rs...)
		}
		if err := analytics.WriteReasons(&buf, fl.Format, rows); err != nil {
			return err
		}
	} else if !all && periods == nil {
		rows, err := analytics.Leaderboard(ctx, conn, chc.Database, q)
		if err != nil {
			return err
		}
		if err := analytics.Write(&buf, fl.Format, rows); err != nil {
			return err
		}
	} else {
		if periods == nil {
			periods = [][2]time.Time{{q.Since, q.Until}}
		}
		var blocks []analytics.Block
		for _, p := range periods {
			pq := analytics.Query{Since: p[0], Until: p[1], Brands: q.Brands}
			var rows []analytics.ExtRow
			if all {
				rows, err = analytics.Extended(ctx, conn, chc.Database, reg, pq, analytics.ExtOptions{Weights: weights, HoursTZ: fl.HoursTZ, Previous: true})
			} else {
				var plain []analytics.Row
				plain, err = analytics.Leaderboard(ctx, conn, chc.Database, pq)
				for _, r := range plain {
					rows = append(rows, analytics.ExtRow{Row: r})
				}
			}
			if err != nil {
				return err
			}
			blocks = append(blocks, analytics.Block{Since: p[0], Until: p[1], Rows: rows})
		}
		if err := analytics.WriteBlocks(&buf, fl.Format, blocks, all, fl.By != ""); err != nil {
			return err
		}
	}

	if fl.Out == "" {
		_, err := cmd.OutOrStdout().Write(buf.Bytes())
		return err
	}
	// Write beside the target, then rename: a reader never sees half a file.
	tmp, err := os.CreateTemp(filepath.Dir(fl.Out), "."+filepath.Base(fl.Out)+".*")
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("--out: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := os.Rename(tmp.Name(), fl.Out); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	a.Log.Info("leaderboard written", "path", fl.Out, "bytes", buf.Len(), "since", q.Since.Format(time.RFC3339), "until", q.Until.Format(time.RFC3339))
	return nil
}

// reasonWeeks is the Monday 00:00 UTC of every calendar week that
// overlaps [since, until), in order.
func reasonWeeks(since, until time.Time) []time.Time {
	var out []time.Time
	for w := analytics.WeekStart(since); w.Before(until); w = w.AddDate(0, 0, 7) {
		out = append(out, w)
	}
	return out
}

// sectorBrands keeps the brands of sector: of brands when restrict is set
// (--brands given), else every registry brand of the sector.
func sectorBrands(reg *registry.Registry, sector string, brands []string, restrict bool) ([]string, error) {
	var out, sectors []string
	seen := map[string]bool{}
	for _, id := range reg.IDs() {
		b, _ := reg.ByID(id)
		if !seen[b.Sector] {
			seen[b.Sector] = true
			sectors = append(sectors, b.Sector)
		}
	}
	if !seen[sector] {
		sort.Strings(sectors)
		return nil, fmt.Errorf("--sector %q: not a sector of the registry; use one of %s", sector, strings.Join(sectors, ", "))
	}
	if !restrict {
		brands = reg.IDs()
	}
	for _, id := range brands {
		if b, ok := reg.ByID(id); ok && b.Sector == sector {
			out = append(out, id)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--sector %s: none of --brands is in that sector", sector)
	}
	return out, nil
}
