package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/localstack"
)

var stackFlags struct {
	Only       string
	Dir        string
	WebhookURL string
	Timeout    time.Duration
	NoInstall  bool
	Cluster    bool
}

func init() {
	c := &cobra.Command{
		Use:   "stack up|down|status",
		Short: "Start, stop or show the local ClickHouse, Prometheus and Alertmanager servers",
		Long: `stack runs earshot's local servers from the Debian packages (clickhouse-server,
prometheus, prometheus-alertmanager) with project-local configuration, data and
free loopback ports, without systemd. The stack lives in <repo>/.earshot/stack
(or $EARSHOT_STACK_DIR, or --dir): state.json, logs/, one directory per server.

  up      start what is not running healthy (idempotent, locked against concurrent
          runs) and print the endpoints as shell exports:
              eval "$(earshot stack up)"
          Missing packages are installed with apt-get when running as root on Debian.
  down    stop the servers (SIGTERM, then SIGKILL); data and ports are kept.
  status  show each server's pid, ports and health; exits 1 unless all are healthy.

With --cluster, the same actions apply to a local ClickHouse cluster instead:
ZooKeeper (Debian package zookeeper) and two ClickHouse servers, one shard with
two replicas, in <stack dir>/cluster. "up" prints EARSHOT_CLICKHOUSE_ADDR,
EARSHOT_CLICKHOUSE_CLUSTER and EARSHOT_CLICKHOUSE_CLUSTER_ADDRS; with
EARSHOT_CLICKHOUSE_CLUSTER set, "earshot migrate up" creates Replicated and
Distributed tables ON CLUSTER.`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"up", "down", "status"},
		RunE:      runStack,
	}
	f := c.Flags()
	f.StringVar(&stackFlags.Only, "only", "", "comma-separated servers to act on: "+strings.Join(localstack.AllServers, ","))
	f.StringVar(&stackFlags.Dir, "dir", "", "stack directory (default $EARSHOT_STACK_DIR or <repo>/.earshot/stack)")
	f.StringVar(&stackFlags.WebhookURL, "alert-webhook-url", "", "Alertmanager sends every notification to this webhook URL")
	f.DurationVar(&stackFlags.Timeout, "timeout", 5*time.Minute, "give up after this long")
	f.BoolVar(&stackFlags.NoInstall, "no-install", false, "never install missing Debian packages; fail naming them")
	f.BoolVar(&stackFlags.Cluster, "cluster", false, "act on the local ClickHouse cluster (ZooKeeper + 2 replicas) instead of the stack")
	rootCmd.AddCommand(c)
}

func runStack(cmd *cobra.Command, args []string) error {
	a, err := newApp("stack", false)
	if err != nil {
		return err
	}
	only, err := localstack.ParseOnly(stackFlags.Only)
	if err != nil {
		return fmt.Errorf("--only: %w", err)
	}
	cfg := localstack.DefaultConfig()
	if stackFlags.Dir != "" {
		if cfg.Root, err = filepath.Abs(stackFlags.Dir); err != nil {
			return err
		}
	}
	cfg.Only = only
	cfg.AlertWebhookURL = stackFlags.WebhookURL
	cfg.Install = !stackFlags.NoInstall
	cfg.Log = a.Log
	st, err := localstack.New(cfg)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if stackFlags.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, stackFlags.Timeout)
		defer cancel()
	}
	out := cmd.OutOrStdout()
	if stackFlags.Cluster {
		return runCluster(ctx, a, st.Root(), args[0], out)
	}
	switch args[0] {
	case "up":
		ep, err := st.Up(ctx)
		if err != nil {
			return err
		}
		for _, kv := range ep.Env() {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(out, "export %s=%s\n", k, stackShellQuote(v))
		}
		a.Log.Info("local stack up", "dir", st.Root())
		return nil
	case "down":
		if err := st.Down(ctx); err != nil {
			return err
		}
		a.Log.Info("local stack down", "dir", st.Root())
		return nil
	case "status":
		ss, err := st.Status(ctx)
		if err != nil {
			return err
		}
		if !stackPrintStatus(out, ss) {
			return errors.New("stack: not every server is healthy")
		}
		return nil
	}
	return fmt.Errorf("stack: unknown action %q; want up, down or status", args[0])
}

// stackPrintStatus writes a table and reports whether every server is healthy.
func stackPrintStatus(w io.Writer, ss []localstack.ServerStatus) bool {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tPID\tPORTS\tADDRESS\tHEALTHY\tNOTE")
	all := true
	for _, s := range ss {
		pid := "-"
		if s.PID != 0 {
			pid = strconv.Itoa(s.PID)
		}
		names := make([]string, 0, len(s.Ports))
		for n := range s.Ports {
			names = append(names, n)
		}
		sort.Strings(names)
		var ports []string
		for _, n := range names {
			ports = append(ports, n+"="+strconv.Itoa(s.Ports[n]))
		}
		if len(ports) == 0 {
			ports = []string{"-"}
		}
		addr := s.Addr
		if addr == "" {
			addr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\n", s.Name, pid, strings.Join(ports, ","), addr, s.Healthy, stackFirstLine(s.Err))
		all = all && s.Healthy
	}
	tw.Flush()
	return all
}

func stackFirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// stackShellQuote quotes v for POSIX shells when it holds anything but safe
// characters.
func stackShellQuote(v string) string {
	safe := v != ""
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:,@%+=", r)) {
			safe = false
			break
		}
	}
	if safe {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// runCluster runs a stack action on the local ClickHouse cluster kept in
// <root>/cluster.
func runCluster(ctx context.Context, a *app, root, action string, out io.Writer) error {
	if stackFlags.Only != "" || stackFlags.WebhookURL != "" {
		return errors.New("stack: --cluster takes neither --only nor --alert-webhook-url")
	}
	cl, err := localstack.NewCluster(localstack.ClusterConfig{
		Dir:     filepath.Join(root, "cluster"),
		Install: !stackFlags.NoInstall,
		Log:     a.Log,
	})
	if err != nil {
		return err
	}
	switch action {
	case "up":
		if err := cl.Start(ctx); err != nil {
			return err
		}
		for _, kv := range cl.Env() {
			k, v, _ := strings.Cut(kv, "=")
			fmt.Fprintf(out, "export %s=%s\n", k, stackShellQuote(v))
		}
		a.Log.Info("local cluster up", "cluster", cl.String())
		return nil
	case "down":
		if err := cl.Stop(ctx); err != nil {
			return err
		}
		a.Log.Info("local cluster down", "dir", cl.Dir())
		return nil
	case "status":
		if err := cl.Healthy(ctx); err != nil {
			fmt.Fprintf(out, "cluster %s: unhealthy: %v\n", cl.Name(), err)
			return errors.New("stack: the cluster is not healthy")
		}
		fmt.Fprintf(out, "cluster %s: healthy: %s\n", cl.Name(), strings.Join(cl.Addrs(), ","))
		return nil
	}
	return fmt.Errorf("stack: unknown action %q; want up, down or status", action)
}
