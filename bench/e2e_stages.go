package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"time"

	"github.com/earshot-dev/earshot/telemetry"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Where a stage spends its time, from the workers' own /metrics: how long
// enrich was busy enriching batches, and how many inserts the sink had in
// flight on average. They tell which stage limits the pipeline — the
// question that decides which worker to add replicas of.
const (
	metricEnrichBusy  = "earshot_enrich_batch_enrich_duration_seconds"
	metricEnrichWrite = "earshot_enrich_batch_deliver_duration_seconds"
	metricSinkInsert  = "earshot_sink_insert_duration_seconds"
)

// StageSample is one reading of the workers' cumulative stage times.
type StageSample struct {
	At          time.Time
	EnrichBusy  float64 // seconds spent enriching batches (decode, enrichers, encode)
	EnrichWrite float64 // seconds spent writing batches to Kafka and committing
	SinkInserts float64 // insert seconds, summed over the inserts in flight
	EnrichOK    bool
	SinkOK      bool
	Err         error // why a worker could not be read
}

// StageUsage is what the stages did between two samples.
type StageUsage struct {
	// EnrichBusy is the fraction of the time enrich was enriching a batch
	// (1 = never idle: enrich is the bottleneck).
	EnrichBusy float64
	// EnrichWrite is the fraction of the time enrich's writer was busy.
	EnrichWrite float64
	// SinkInFlight is the mean number of inserts in flight (at most
	// sink.insert_concurrency: ClickHouse's inserts are the bottleneck).
	SinkInFlight float64
	OK           bool
}

// Stages returns the usage between two samples; OK is false when either
// worker could not be read at both ends.
func Stages(from, to StageSample) StageUsage {
	d := to.At.Sub(from.At).Seconds()
	if d <= 0 || !from.EnrichOK || !to.EnrichOK || !from.SinkOK || !to.SinkOK {
		return StageUsage{}
	}
	return StageUsage{
		EnrichBusy:   (to.EnrichBusy - from.EnrichBusy) / d,
		EnrichWrite:  (to.EnrichWrite - from.EnrichWrite) / d,
		SinkInFlight: (to.SinkInserts - from.SinkInserts) / d,
		OK:           true,
	}
}

// Bottleneck names the stage that limits the pipeline, the fuller of the
// two: enrich by the fraction of time it was busy, ClickHouse by how full
// the sink's insert slots (concurrency of them) were. It is "none" when
// the trial kept up and neither was ≥ 90 % full (the pipeline had time to
// spare), "unknown" when the workers could not be read. A trial that fell
// behind always names one: over a whole trial the busy fractions average
// out the stretches where a stage was saturated and the calm ones.
func (u StageUsage) Bottleneck(concurrency int, keptUp bool) string {
	if !u.OK || concurrency < 1 {
		return "unknown"
	}
	enrich := u.EnrichBusy
	ch := u.SinkInFlight / float64(concurrency)
	switch {
	case keptUp && max(enrich, ch) < 0.9:
		return "none"
	case enrich >= ch:
		return "enrich"
	}
	return "clickhouse"
}

// servingAddr matches the line every worker logs once its /metrics
// listener is up (telemetry.ServingMessage).
var servingAddr = regexp.MustCompile(`msg="` + regexp.QuoteMeta(telemetry.ServingMessage) + `".* addr=([0-9.]+:[0-9]+)`)

// MetricsAddr is the address of a running worker's /metrics, read from
// its log.
func (p *Pipeline) MetricsAddr(name string) (string, error) {
	c := p.Worker(name)
	if c == nil {
		return "", fmt.Errorf("bench: no %s worker", name)
	}
	return metricsAddrIn(name, c.LogPath)
}

// metricsAddrIn reads the metrics address a child (name, for errors)
// logged to logPath.
func metricsAddrIn(name, logPath string) (string, error) {
	addr := ""
	err := scanLog(logPath, func(line []byte) bool {
		if m := servingAddr.FindSubmatch(line); m != nil {
			addr = string(m[1]) // the last one: a restarted worker logs again
		}
		return false
	})
	if err != nil {
		return "", err
	}
	if addr == "" {
		return "", fmt.Errorf("bench: %s has not logged its metrics address (%s)", name, logPath)
	}
	return addr, nil
}

// scanLog calls line for each line of a child's log until it returns
// true.
func scanLog(path string, line func([]byte) (stop bool)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line(sc.Bytes()) {
			return nil
		}
	}
	return sc.Err()
}

// SampleStages reads the enrich and sink workers' stage times.
func (p *Pipeline) SampleStages(ctx context.Context) StageSample {
	s := StageSample{At: time.Now()}
	v, errE := p.histogramSums(ctx, WorkerEnrich, metricEnrichBusy, metricEnrichWrite)
	if errE == nil {
		s.EnrichBusy, s.EnrichWrite, s.EnrichOK = v[0], v[1], true
	}
	v, errS := p.histogramSums(ctx, WorkerSink, metricSinkInsert)
	if errS == nil {
		s.SinkInserts, s.SinkOK = v[0], true
	}
	s.Err = errors.Join(errE, errS)
	return s
}

// histogramSums scrapes a worker's /metrics and returns the _sum of each
// named (unlabelled) histogram.
func (p *Pipeline) histogramSums(ctx context.Context, worker string, names ...string) ([]float64, error) {
	addr, err := p.MetricsAddr(worker)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("bench: %s /metrics: %s", worker, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("bench: %s /metrics: %w", worker, err)
	}
	out := make([]float64, len(names))
	for i, name := range names {
		v, ok := histogramSum(fams[name])
		if !ok {
			return nil, fmt.Errorf("bench: %s /metrics has no histogram %s", worker, name)
		}
		out[i] = v
	}
	return out, nil
}

func histogramSum(f *dto.MetricFamily) (float64, bool) {
	if f == nil || f.GetType() != dto.MetricType_HISTOGRAM || len(f.GetMetric()) == 0 {
		return 0, false
	}
	var sum float64
	for _, m := range f.GetMetric() {
		sum += m.GetHistogram().GetSampleSum()
	}
	return sum, true
}
