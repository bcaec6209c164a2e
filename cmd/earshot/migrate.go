package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/storage"
)

var migrateFlags struct {
	Steps int
}

func init() {
	c := &cobra.Command{
		Use:   "migrate",
		Short: "Create or change the ClickHouse schema: up, down, status",
		Long: `migrate applies earshot's versioned schema migrations (embedded in this binary)
to the ClickHouse database of the configuration (clickhouse.database, env
EARSHOT_CLICKHOUSE_DATABASE, default earshot), creating the database if needed.
The applied versions are kept in <database>.schema_migrations.

  earshot migrate up                applies every pending migration (a no-op when up to date)
  earshot migrate down [--steps N]  reverts the N newest applied migrations (default 1)
  earshot migrate status            lists applied and pending migrations

A database migrated by a newer earshot is refused: up and down change nothing.
Run one migrate at a time; every statement is idempotent, so a migration that
failed half-way is simply run again.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withMigrator(cmd.Context(), func(ctx context.Context, m *storage.Migrator) error {
				applied, err := m.Up(ctx)
				for _, v := range applied {
					fmt.Fprintf(cmd.OutOrStdout(), "applied %s\n", migrationName(m, v))
				}
				if err != nil {
					return err
				}
				return printSummary(ctx, cmd.OutOrStdout(), m)
			})
		},
	}
	down := &cobra.Command{
		Use:   "down",
		Short: "Revert the newest applied migrations (--steps, default 1)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if migrateFlags.Steps < 1 {
				return fmt.Errorf("migrate down: --steps %d, want ≥ 1", migrateFlags.Steps)
			}
			return withMigrator(cmd.Context(), func(ctx context.Context, m *storage.Migrator) error {
				reverted, err := m.Down(ctx, migrateFlags.Steps)
				for _, v := range reverted {
					fmt.Fprintf(cmd.OutOrStdout(), "reverted %s\n", migrationName(m, v))
				}
				if err != nil {
					return err
				}
				return printSummary(ctx, cmd.OutOrStdout(), m)
			})
		},
	}
	down.Flags().IntVar(&migrateFlags.Steps, "steps", 1, "how many migrations to revert, newest first")
	status := &cobra.Command{
		Use:   "status",
		Short: "List applied and pending migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withMigrator(cmd.Context(), func(ctx context.Context, m *storage.Migrator) error {
				st, err := m.Status(ctx)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(w, "VERSION\tNAME\tSTATE\tAPPLIED AT")
				for _, a := range st.Applied {
					state := "applied"
					for _, n := range st.Newer {
						if n.Version == a.Version {
							state = "applied by a newer earshot"
						}
					}
					fmt.Fprintf(w, "%04d\t%s\t%s\t%s\n", a.Version, a.Name, state, a.AppliedAt.Format(time.RFC3339))
				}
				for _, p := range st.Pending {
					fmt.Fprintf(w, "%04d\t%s\tpending\t-\n", p.Version, p.Name)
				}
				if err := w.Flush(); err != nil {
					return err
				}
				return printSummary(ctx, cmd.OutOrStdout(), m)
			})
		},
	}
	c.AddCommand(up, down, status)
	rootCmd.AddCommand(c)
}

// withMigrator connects to the configured ClickHouse and runs f.
func withMigrator(ctx context.Context, f func(context.Context, *storage.Migrator) error) error {
	a, err := newApp("migrate", false)
	if err != nil {
		return err
	}
	defer a.close()
	cfg := a.Common.ClickHouse
	if err := cfg.Validate(); err != nil {
		return err
	}
	conn, err := storage.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	m, err := storage.NewMigrator(conn, cfg)
	if err != nil {
		return err
	}
	a.Log.Debug("migrating", "addr", cfg.Addr, "database", cfg.Database, "cluster", cfg.Cluster)
	return f(ctx, m)
}

// printSummary prints one line saying where the database stands; it is an
// error when the database is newer than this binary.
func printSummary(ctx context.Context, w io.Writer, m *storage.Migrator) error {
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	switch {
	case len(st.Newer) > 0:
		fmt.Fprintf(w, "database %s is at schema version %d, newer than this earshot (%d)\n", st.Database, st.Current, st.Latest)
		return m.Check(ctx)
	case len(st.Pending) > 0:
		var names []string
		for _, p := range st.Pending {
			names = append(names, fmt.Sprintf("%04d_%s", p.Version, p.Name))
		}
		fmt.Fprintf(w, "database %s is at schema version %d of %d; pending: %s (run earshot migrate up)\n", st.Database, st.Current, st.Latest, strings.Join(names, ", "))
	default:
		fmt.Fprintf(w, "database %s is at schema version %d (up to date)\n", st.Database, st.Current)
	}
	return nil
}

func migrationName(m *storage.Migrator, v int) string {
	for _, mig := range m.Migrations {
		if mig.Version == v {
			return fmt.Sprintf("%04d_%s", v, mig.Name)
		}
	}
	return fmt.Sprintf("%04d", v)
}

// openChecked connects to ClickHouse, waiting up to wait for it to answer,
// and checks that the database has this binary's schema.
func openChecked(ctx context.Context, cfg storage.Config, wait time.Duration) (driver.Conn, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	var conn driver.Conn
	var err error
	for {
		if conn, err = storage.Open(ctx, cfg); err == nil {
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Second):
		}
	}
	m, err := storage.NewMigrator(conn, cfg)
	if err == nil {
		err = m.Check(ctx)
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}
