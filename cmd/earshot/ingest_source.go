package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/earshot-dev/earshot/bus"
	"github.com/earshot-dev/earshot/ingest"
)

// liveSource is what every live source's subcommand shares: the
// operational app, the shared ingest section (publisher batching, topic
// creation), and a writer to the raw topic.
type liveSource struct {
	App       *app
	Publisher ingest.PublisherConfig
	Writer    bus.Writer
	Metrics   *ingest.Metrics
}

// setupLiveSource loads the source's top-level config section into cfg (a
// pointer holding the source's defaults), applies the flags the user set
// (flagDst maps a flag name to the field it overrides: *string, *[]string,
// *time.Duration or *bool), validates, and connects to Kafka. Callers defer
// Close.
func setupLiveSource(cmd *cobra.Command, name, section string, serve bool, cfg interface{ Validate() error }, flagDst map[string]any) (*liveSource, error) {
	a, err := newApp(name, serve)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*liveSource, error) {
		a.close()
		return nil, err
	}
	base, err := loadIngestSection(a, func(*ingestSection) {})
	if err != nil {
		return fail(err)
	}
	if err := a.File.Section(section, cfg); err != nil {
		return fail(err)
	}
	if err := applyFlags(cmd.Flags(), flagDst); err != nil {
		return fail(err)
	}
	if err := cfg.Validate(); err != nil {
		return fail(fmt.Errorf("config %w", err))
	}
	w, err := kafkaWriter(cmd.Context(), a, base.CreateTopics)
	if err != nil {
		return fail(err)
	}
	met := ingest.NewMetrics(a.Reg)
	a.Health.AddCheck("kafka_publish", met.Ready)
	return &liveSource{App: a, Publisher: base.Publisher, Writer: w, Metrics: met}, nil
}

// Close closes the writer and stops the operational server.
func (s *liveSource) Close() {
	if err := s.Writer.Close(); err != nil {
		s.App.Log.Warn("closing the Kafka writer", "err", err)
	}
	s.App.close()
}

// applyFlags copies the value of every flag the user set into its
// destination.
func applyFlags(fl *pflag.FlagSet, dst map[string]any) error {
	for name, d := range dst {
		if !fl.Changed(name) {
			continue
		}
		var err error
		switch p := d.(type) {
		case *string:
			*p, err = fl.GetString(name)
		case *[]string:
			*p, err = fl.GetStringSlice(name)
		case *time.Duration:
			*p, err = fl.GetDuration(name)
		case *bool:
			*p, err = fl.GetBool(name)
		default:
			err = fmt.Errorf("flag --%s: unsupported destination %T", name, d)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
