package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/analytics"
)

var leaderboardFlags struct {
	Since, Until string
	Brands       string
	Format       string
	Out          string
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
	f.StringVar(&leaderboardFlags.Format, "format", "table", "output format: "+strings.Join(analytics.Formats, ", "))
	f.StringVar(&leaderboardFlags.Out, "out", "", "write to this file instead of standard output")
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

	a, err := newApp("leaderboard", false)
	if err != nil {
		return err
	}
	defer a.close()
	if fl.Brands != "" {
		reg, err := a.registry()
		if err != nil {
			return err
		}
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
	if err := q.Validate(); err != nil {
		return err
	}

	chc := a.Common.ClickHouse
	conn, err := openChecked(ctx, chc, 0)
	if err != nil {
		return err
	}
	defer conn.Close()
	rows, err := analytics.Leaderboard(ctx, conn, chc.Database, q)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := analytics.Write(&buf, fl.Format, rows); err != nil {
		return err
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
	a.Log.Info("leaderboard written", "path", fl.Out, "brands", len(rows), "since", q.Since.Format(time.RFC3339), "until", q.Until.Format(time.RFC3339))
	return nil
}
