package localstack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is one server process started from a binary with its own
// configuration. It runs in its own process group, detached from the
// caller's terminal and stdio, so it outlives the process that started it;
// a later process can adopt it by pid (see adopt) and stop it.
type process struct {
	name    string // "clickhouse", "prometheus", "alertmanager"
	binary  string
	pkg     string // Debian package providing binary
	logPath string // stdout and stderr of the server
	marker  string // a string the server's command line must contain (its config path)
	log     *slog.Logger

	mu     sync.Mutex
	pid    int
	exited chan struct{} // closed when our own child exits; nil for an adopted process
	err    error         // exit status of our own child
}

// start launches binary with args. The caller renders the configuration
// first and waits for health afterwards.
func (p *process) start(args []string, dir string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pid != 0 && p.aliveLocked() {
		return fmt.Errorf("%s: already running as pid %d", p.name, p.pid)
	}
	if err := os.MkdirAll(filepath.Dir(p.logPath), 0o755); err != nil {
		return fmt.Errorf("%s: log dir: %w", p.name, err)
	}
	out, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("%s: open log: %w", p.name, err)
	}
	defer out.Close()
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return err
	}
	defer devnull.Close()
	fmt.Fprintf(out, "\n=== earshot: starting %s %s at %s\n", p.binary, strings.Join(args, " "), time.Now().UTC().Format(time.RFC3339))

	// Not exec.CommandContext: the server must survive the caller's context
	// and the caller itself. Files (not pipes) for stdio, so that nothing
	// (for example `go test`) waits for the server to close them.
	cmd := exec.Command(p.binary, args...)
	cmd.Dir = dir
	cmd.Stdin = devnull
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Env = serverEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start %s: %w", p.name, p.binary, err)
	}
	p.pid = cmd.Process.Pid
	exited := make(chan struct{})
	p.exited = exited
	p.err = nil
	go func() {
		err := cmd.Wait() // reap, so that the pid does not linger as a zombie
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(exited)
	}()
	p.log.Debug("server process started", "server", p.name, "pid", p.pid, "log", p.logPath)
	return nil
}

// serverEnv is the environment of a server: the caller's, minus variables
// that would make a server misbehave, with TZ fixed to UTC.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TZ=") || strings.HasPrefix(kv, "GODEBUG=") || strings.HasPrefix(kv, "GORACE=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "TZ=UTC")
}

// adopt takes over a process started earlier (maybe by another process)
// if pid is alive and is this server (its command line has the binary and
// the marker). It reports whether it did.
func (p *process) adopt(pid int) bool {
	if pid <= 0 || !pidAlive(pid) || !p.cmdlineMatches(pid) {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pid, p.exited, p.err = pid, nil, nil
	return true
}

func (p *process) cmdlineMatches(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	cmd := string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
	return strings.Contains(cmd, filepath.Base(p.binary)) && strings.Contains(cmd, p.marker)
}

// PID returns the server's pid, or 0 when it is not running.
func (p *process) PID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pid == 0 || !p.aliveLocked() {
		return 0
	}
	return p.pid
}

func (p *process) alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.pid != 0 && p.aliveLocked()
}

func (p *process) aliveLocked() bool {
	if p.exited != nil {
		select {
		case <-p.exited:
			return false
		default:
			return true
		}
	}
	return pidAlive(p.pid) && p.cmdlineMatches(p.pid)
}

// exitErr returns why our own child ended early, with the end of its log.
func (p *process) exitErr() error {
	p.mu.Lock()
	err := p.err
	p.mu.Unlock()
	msg := "exited"
	if err != nil {
		msg = err.Error()
	}
	return fmt.Errorf("%s exited during start-up (%s); end of %s:\n%s", p.name, msg, p.logPath, tail(p.logPath, 15))
}

// stop sends SIGTERM to the server's process group, waits up to timeout,
// then sends SIGKILL (at once when timeout ≤ 0). Stopping a stopped server
// is a no-op.
func (p *process) stop(ctx context.Context, timeout time.Duration) error {
	p.mu.Lock()
	pid, exited := p.pid, p.exited
	running := pid != 0 && p.aliveLocked()
	p.mu.Unlock()
	if !running {
		p.clear()
		return nil
	}
	gone := func() bool {
		if exited != nil {
			select {
			case <-exited:
				return true
			default:
				return false
			}
		}
		return !pidAlive(pid)
	}
	p.log.Debug("stopping server", "server", p.name, "pid", pid)
	killed := timeout <= 0
	if killed {
		signalGroup(pid, syscall.SIGKILL)
	} else {
		signalGroup(pid, syscall.SIGTERM)
	}
	deadline := time.NewTimer(max(timeout, 0))
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !gone() {
		select {
		case <-tick.C:
		case <-deadline.C:
			if !killed {
				p.log.Warn("server did not stop in time; killing it", "server", p.name, "pid", pid, "timeout", timeout)
				signalGroup(pid, syscall.SIGKILL)
				killed = true
			}
		case <-ctx.Done():
			if !killed {
				signalGroup(pid, syscall.SIGKILL)
			}
			return fmt.Errorf("%s: stop pid %d: %w", p.name, pid, ctx.Err())
		}
	}
	p.clear()
	return nil
}

func (p *process) clear() {
	p.mu.Lock()
	p.pid, p.exited = 0, nil
	p.mu.Unlock()
}

// signalGroup signals the process group led by pid (servers are started
// with Setpgid), falling back to the process alone.
func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); err != nil {
		_ = syscall.Kill(pid, sig)
	}
}

// pidAlive reports whether pid exists and is not a zombie.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// Format: pid (comm) state ...; comm may contain spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 >= len(b) {
		return false
	}
	state := b[i+2]
	return state != 'Z' && state != 'X'
}

// ownsListener reports whether process pid has a listening TCP socket on
// port. It tells our server apart from another program that happens to
// answer on the same port (a health check alone cannot).
func ownsListener(pid, port int) bool {
	inodes := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		for _, ino := range listeningInodes(f, port) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return false
	}
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(fdDir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		l, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil || !strings.HasPrefix(l, "socket:[") {
			continue
		}
		if inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] {
			return true
		}
	}
	return false
}

// listeningInodes returns the socket inodes listening on port in a
// /proc/net/tcp{,6} table.
func listeningInodes(path string, port int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	want := fmt.Sprintf(":%04X", port)
	var out []string
	s := bufio.NewScanner(f)
	s.Scan() // header
	for s.Scan() {
		fields := strings.Fields(s.Text())
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		if len(fields) < 10 || fields[3] != "0A" { // 0A = LISTEN
			continue
		}
		if strings.HasSuffix(fields[1], want) {
			out = append(out, fields[9])
		}
	}
	return out
}

// FreePorts returns n distinct TCP ports that were free on 127.0.0.1 a
// moment ago. Another program may take one before the server binds it;
// servers started with ports of their own choosing retry with new ones.
func FreePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("localstack: find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// portFree reports whether port can be bound on 127.0.0.1 now.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitHealthy polls check until it succeeds, the process exits, or ctx or
// timeout ends.
func (p *process) waitHealthy(ctx context.Context, timeout time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if !p.alive() {
			return p.exitErr()
		}
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Second)
		last = check(cctx)
		ccancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s not healthy after %s: %v; end of %s:\n%s", p.name, timeout, last, p.logPath, tail(p.logPath, 15))
			}
			return fmt.Errorf("%s: wait for health: %w (last check: %v)", p.name, ctx.Err(), last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
