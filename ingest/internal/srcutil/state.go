package srcutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadJSON decodes the state file at path into v. It returns false when
// the file does not exist.
func ReadJSON(path string, v any) (bool, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("state: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("state file %s is damaged (%v); delete it to start over", path, err)
	}
	return true, nil
}

// WriteJSON replaces the state file at path atomically (a synced temporary
// file renamed over it).
func WriteJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("state: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	return nil
}

// Positions maps Publisher cursors to a source's own positions (a
// Jetstream time_us, a Mastodon status id) so that an acknowledged cursor
// can be turned into the position to persist.
type Positions[T any] struct {
	q []position[T]
}

type position[T any] struct {
	cursor int64
	v      T
}

// Add records that the record at cursor moved the source to v. Cursors
// must increase.
func (p *Positions[T]) Add(cursor int64, v T) { p.q = append(p.q, position[T]{cursor, v}) }

// Ack returns the last position at a cursor ≤ cursor and drops it and
// every earlier one; ok is false when there is none.
func (p *Positions[T]) Ack(cursor int64) (v T, ok bool) {
	n := 0
	for n < len(p.q) && p.q[n].cursor <= cursor {
		v, ok = p.q[n].v, true
		n++
	}
	clear(p.q[:n])
	p.q = p.q[n:]
	return v, ok
}

// Len is the number of positions not yet acknowledged.
func (p *Positions[T]) Len() int { return len(p.q) }
