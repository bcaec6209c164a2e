package srcutil

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// Seen is a bounded set of platform ids a source has published, persisted
// to a journal file so that a restarted source does not publish an id
// again. It keeps the most recent Capacity ids (oldest evicted first).
//
// An id is first Marked (in memory, pending, with the Publisher cursor of
// its record) and becomes durable when the Publisher acknowledges that
// cursor (Ack): only ids Kafka confirmed are written to the journal, so a
// crash never loses a record by remembering it too early.
//
// The journal is one JSON string per line, appended on every Ack and
// rewritten (temporary file + rename) when it holds twice Capacity lines.
// A torn last line (a crash mid-append) is ignored on load.
type Seen struct {
	path     string
	capacity int

	mu        sync.Mutex
	ids       map[string]int64 // id → cursor; cursor < 0 once committed
	committed []string         // ring of committed ids, oldest first
	head      int              // index of the oldest committed id in the ring
	pending   []pendingID      // marked, not yet acknowledged, in cursor order
	journal   *os.File
	lines     int // lines in the journal file
}

type pendingID struct {
	id     string
	cursor int64
}

// committedCursor marks an id whose record Kafka acknowledged.
const committedCursor = -1

// OpenSeen loads the journal at path (created when missing; "" keeps the
// set in memory only) and keeps at most capacity ids.
func OpenSeen(path string, capacity int) (*Seen, error) {
	if capacity < 1 {
		return nil, fmt.Errorf("seen-set capacity %d, want ≥ 1", capacity)
	}
	s := &Seen{path: path, capacity: capacity, ids: make(map[string]int64, min(capacity, 1<<16))}
	if path == "" {
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("seen-set: %w", err)
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("seen-set: %w", err)
	default:
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			var id string
			if json.Unmarshal(sc.Bytes(), &id) != nil || id == "" {
				continue // a torn line from a crash mid-append
			}
			s.lines++
			s.commitLocked(id)
		}
		err := sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("seen-set %s: %w", path, err)
		}
	}
	if err := s.rewriteLocked(); err != nil {
		return nil, err
	}
	return s, nil
}

// Len is the number of ids held (committed and pending).
func (s *Seen) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ids)
}

// Has reports whether id was published (or is being published).
func (s *Seen) Has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ids[id]
	return ok
}

// Lookup returns the Publisher cursor of a pending id (pending = true), or
// says it is committed (pending = false), or that it is unknown (ok = false).
func (s *Seen) Lookup(id string) (cursor int64, pending, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.ids[id]
	if !ok {
		return 0, false, false
	}
	return c, c != committedCursor, true
}

// Mark records that id was handed to the Publisher at cursor. Cursors must
// increase from one Mark to the next.
func (s *Seen) Mark(id string, cursor int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ids[id]; ok {
		return
	}
	s.ids[id] = cursor
	s.pending = append(s.pending, pendingID{id: id, cursor: cursor})
}

// Forget drops a pending id whose record was not handed over after all.
func (s *Seen) Forget(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.ids[id]; ok && c != committedCursor {
		delete(s.ids, id)
		for i, p := range s.pending {
			if p.id == id {
				s.pending = append(s.pending[:i], s.pending[i+1:]...)
				break
			}
		}
	}
}

// Ack commits every pending id marked at a cursor ≤ cursor and appends them
// to the journal.
func (s *Seen) Ack(cursor int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.pending) && s.pending[n].cursor <= cursor {
		n++
	}
	if n == 0 {
		return nil
	}
	done := s.pending[:n]
	var buf []byte
	for _, p := range done {
		s.commitLocked(p.id)
		if s.path != "" {
			b, _ := json.Marshal(p.id)
			buf = append(append(buf, b...), '\n')
		}
	}
	clear(done)
	s.pending = s.pending[n:]
	if s.path == "" {
		return nil
	}
	if s.journal == nil {
		return fmt.Errorf("seen-set %s: closed", s.path)
	}
	if s.lines+n > 2*s.capacity {
		return s.rewriteLocked()
	}
	if _, err := s.journal.Write(buf); err != nil {
		return fmt.Errorf("seen-set %s: %w", s.path, err)
	}
	s.lines += n
	return nil
}

// commitLocked adds id to the committed ring, evicting the oldest.
func (s *Seen) commitLocked(id string) {
	if c, ok := s.ids[id]; ok && c == committedCursor {
		return
	}
	s.ids[id] = committedCursor
	if len(s.committed) < s.capacity {
		s.committed = append(s.committed, id)
		return
	}
	old := s.committed[s.head]
	if c, ok := s.ids[old]; ok && c == committedCursor {
		delete(s.ids, old)
	}
	s.committed[s.head] = id
	s.head = (s.head + 1) % s.capacity
}

// rewriteLocked replaces the journal with the committed ids, oldest first.
func (s *Seen) rewriteLocked() error {
	if s.path == "" {
		return nil
	}
	if s.journal != nil {
		s.journal.Close()
		s.journal = nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), filepath.Base(s.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("seen-set: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := bufio.NewWriterSize(tmp, 1<<20)
	n := len(s.committed)
	for i := range n {
		b, _ := json.Marshal(s.committed[(s.head+i)%n])
		w.Write(b)
		w.WriteByte('\n')
	}
	err = w.Flush()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.path)
	}
	if err != nil {
		return fmt.Errorf("seen-set %s: %w", s.path, err)
	}
	s.lines = n
	s.journal, err = os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("seen-set %s: %w", s.path, err)
	}
	return nil
}

// Close closes the journal. Pending ids are not written.
func (s *Seen) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.journal == nil {
		return nil
	}
	err := s.journal.Close()
	s.journal = nil
	return err
}
