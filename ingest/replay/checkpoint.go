package replay

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Checkpoint records how far a replay of one input got. It is rewritten
// (atomically: a temporary file renamed over it) after every batch Kafka
// acknowledged, so a run that stops — a crash, Ctrl-C, a broker outage —
// is resumed with --resume without publishing an acknowledged record twice.
// (A batch in flight when the process died may be published again; every
// downstream query deduplicates by mention id.)
type Checkpoint struct {
	Version int    `json:"version"`
	Input   string `json:"input"`  // absolute path when written
	Format  string `json:"format"` // jsonl, twcs, crowdflower or csv
	// Options are the settings that shape the records (the csv mapping,
	// the default created_at, …); empty for jsonl and twcs.
	Options string `json:"options,omitempty"`
	Size    int64  `json:"size"`
	SHA256  string `json:"sha256"` // of the whole input: a changed file is not resumed
	// Total is the number of publishable records in the input.
	Total int `json:"total"`
	// Position is how many records, in publishing order (created_at), are
	// settled: published and acknowledged, or rejected.
	Position int `json:"position"`
	// Published counts the records acknowledged over all runs.
	Published int64     `json:"published"`
	UpdatedAt time.Time `json:"updated_at"`
}

const checkpointVersion = 1

// DefaultCheckpointPath is <stateDir>/checkpoints/<input base name>-<first
// 12 hex digits of the SHA-256 of its absolute path>.json: one checkpoint
// per input file, whatever the working directory.
func DefaultCheckpointPath(stateDir, input string) string {
	abs, err := filepath.Abs(input)
	if err != nil {
		abs = input
	}
	sum := sha256.Sum256([]byte(abs))
	base := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, filepath.Base(input))
	return filepath.Join(stateDir, "checkpoints", base+"-"+hex.EncodeToString(sum[:6])+".json")
}

// readCheckpoint returns the checkpoint at path, or nil when there is none.
func readCheckpoint(path string) (*Checkpoint, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var c Checkpoint
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("checkpoint %s is not a checkpoint (%v); delete it to start over", path, err)
	}
	if c.Version != checkpointVersion {
		return nil, fmt.Errorf("checkpoint %s has version %d, this earshot writes %d; delete it to start over", path, c.Version, checkpointVersion)
	}
	if c.Position < 0 {
		return nil, fmt.Errorf("checkpoint %s: position %d is negative; delete it to start over", path, c.Position)
	}
	return &c, nil
}

// matches says why c is not a checkpoint of this input, or "".
func (c *Checkpoint) mismatch(format, options string, size int64, sha string) string {
	switch {
	case c.Format != format:
		return fmt.Sprintf("it was written for format %s, this replay reads %s", c.Format, format)
	case c.Options != options:
		return fmt.Sprintf("it was written with other settings (%s; now %s)", c.Options, options)
	case c.Size != size || c.SHA256 != sha:
		return fmt.Sprintf("it was written for another version of the input (%d bytes, sha256 %.12s…; now %d bytes, %.12s…)", c.Size, c.SHA256, size, sha)
	}
	return ""
}

// writeCheckpoint replaces path atomically.
func writeCheckpoint(path string, c *Checkpoint) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}
