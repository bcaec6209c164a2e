package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat
// (100 on every Linux architecture Go supports).
const clockTicks = 100

// ProcSample is one reading of a process's CPU time and memory from
// /proc/<pid>/stat and /proc/<pid>/status.
type ProcSample struct {
	At   time.Time
	CPU  time.Duration // user + system time so far
	RSS  int64         // resident set now, bytes (VmRSS)
	Peak int64         // peak resident set, bytes (VmHWM)
}

// ReadProc samples pid.
func ReadProc(pid int) (ProcSample, error) {
	s := ProcSample{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return s, fmt.Errorf("bench: /proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return s, fmt.Errorf("bench: /proc/%d/stat: %d fields", pid, len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return s, fmt.Errorf("bench: /proc/%d/stat: utime %q stime %q", pid, f[11], f[12])
	}
	s.CPU = time.Duration(ut+st) * time.Second / clockTicks
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			s.RSS = kb << 10
		} else {
			s.Peak = kb << 10
		}
	}
	return s, nil
}

// FindProcs returns the pids whose command name (/proc/<pid>/comm, at most
// 15 characters) starts with prefix.
func FindProcs(prefix string) []int {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil || !strings.HasPrefix(strings.TrimSpace(string(comm)), prefix) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(d)); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

// ProcUsage is a process's use over a window: CPU in cores (CPU time ÷
// wall time) and its peak resident set.
type ProcUsage struct {
	Name  string
	Cores float64
	Peak  int64
}

// Usage is the use between two samples of one process.
func Usage(name string, from, to ProcSample) ProcUsage {
	u := ProcUsage{Name: name, Peak: max(to.Peak, from.Peak, to.RSS)}
	if wall := to.At.Sub(from.At); wall > 0 {
		u.Cores = float64(to.CPU-from.CPU) / float64(wall)
	}
	return u
}

// MachineSample is one reading of the whole machine's CPU time, summed
// over its CPUs, from the "cpu" line of /proc/stat.
type MachineSample struct {
	At time.Time
	// Busy is user, nice, system, irq and softirq time (guest time is
	// inside user); Idle is idle and iowait time.
	Busy, Idle time.Duration
	// Steal is the time the hypervisor ran something else while this
	// machine's virtual CPUs wanted to run: CPU the machine was owed and
	// did not get.
	Steal time.Duration
}

// ReadMachine samples /proc/stat.
func ReadMachine() (MachineSample, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return MachineSample{}, err
	}
	s, err := ParseProcStat(b)
	s.At = time.Now()
	return s, err
}

// ParseProcStat reads the aggregate "cpu" line of a /proc/stat file
// (fields user nice system idle iowait irq softirq steal …, in USER_HZ;
// kernels before 2.6.11 have no steal field, which then reads 0).
func ParseProcStat(b []byte) (MachineSample, error) {
	var s MachineSample
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 8 || f[0] != "cpu" {
		return s, fmt.Errorf("bench: /proc/stat: first line %q is not the aggregate cpu line with ≥ 7 counters", line)
	}
	var v [8]int64
	for i := range v {
		if i+1 >= len(f) {
			break
		}
		n, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil || n < 0 {
			return s, fmt.Errorf("bench: /proc/stat: cpu field %d is %q, want a count of ticks", i+1, f[i+1])
		}
		v[i] = n
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	s.Busy = tick(v[0] + v[1] + v[2] + v[5] + v[6])
	s.Idle = tick(v[3] + v[4])
	s.Steal = tick(v[7])
	return s, nil
}

// MachineUsage is the machine's use over a window, in cores (CPU time ÷
// wall time): Busy is what every process and the kernel used, Steal what
// the hypervisor withheld. On a 2-core machine Busy + Idle + Steal ≈ 2;
// a trial with Steal > 0 ran on less than the whole machine.
type MachineUsage struct {
	Busy, Steal float64
	OK          bool
}

// MachineUse is the use between two samples.
func MachineUse(from, to MachineSample) MachineUsage {
	wall := to.At.Sub(from.At)
	if wall <= 0 || to.Busy < from.Busy || to.Steal < from.Steal {
		return MachineUsage{}
	}
	return MachineUsage{
		Busy:  float64(to.Busy-from.Busy) / float64(wall),
		Steal: float64(to.Steal-from.Steal) / float64(wall),
		OK:    true,
	}
}
