package replay

import (
	"fmt"
	"math"
	"time"

	"github.com/earshot-dev/earshot/ingest"
)

// Input formats.
const (
	FormatAuto  = ""      // detect from the first line, then the extension
	FormatJSONL = "jsonl" // one Mention v1 record per line
	FormatTWCS  = "twcs"  // Customer Support on Twitter CSV
)

// Config configures a replay. In the configuration file it is the
// section ingest.replay:
//
//	ingest:
//	  replay:
//	    format: twcs
//	    speed: 0
//	    state_dir: .earshot
//	    progress: auto
//	    progress_interval: 10s
type Config struct {
	// Format is jsonl, twcs, or empty to detect it.
	Format string `yaml:"format" json:"format"`
	// Speed paces the replay by created_at: 0 publishes as fast as possible;
	// 1 is real time; 60 replays an hour of posts per minute.
	Speed float64 `yaml:"speed" json:"speed"`
	// Resume skips what a previous run of the same file acknowledged, as
	// recorded in the checkpoint.
	Resume bool `yaml:"resume" json:"resume"`
	// Checkpoint is the checkpoint file; empty uses
	// <state_dir>/checkpoints/<input name>-<hash of its absolute path>.json.
	Checkpoint string `yaml:"checkpoint" json:"checkpoint"`
	// StateDir holds earshot's local state (checkpoints). It is not beside
	// the input because inputs often sit on read-only storage.
	StateDir string `yaml:"state_dir" json:"state_dir"`
	// Progress is auto (a bar on a terminal, log lines otherwise), bar, log
	// or none.
	Progress string `yaml:"progress" json:"progress"`
	// ProgressInterval spaces the progress log lines.
	ProgressInterval time.Duration `yaml:"progress_interval" json:"progress_interval"`
}

// DefaultConfig returns the defaults: detect the format, as fast as
// possible, checkpoints under .earshot/checkpoints/.
func DefaultConfig() Config {
	return Config{
		Format:           FormatAuto,
		StateDir:         ".earshot",
		Progress:         ingest.ProgressAuto,
		ProgressInterval: 10 * time.Second,
	}
}

// Validate names the first field that is wrong and how to fix it.
func (c Config) Validate() error {
	switch c.Format {
	case FormatAuto, FormatJSONL, FormatTWCS:
	default:
		return fmt.Errorf("ingest.replay.format: %q, want jsonl, twcs, or empty to detect it", c.Format)
	}
	if c.Speed < 0 || math.IsNaN(c.Speed) || math.IsInf(c.Speed, 0) {
		return fmt.Errorf("ingest.replay.speed: %v, want 0 (as fast as possible) or a factor > 0 (1 = real time)", c.Speed)
	}
	if c.Checkpoint == "" && c.StateDir == "" {
		return fmt.Errorf("ingest.replay.state_dir: empty; set it (e.g. .earshot) or set checkpoint")
	}
	if !ingest.ValidProgressMode(c.Progress) {
		return fmt.Errorf("ingest.replay.progress: %q, want auto, bar, log or none", c.Progress)
	}
	if c.ProgressInterval <= 0 {
		return fmt.Errorf("ingest.replay.progress_interval: %s, want > 0 (e.g. 10s)", c.ProgressInterval)
	}
	return nil
}
