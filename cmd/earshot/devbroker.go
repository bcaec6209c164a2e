package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/devbroker"
)

var devbrokerFlags struct {
	Brokers    int
	AddrFile   string
	Partitions int
}

func init() {
	c := &cobra.Command{
		Use:   "devbroker",
		Short: "Serve an in-memory Kafka (librdkafka mock cluster) for development, with earshot's topics",
		Long: `devbroker serves the Kafka protocol on loopback from librdkafka's mock cluster,
creates earshot's raw, enriched and dead-letter topics (names from the
configuration), prints

    EARSHOT_KAFKA_BROKERS=host:port[,host:port…]

on standard output (and writes the same line to --addr-file, removed on exit),
and serves until interrupted (SIGINT or SIGTERM).

It is for development and tests only: everything is in memory and gone on exit,
each partition keeps only about 5 MiB (older messages are dropped silently), each
broker's listen backlog is 5, and joining a consumer group takes about 3 s.`,
		Args: cobra.NoArgs,
		RunE: runDevbroker,
	}
	f := c.Flags()
	f.IntVar(&devbrokerFlags.Brokers, "brokers", 1, "number of brokers")
	f.StringVar(&devbrokerFlags.AddrFile, "addr-file", "", "also write the EARSHOT_KAFKA_BROKERS=… line to this file")
	f.IntVar(&devbrokerFlags.Partitions, "partitions", 0, "partitions per topic (default: kafka.partitions from the configuration)")
	rootCmd.AddCommand(c)
}

func runDevbroker(cmd *cobra.Command, _ []string) error {
	a, err := newApp("devbroker", true)
	if err != nil {
		return err
	}
	kc := a.Common.Kafka
	if devbrokerFlags.Partitions != 0 {
		kc.Partitions = devbrokerFlags.Partitions
	}
	if kc.Partitions < 1 || kc.Partitions > 64 {
		return fmt.Errorf("devbroker: --partitions %d; want 1..64 (the mock cluster copes with ≤ 8–12)", kc.Partitions)
	}
	b, err := devbroker.Start(devbrokerFlags.Brokers)
	if err != nil {
		return err
	}
	defer b.Close()
	kc.Brokers = b.BootstrapServers()
	if err := b.CreateTopics(kc); err != nil {
		return err
	}
	line := config.EnvKafkaBrokers + "=" + strings.Join(kc.Brokers, ",")
	if devbrokerFlags.AddrFile != "" {
		if err := writeAddrFile(devbrokerFlags.AddrFile, line+"\n"); err != nil {
			return fmt.Errorf("devbroker: --addr-file: %w", err)
		}
		defer os.Remove(devbrokerFlags.AddrFile)
	}
	fmt.Fprintln(cmd.OutOrStdout(), line)
	a.Log.Info("dev broker serving", "brokers", strings.Join(kc.Brokers, ","), "partitions", kc.Partitions,
		"topics", strings.Join([]string{kc.RawTopic, kc.EnrichedTopic, kc.DLQTopic}, ","))
	<-cmd.Context().Done()
	a.Log.Info("dev broker stopping; its data is gone")
	return nil
}

// writeAddrFile writes content through a temporary file and a rename, so
// a reader polling for the file never sees it half written.
func writeAddrFile(path, content string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
