package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/earshot-dev/earshot/telemetry"
)

// profiler fetches CPU profiles of running children, over the trial, from
// their /debug/pprof/profile (config pprof: true).
type profiler struct {
	wg    sync.WaitGroup
	mu    sync.Mutex
	files []string
	errs  []error
}

// startProfiles starts fetching a CPU profile of d from each child's
// metrics address (name → host:port) into dir/cpu-<name>.pprof; wait
// returns the files written.
func startProfiles(ctx context.Context, dir string, d time.Duration, addrs map[string]string) *profiler {
	p := &profiler{}
	secs := max(1, int(math.Ceil(d.Seconds())))
	client := &http.Client{Timeout: time.Duration(secs)*time.Second + 30*time.Second}
	for name, addr := range addrs {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			path := filepath.Join(dir, "cpu-"+name+".pprof")
			err := fetchProfile(ctx, client, fmt.Sprintf("http://%s%sprofile?seconds=%d", addr, telemetry.PprofPath, secs), path)
			p.mu.Lock()
			defer p.mu.Unlock()
			if err != nil {
				p.errs = append(p.errs, fmt.Errorf("bench e2e: CPU profile of %s: %w", name, err))
				return
			}
			p.files = append(p.files, path)
		}()
	}
	return p
}

// profileAddrs are the metrics addresses of the workers and of ingest
// (whose log is ingestLog); a child whose address is not found is left
// out, with a warning.
func profileAddrs(p *Pipeline, ingestLog string, log *slog.Logger) map[string]string {
	addrs := map[string]string{}
	for _, w := range []string{WorkerEnrich, WorkerSink} {
		a, err := p.MetricsAddr(w)
		if err != nil {
			log.Warn("bench e2e: no CPU profile", "worker", w, "err", err)
			continue
		}
		addrs[w] = a
	}
	if a, err := metricsAddrIn("ingest", ingestLog); err == nil {
		addrs["ingest"] = a
	} else {
		log.Warn("bench e2e: no CPU profile", "worker", "ingest", "err", err)
	}
	return addrs
}

func fetchProfile(ctx context.Context, c *http.Client, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// wait waits for every profile and returns the files written, sorted,
// and the failures.
func (p *profiler) wait() ([]string, error) {
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	sort.Strings(p.files)
	return p.files, errors.Join(p.errs...)
}
