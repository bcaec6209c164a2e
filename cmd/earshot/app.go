package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/registry"
	"github.com/earshot-dev/earshot/telemetry"
)

var globalFlags struct {
	ConfigPath  string
	LogLevel    string
	MetricsAddr string
}

// app is the operational context every long-running subcommand shares:
// configuration, logger, metrics registry, health checks and the
// /metrics server.
type app struct {
	File    *config.File
	Common  config.Common
	Log     *slog.Logger
	Reg     *prometheus.Registry
	Health  *telemetry.Health
	Metrics *telemetry.Server
}

// newApp loads configuration and starts the operational server. name is
// the subcommand, attached to every log line.
func newApp(name string, serve bool) (*app, error) {
	f, err := config.Load(globalFlags.ConfigPath)
	if err != nil {
		return nil, err
	}
	c, err := f.Common()
	if err != nil {
		return nil, err
	}
	if globalFlags.LogLevel != "" {
		c.Log.Level = globalFlags.LogLevel
	}
	if globalFlags.MetricsAddr != "" {
		c.MetricsAddr = globalFlags.MetricsAddr
	}
	log, err := telemetry.NewLogger(telemetry.Stderr, c.Log.Level, c.Log.JSON)
	if err != nil {
		return nil, err
	}
	a := &app{File: f, Common: c, Log: log.With("cmd", name), Reg: telemetry.NewRegistry(), Health: telemetry.NewHealth()}
	if serve {
		if a.Metrics, err = telemetry.Listen(c.MetricsAddr, a.Reg, a.Health, a.Log); err != nil {
			return nil, err
		}
		if c.Pprof {
			if a.Metrics == nil {
				return nil, errors.New("pprof: true needs metrics_addr (the profiles are served on it)")
			}
			a.Metrics.HandlePprof()
		}
	}
	return a, nil
}

// registry loads the brand registry named in the configuration, or the
// embedded default.
func (a *app) registry() (*registry.Registry, error) {
	if a.Common.Registry == "" {
		return registry.Default()
	}
	return registry.LoadFile(a.Common.Registry)
}

// close stops the operational server.
func (a *app) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Metrics.Shutdown(ctx); err != nil {
		a.Log.Warn("metrics server shutdown", "err", err)
	}
}

// section decodes a stage's configuration section over its defaults and
// validates it.
func (a *app) section(name string, dst interface{ Validate() error }) error {
	if err := a.File.Section(name, dst); err != nil {
		return err
	}
	if err := dst.Validate(); err != nil {
		return fmt.Errorf("config %s: %w", name, err)
	}
	return nil
}
