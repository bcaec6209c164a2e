package localstack

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// Debian packages and binaries of the servers.
const (
	ClickHouseBinary   = "/usr/sbin/clickhouse-server"
	ClickHousePackage  = "clickhouse-server"
	PrometheusBinary   = "/usr/bin/prometheus"
	PrometheusPackage  = "prometheus"
	AlertmanagerBinary = "/usr/bin/prometheus-alertmanager"
	AlertmanagerPkg    = "prometheus-alertmanager"
)

var (
	aptMu      sync.Mutex
	aptUpdated bool
)

// EnsureBinary checks that binary exists. When it does not and install is
// true, on Debian (apt-get present) as root, it installs pkg with apt-get
// (running `apt-get update` once per process first), writing apt's output
// to logDir/apt.log. Otherwise the error names the package to install.
func EnsureBinary(ctx context.Context, binary, pkg string, install bool, logDir string, log *slog.Logger) error {
	if isExecutable(binary) {
		return nil
	}
	missing := fmt.Errorf("%s not found: install the Debian package %s (apt-get install %s)", binary, pkg, pkg)
	if !install {
		return missing
	}
	apt, err := exec.LookPath("apt-get")
	if err != nil || os.Geteuid() != 0 {
		return missing
	}
	aptMu.Lock()
	defer aptMu.Unlock()
	if isExecutable(binary) { // installed meanwhile
		return nil
	}
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(logDir, "apt.log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	run := func(args ...string) error {
		fmt.Fprintf(out, "\n=== earshot: %s %v at %s\n", apt, args, time.Now().UTC().Format(time.RFC3339))
		cmd := exec.CommandContext(ctx, apt, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("apt-get %v: %w (see %s)", args, err, logPath)
		}
		return nil
	}
	if !aptUpdated {
		log.Info("updating apt package lists", "log", logPath)
		if err := run("update"); err != nil {
			return err
		}
		aptUpdated = true
	}
	log.Info("installing Debian package", "package", pkg, "log", logPath)
	if err := run("install", "-y", "--no-install-recommends", pkg); err != nil {
		return err
	}
	if !isExecutable(binary) {
		return fmt.Errorf("installed %s but %s is still missing (see %s)", pkg, binary, logPath)
	}
	return nil
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
