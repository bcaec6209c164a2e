package storage

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Retention drops whole monthly partitions: every earshot table (the
// mentions, the per-brand fan-out, the replies, the rollups) is
// partitioned by toYYYYMM of its time column, and dropping a partition is
// instant and leaves no parts to merge — unlike ALTER … DELETE, and
// unlike TTL, which ClickHouse 18.16 does not have.
//
// A partition is expired when its month is more than Months months before
// the current month: with Months = 12 in November 2026, partitions up to
// October 2025 are dropped and November 2025 … November 2026 are kept.
type Retention struct {
	Conn     driver.Conn
	Database string
	// Cluster, when set, drops ON CLUSTER (Replicated tables replicate the
	// drop; this reaches every shard).
	Cluster string
	// Months to keep besides the current one; must be ≥ 1.
	Months int
	// Now is the clock (tests fix it); nil is time.Now.
	Now func() time.Time
}

// Partition is one monthly partition of one table.
type Partition struct {
	Table string
	// Month is the partition id, YYYYMM.
	Month string
	Rows  uint64
	Bytes uint64
}

var monthRe = regexp.MustCompile(`^[0-9]{6}$`)

// PartitionsSQL lists the active partitions of database ? with their rows
// and bytes (on 18.16 the compressed size on disk; on current ClickHouse
// an alias of bytes_on_disk).
const PartitionsSQL = `
SELECT table, partition, sum(rows), sum(bytes)
FROM system.parts
WHERE database = ? AND active
GROUP BY table, partition
ORDER BY table, partition`

// Partitions lists the active monthly partitions of every MergeTree table
// in the database, by table and month. Tables that are not partitioned by
// month (schema_migrations) are not listed.
func (r *Retention) Partitions(ctx context.Context) ([]Partition, error) {
	if !identRe.MatchString(r.Database) {
		return nil, fmt.Errorf("clickhouse.database: %q is not a plain identifier", r.Database)
	}
	rows, err := r.Conn.Query(ctx, PartitionsSQL, r.Database)
	if err != nil {
		return nil, fmt.Errorf("clickhouse: list partitions of %s: %w", r.Database, err)
	}
	defer rows.Close()
	var out []Partition
	for rows.Next() {
		var p Partition
		if err := rows.Scan(&p.Table, &p.Month, &p.Rows, &p.Bytes); err != nil {
			return nil, fmt.Errorf("clickhouse: list partitions of %s: %w", r.Database, err)
		}
		if monthRe.MatchString(p.Month) {
			out = append(out, p)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("clickhouse: list partitions of %s: %w", r.Database, err)
	}
	return out, nil
}

// Cutoff is the oldest month kept, YYYYMM: the current month (UTC) minus
// Months.
func (r *Retention) Cutoff() string {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	t := now().UTC()
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -r.Months, 0)
	return fmt.Sprintf("%04d%02d", first.Year(), int(first.Month()))
}

// Expired returns the partitions older than the cutoff.
func (r *Retention) Expired(ctx context.Context) ([]Partition, error) {
	if r.Months < 1 {
		return nil, fmt.Errorf("retention: months %d, want ≥ 1 (clickhouse.retention_months or --months)", r.Months)
	}
	all, err := r.Partitions(ctx)
	if err != nil {
		return nil, err
	}
	cutoff := r.Cutoff()
	var out []Partition
	for _, p := range all {
		if p.Month < cutoff { // same-length digit strings compare as numbers
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].Table < out[j].Table
	})
	return out, nil
}

// DropSQL is the statement that drops p.
func (r *Retention) DropSQL(p Partition) (string, error) {
	if !identRe.MatchString(r.Database) || !identRe.MatchString(p.Table) {
		return "", fmt.Errorf("retention: %s.%s is not a plain identifier", r.Database, p.Table)
	}
	if !monthRe.MatchString(p.Month) {
		return "", fmt.Errorf("retention: partition %q is not YYYYMM", p.Month)
	}
	onCluster := ""
	if r.Cluster != "" {
		if !identRe.MatchString(r.Cluster) {
			return "", fmt.Errorf("clickhouse.cluster: %q is not a plain identifier", r.Cluster)
		}
		onCluster = " ON CLUSTER " + r.Cluster
	}
	month, _ := strconv.Atoi(p.Month)
	return fmt.Sprintf("ALTER TABLE %s.%s%s DROP PARTITION %d", r.Database, p.Table, onCluster, month), nil
}

// Apply drops the expired partitions (none with dryRun) and returns them.
// It stops at the first failure; what it dropped before stays dropped, and
// running it again continues.
func (r *Retention) Apply(ctx context.Context, dryRun bool) ([]Partition, error) {
	expired, err := r.Expired(ctx)
	if err != nil || dryRun {
		return expired, err
	}
	for i, p := range expired {
		sql, err := r.DropSQL(p)
		if err != nil {
			return expired[:i], err
		}
		if err := r.Conn.Exec(ctx, sql); err != nil {
			return expired[:i], fmt.Errorf("clickhouse: %s: %w", sql, err)
		}
	}
	return expired, nil
}
