package proc_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/internal/proc"
)

// sh returns a child running script with /bin/sh, logging to a file in a
// fresh directory (one level down, to check that Start creates it).
func sh(tb testing.TB, name, script string) *proc.Child {
	tb.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		tb.Skip("no /bin/sh")
	}
	return &proc.Child{
		Name:    name,
		Path:    "/bin/sh",
		Args:    []string{"-c", script},
		LogPath: filepath.Join(tb.TempDir(), "logs", name+".log"),
	}
}

func start(tb testing.TB, c *proc.Child) {
	tb.Helper()
	if err := c.Start(); err != nil {
		tb.Fatalf("Start: %v", err)
	}
	// Never leave a process behind, whatever the test did.
	tb.Cleanup(c.Kill)
}

func ctxFor(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	tb.Cleanup(cancel)
	return ctx
}

func readLog(tb testing.TB, c *proc.Child) string {
	tb.Helper()
	b, err := os.ReadFile(c.LogPath)
	if err != nil {
		tb.Fatalf("read log: %v", err)
	}
	return string(b)
}

// waitForLog waits until the child's log contains s (the child is ready,
// e.g. its signal trap is installed).
func waitForLog(tb testing.TB, c *proc.Child, s string) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(c.Tail(4096), s) {
			return
		}
		select {
		case <-c.Done():
			tb.Fatalf("%s exited (%v) before logging %q; log:\n%s", c.Name, c.Err(), s, c.Tail(4096))
		case <-time.After(10 * time.Millisecond):
		}
	}
	tb.Fatalf("%s did not log %q within 10s; log:\n%s", c.Name, s, c.Tail(4096))
}

func TestOutputGoesToLog(t *testing.T) {
	t.Setenv("EARSHOT_PROC_PARENT", "inherited")
	c := sh(t, "worker", `echo "to stdout $1"; echo to stderr >&2; echo "env $EARSHOT_PROC_CHILD $EARSHOT_PROC_PARENT"`)
	c.Args = append(c.Args, "sh", "arg1")
	c.Env = []string{"EARSHOT_PROC_CHILD=extra"}
	start(t, c)
	if c.Pid() <= 0 {
		t.Fatalf("Pid() = %d", c.Pid())
	}
	if err := c.Wait(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Done not closed after Wait returned")
	}
	if c.Err() != nil {
		t.Fatalf("Err() = %v", c.Err())
	}
	got := readLog(t, c)
	want := "to stdout arg1\nto stderr\nenv extra inherited\n"
	if got != want {
		t.Fatalf("log = %q, want %q", got, want)
	}
}

func TestStartTruncatesLog(t *testing.T) {
	c := sh(t, "again", "echo second run")
	if err := os.MkdirAll(filepath.Dir(c.LogPath), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(c.LogPath, []byte(strings.Repeat("old run\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	start(t, c)
	if err := c.Wait(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := readLog(t, c); got != "second run\n" {
		t.Fatalf("log = %q, want only the new run", got)
	}
}

func TestStdoutTee(t *testing.T) {
	var out bytes.Buffer
	c := sh(t, "tee", `i=0; while [ $i -lt 200 ]; do echo "line $i"; i=$((i+1)); done; echo oops >&2`)
	c.Stdout = &out
	start(t, c)
	if err := c.Wait(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	var want strings.Builder
	for i := 0; i < 200; i++ {
		want.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	// Stdout gets standard output only, all of it once Wait returned.
	if out.String() != want.String() {
		t.Fatalf("Stdout got %d bytes, want %d (standard output only)", out.Len(), want.Len())
	}
	// The log has both; standard error is written straight to the file
	// while standard output passes through the tee, so their relative
	// order is not kept: compare with the stderr line taken out.
	got := readLog(t, c)
	if n := strings.Count(got, "oops\n"); n != 1 {
		t.Fatalf("log has the stderr line %d times, want once:\n%s", n, got)
	}
	if rest := strings.Replace(got, "oops\n", "", 1); rest != want.String() {
		t.Fatalf("log without the stderr line has %d bytes, want standard output (%d bytes)", len(rest), want.Len())
	}
}

func TestWaitExitError(t *testing.T) {
	c := sh(t, "failing", "echo cannot connect to kafka >&2; exit 3")
	start(t, c)
	err := c.Wait(ctxFor(t, 10*time.Second))
	if err == nil {
		t.Fatal("Wait on a failing process: nil error")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 {
		t.Fatalf("Wait error %v: want an *exec.ExitError with code 3", err)
	}
	for _, want := range []string{"failing", "exit status 3", c.LogPath} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Wait error %q does not contain %q", err, want)
		}
	}
	if !errors.As(c.Err(), &ee) {
		t.Fatalf("Err() = %v", c.Err())
	}
	if got := c.Tail(100); got != "cannot connect to kafka\n" {
		t.Fatalf("Tail = %q", got)
	}
	// Stop on a process that already failed reports the failure, at once.
	begin := time.Now()
	if err := c.Stop(time.Minute); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("Stop after a failed exit = %v, want the exit status", err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("Stop of an exited process took %s", d)
	}
}

func TestWaitContext(t *testing.T) {
	c := sh(t, "sleeper", "exec sleep 30")
	start(t, c)
	err := c.Wait(ctxFor(t, 100*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait with an expiring context = %v, want DeadlineExceeded", err)
	}
	select {
	case <-c.Done():
		t.Fatal("process ended when only the wait did")
	default:
	}
	if err := c.Stop(5 * time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

func TestOwnProcessGroup(t *testing.T) {
	c := sh(t, "group", "exec sleep 30")
	start(t, c)
	pgid, err := syscall.Getpgid(c.Pid())
	if err != nil {
		t.Fatal(err)
	}
	if pgid != c.Pid() {
		t.Fatalf("child's process group %d, want its own (%d): a terminal Ctrl-C would reach it", pgid, c.Pid())
	}
	if own := syscall.Getpgrp(); pgid == own {
		t.Fatalf("child shares the test's process group %d", own)
	}
	if err := c.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestStopTrapsTerm(t *testing.T) {
	c := sh(t, "graceful", `trap 'echo flushing; echo flushed; exit 0' TERM; echo ready; while :; do sleep 0.05; done`)
	start(t, c)
	waitForLog(t, c, "ready")
	begin := time.Now()
	if err := c.Stop(10 * time.Second); err != nil {
		t.Fatalf("Stop of a process that exits cleanly on TERM = %v", err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("Stop took %s: SIGTERM not delivered?", d)
	}
	if got := readLog(t, c); !strings.HasSuffix(got, "flushing\nflushed\n") {
		t.Fatalf("log %q: the TERM handler did not run to the end", got)
	}
	if c.Err() != nil {
		t.Fatalf("Err() = %v", c.Err())
	}
	// Stop again: same answer, no signal to a reused pid.
	if err := c.Stop(time.Second); err != nil {
		t.Fatalf("second Stop = %v", err)
	}
}

func TestStopTermFailsExit(t *testing.T) {
	c := sh(t, "unhappy", `trap 'echo lost data >&2; exit 4' TERM; echo ready; while :; do sleep 0.05; done`)
	start(t, c)
	waitForLog(t, c, "ready")
	err := c.Stop(10 * time.Second)
	if err == nil || !strings.Contains(err.Error(), "exit status 4") || !strings.Contains(err.Error(), c.LogPath) {
		t.Fatalf("Stop of a process that fails on TERM = %v, want exit status 4 and the log path", err)
	}
	if strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop = %q: it was not killed", err)
	}
}

// TestStopDefaultTerm: a process without a handler ends on SIGTERM, which
// is the stop Stop asked for, not a kill.
func TestStopDefaultTerm(t *testing.T) {
	c := sh(t, "plain", "exec sleep 30")
	start(t, c)
	begin := time.Now()
	if err := c.Stop(10 * time.Second); err != nil {
		t.Fatalf("Stop of a process ended by SIGTERM = %v, want nil", err)
	}
	if d := time.Since(begin); d > 5*time.Second {
		t.Fatalf("Stop took %s, want well under the grace period", d)
	}
	var ee *exec.ExitError
	if !errors.As(c.Err(), &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("Err() = %v, want termination by SIGTERM", c.Err())
	}
}

func TestStopKillsAfterGrace(t *testing.T) {
	c := sh(t, "stubborn", `trap '' TERM; echo ready; while :; do sleep 0.05; done`)
	start(t, c)
	waitForLog(t, c, "ready")
	const grace = 300 * time.Millisecond
	begin := time.Now()
	err := c.Stop(grace)
	took := time.Since(begin)
	if err == nil {
		t.Fatal("Stop of a process that ignores TERM: nil error")
	}
	for _, want := range []string{"stubborn", "killed after 300ms", c.LogPath} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Stop error %q does not contain %q", err, want)
		}
	}
	if took < grace || took > grace+5*time.Second {
		t.Errorf("Stop took %s, want about the grace period %s", took, grace)
	}
	var ee *exec.ExitError
	if !errors.As(c.Err(), &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("Err() = %v, want death by SIGKILL", c.Err())
	}
	// A second Stop reports the same and returns at once.
	begin = time.Now()
	if err2 := c.Stop(grace); err2 == nil || err2.Error() != err.Error() {
		t.Errorf("second Stop = %v, want %v", err2, err)
	}
	if d := time.Since(begin); d > time.Second {
		t.Errorf("second Stop took %s", d)
	}
}

func TestStopAfterCleanExit(t *testing.T) {
	c := sh(t, "oneshot", "echo done")
	start(t, c)
	if err := c.Wait(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(time.Second); err != nil {
		t.Fatalf("Stop after a clean exit = %v", err)
	}
}

// TestKillThenStop: Kill (fault tests) is not reported by Stop as Stop's
// own kill after a grace period.
func TestKillThenStop(t *testing.T) {
	c := sh(t, "victim", "exec sleep 30")
	start(t, c)
	c.Kill()
	select {
	case <-c.Done():
	default:
		t.Fatal("Kill returned before the process exited")
	}
	err := c.Stop(time.Second)
	if err == nil || !strings.Contains(err.Error(), "signal: killed") || strings.Contains(err.Error(), "after 1s") {
		t.Fatalf("Stop after Kill = %v, want the kill reported as the exit error", err)
	}
	c.Kill() // again: no-op, no hang
}

func TestNeverStarted(t *testing.T) {
	c := &proc.Child{Name: "idle", Path: "/bin/true", LogPath: filepath.Join(t.TempDir(), "idle.log")}
	done := make(chan error, 1)
	go func() { done <- c.Stop(time.Second) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Stop on a never-started child = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Stop on a never-started child blocked")
	}
	c.Kill() // no-op
	if got := c.Tail(10); got != "" {
		t.Fatalf("Tail without a log = %q", got)
	}
}

func TestStartErrors(t *testing.T) {
	t.Run("missing executable", func(t *testing.T) {
		c := &proc.Child{Name: "ghost", Path: filepath.Join(t.TempDir(), "no-such-binary"), LogPath: filepath.Join(t.TempDir(), "ghost.log")}
		err := c.Start()
		if err == nil {
			c.Kill()
			t.Fatal("Start of a missing executable: nil error")
		}
		if !strings.Contains(err.Error(), "start ghost") {
			t.Fatalf("Start error %q does not name the child", err)
		}
		if err := c.Stop(time.Second); err != nil {
			t.Fatalf("Stop after a failed Start = %v", err)
		}
	})
	t.Run("log path under a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		c := &proc.Child{Name: "nolog", Path: "/bin/true", LogPath: filepath.Join(file, "x.log")}
		if err := c.Start(); err == nil {
			c.Kill()
			t.Fatal("Start with an impossible log path: nil error")
		}
	})
}

func TestTail(t *testing.T) {
	c := sh(t, "tail", `printf 'abcdefghij'`)
	start(t, c)
	if err := c.Wait(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    int64
		want string
	}{
		{4, "ghij"},
		{1, "j"},
		{10, "abcdefghij"},
		{1000, "abcdefghij"},
		{0, ""},
		{-5, ""},
	}
	for _, tt := range tests {
		if got := c.Tail(tt.n); got != tt.want {
			t.Errorf("Tail(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestTailWhileRunning: Tail reads the log of a live process (what the
// demo prints when a worker misbehaves).
func TestTailWhileRunning(t *testing.T) {
	c := sh(t, "live", `i=0; while [ $i -lt 50 ]; do echo "event $i"; i=$((i+1)); done; echo ready; exec sleep 30`)
	start(t, c)
	waitForLog(t, c, "ready")
	if got := c.Tail(int64(len("event 49\nready\n"))); got != "event 49\nready\n" {
		t.Fatalf("Tail = %q", got)
	}
	if err := c.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
}
