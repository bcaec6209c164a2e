// Package proc supervises earshot's worker processes in the local
// all-in-one mode: each worker is a separate OS process with its own log
// file, stopped gracefully (SIGTERM, then SIGKILL after a grace period).
package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Child is one supervised worker process.
type Child struct {
	Name    string
	Path    string   // executable
	Args    []string // arguments after the executable
	Env     []string // extra KEY=VALUE pairs on top of os.Environ()
	LogPath string   // stdout and stderr go here
	// Stdout, when set, also receives the child's standard output.
	Stdout io.Writer

	cmd  *exec.Cmd
	done chan struct{}
	err  error
	log  *os.File
	once sync.Once
	// Set by Stop (inside once): it sent SIGTERM, it had to SIGKILL.
	termed, killed bool
}

// Start launches the process. Its output goes to LogPath.
func (c *Child) Start() error {
	if err := os.MkdirAll(filepath.Dir(c.LogPath), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(c.LogPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	c.log = f
	c.cmd = exec.Command(c.Path, c.Args...)
	c.cmd.Env = append(os.Environ(), c.Env...)
	c.cmd.Stderr = f
	c.cmd.Stdout = f
	if c.Stdout != nil {
		c.cmd.Stdout = io.MultiWriter(f, c.Stdout)
	}
	// Own process group: a Ctrl-C on the terminal reaches the supervisor,
	// which then stops the children in order (sink last, so it flushes).
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := c.cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", c.Name, err)
	}
	c.done = make(chan struct{})
	go func() {
		c.err = c.cmd.Wait()
		c.log.Close()
		close(c.done)
	}()
	return nil
}

// Done is closed when the process has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// Err is the exit error, valid after Done.
func (c *Child) Err() error { return c.err }

// Pid returns the process id.
func (c *Child) Pid() int { return c.cmd.Process.Pid }

// Wait waits for the process to exit by itself or ctx to end.
func (c *Child) Wait(ctx context.Context) error {
	select {
	case <-c.done:
		if c.err != nil {
			return fmt.Errorf("%s: %w (log: %s)", c.Name, c.err, c.LogPath)
		}
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Stop sends SIGTERM and waits up to grace for a clean exit, then kills.
// A process that already exited is not an error unless it failed; one
// that ends on Stop's SIGTERM (its default action) stopped as asked.
func (c *Child) Stop(grace time.Duration) error {
	if c.cmd == nil || c.done == nil {
		return nil
	}
	c.once.Do(func() {
		select {
		case <-c.done:
			return
		default:
		}
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		c.termed = true
		select {
		case <-c.done:
		case <-time.After(grace):
			_ = c.cmd.Process.Kill()
			c.killed = true
			<-c.done
		}
	})
	if c.err != nil {
		var sig syscall.Signal = -1
		var ee *exec.ExitError
		if errors.As(c.err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				sig = ws.Signal()
			}
		}
		switch {
		case c.killed && sig == syscall.SIGKILL:
			return fmt.Errorf("%s did not stop on SIGTERM and was killed after %s (log: %s)", c.Name, grace, c.LogPath)
		case c.termed && sig == syscall.SIGTERM:
			return nil
		}
		return fmt.Errorf("%s: %w (log: %s)", c.Name, c.err, c.LogPath)
	}
	return nil
}

// Kill sends SIGKILL (for fault tests) and waits for the exit.
func (c *Child) Kill() {
	if c.cmd == nil || c.done == nil {
		return
	}
	_ = c.cmd.Process.Kill()
	<-c.done
}

// Tail returns the last n bytes of the child's log, for error messages.
func (c *Child) Tail(n int64) string {
	f, err := os.Open(c.LogPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	n = max(n, 0)
	off := st.Size() - n
	if off < 0 {
		off = 0
	}
	b := make([]byte, st.Size()-off)
	_, _ = f.ReadAt(b, off)
	return string(b)
}
