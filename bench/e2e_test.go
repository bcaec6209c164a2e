package bench

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/earshot-dev/earshot/mention"
)

func TestE2EConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*E2EConfig)
		want   string
	}{
		{"defaults", func(*E2EConfig) {}, ""},
		{"rate", func(c *E2EConfig) { c.Rate = 0 }, "rate 0"},
		{"rate ignored by max", func(c *E2EConfig) { c.Rate, c.Max = 0, true }, ""},
		{"duration", func(c *E2EConfig) { c.Duration = time.Millisecond }, "duration"},
		{"range", func(c *E2EConfig) { c.Max, c.MinRate, c.MaxRate = true, 10, 10 }, "search range"},
		{"precision", func(c *E2EConfig) { c.Max, c.Precision = true, 1 }, "precision"},
		{"partitions", func(c *E2EConfig) { c.Partitions = 64 }, "partitions"},
		{"database", func(c *E2EConfig) { c.Database = "earshot" }, "must contain"},
		{"p99", func(c *E2EConfig) { c.MaxP99 = 0 }, "max p99"},
		{"warmup negative", func(c *E2EConfig) { c.Warmup = -time.Second }, "warmup"},
		{"warmup too long", func(c *E2EConfig) { c.Warmup = time.Hour }, "warmup"},
		{"warmup off", func(c *E2EConfig) { c.Warmup = 0 }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultE2EConfig()
			tc.change(&c)
			err := c.Validate()
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBenchRecords(t *testing.T) {
	t0 := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	base := []*mention.Mention{
		{V: 1, ID: "sim:a", Platform: "sim", NativeID: "a", ConversationID: "sim:a", CreatedAt: t0},
		{V: 1, ID: "sim:b", Platform: "sim", NativeID: "b", ConversationID: "sim:a", InReplyTo: "sim:a", CreatedAt: t0},
		{V: 1, ID: "sim:c", Platform: "sim", NativeID: "c", ConversationID: "sim:c", QuotedID: "x:outside", CreatedAt: t0},
	}
	got := BenchRecords(base, 7, 1000, t0)
	if len(got) != 7 {
		t.Fatalf("%d records, want 7", len(got))
	}
	for i, m := range got {
		if want := mention.QualifiedID("sim", pad(i)); m.ID != want || m.NativeID != pad(i) {
			t.Errorf("record %d: id %s native %s, want %s", i, m.ID, m.NativeID, want)
		}
		if want := t0.Add(time.Duration(i) * time.Millisecond); !m.CreatedAt.Equal(want) {
			t.Errorf("record %d: created_at %s, want %s (1/rate apart)", i, m.CreatedAt, want)
		}
	}
	// Record 4 is cycle 1's reply to cycle 1's record 3.
	if got[4].InReplyTo != "sim:0000000003" || got[4].ConversationID != "sim:0000000003" {
		t.Errorf("record 4 replies to %s in %s, want sim:0000000003 in sim:0000000003", got[4].InReplyTo, got[4].ConversationID)
	}
	if got[5].QuotedID != "x:outside" {
		t.Errorf("a reference outside the base changed: %s", got[5].QuotedID)
	}
	if base[1].ID != "sim:b" {
		t.Error("BenchRecords changed its input")
	}
}

func TestWarmupRecords(t *testing.T) {
	t0 := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC)
	base := []*mention.Mention{
		{V: 1, ID: "sim:a", Platform: "sim", NativeID: "a", ConversationID: "sim:a", CreatedAt: t0, IngestedAt: t0, Source: "simulate", Text: "@Tesco hi", Author: mention.Author{ID: "1", Handle: "ann"}},
		{V: 1, ID: "sim:b", Platform: "sim", NativeID: "b", ConversationID: "sim:a", InReplyTo: "sim:a", CreatedAt: t0, IngestedAt: t0, Source: "simulate", Text: "hello", Author: mention.Author{ID: "2", Handle: "Tesco"}},
	}
	const n = 5
	warm := WarmupRecords(base, n, 1000, t0)
	trial := BenchRecords(base, 1_000_000, 1000, t0)
	// Every warm-up id sorts after every id of a trial of up to a
	// million records (the poll's range ends at the trial's n), keeps the
	// simulator's platform (brand accounts are registered per platform)
	// and passes validation.
	last := trial[len(trial)-1].ID
	for i, m := range warm {
		if want := "sim:" + pad(9_000_000_000+i); m.ID != want || m.Platform != "sim" {
			t.Errorf("warm-up record %d: %s on %s, want %s on sim", i, m.ID, m.Platform, want)
		}
		if m.ID <= last {
			t.Errorf("warm-up id %s sorts within the trial's ids (last %s)", m.ID, last)
		}
		if err := m.Validate(); err != nil {
			t.Errorf("warm-up record %d: %v", i, err)
		}
	}
	// References stay within the warm-up: record 3 replies to record 2.
	if want := "sim:" + pad(9_000_000_002); warm[3].InReplyTo != want || warm[3].ConversationID != want {
		t.Errorf("warm-up record 3 replies to %s in %s, want %s", warm[3].InReplyTo, warm[3].ConversationID, want)
	}
}

// pad is record i's native id, written out independently of BenchNativeID.
func pad(i int) string { return fmt.Sprintf("%010d", i) }

func TestBenchNativeIDSortsAsNumbers(t *testing.T) {
	ids := []int{0, 7, 10, 99, 100, 12345, 999_999_999, 1_000_000_000, 9_999_999_999}
	for k := 1; k < len(ids); k++ {
		a, b := BenchNativeID(ids[k-1]), BenchNativeID(ids[k])
		if a >= b {
			t.Errorf("BenchNativeID(%d) = %q ≥ BenchNativeID(%d) = %q", ids[k-1], a, ids[k], b)
		}
		if n, err := strconv.Atoi(b); err != nil || n != ids[k] {
			t.Errorf("BenchNativeID(%d) = %q reads back as %d (%v)", ids[k], b, n, err)
		}
	}
	if got := BenchNativeID(42); got != "0000000042" {
		t.Errorf("BenchNativeID(42) = %q, want 0000000042", got)
	}
}

func TestThroughput(t *testing.T) {
	// 100 slots of 100 records, published at 1,000 records/s (one slot
	// every 100 ms, the last at 9.9 s).
	const slots, size = 100, 100
	t0 := time.Unix(1_800_000_000, 0)
	pub := func(s int) time.Duration { return time.Duration(s) * 100 * time.Millisecond }
	cases := []struct {
		name string
		// queryable returns when slot s became fully queryable; < 0 for
		// never.
		queryable func(s int) time.Duration
		want      float64 // records/s; 0 for "no estimate"
	}{
		{"keeps up at a steady 2 s latency", func(s int) time.Duration { return pub(s) + 2*time.Second }, 1000},
		{"keeps up at a steady 8 s latency", func(s int) time.Duration { return pub(s) + 8*time.Second }, 1000},
		{"falls behind: 600 records/s", func(s int) time.Duration {
			return time.Second + time.Duration(float64((s+1)*size)/600*float64(time.Second))
		}, 600},
		{"a stall made up for before the end", func(s int) time.Duration {
			if s >= 30 && s < 50 {
				return 7 * time.Second // slots of 3-5 s wait for a slow insert
			}
			return pub(s) + 2*time.Second
		}, 1000},
		{"lag left at the end counts", func(s int) time.Duration {
			if s >= 90 {
				return pub(s) + 7*time.Second // the last second waits 5 s more
			}
			return pub(s) + 2*time.Second
		}, float64(slots*size-size) / (9.9 + 7 - 2)},
		{"all at once: no estimate", func(int) time.Duration { return 3 * time.Second }, 0},
		{"nothing queryable: no estimate", func(int) time.Duration { return -1 }, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLatencyTracker(slots*size, 2000) // 2,000/s × 50 ms = slots of 100
			if l.size != size {
				t.Fatalf("slot size %d, want %d", l.size, size)
			}
			for s := range slots {
				if q := tc.queryable(s); q >= 0 {
					l.full[s] = t0.Add(q)
					l.stored += size
					if l.full[s].After(l.last) {
						l.last = l.full[s]
					}
				}
			}
			got := l.throughput()
			if tc.want == 0 {
				if got != 0 {
					t.Fatalf("throughput() = %.1f, want 0", got)
				}
				return
			}
			if math.Abs(got-tc.want) > 0.01*tc.want {
				t.Fatalf("throughput() = %.1f, want %.0f ± 1 %%", got, tc.want)
			}
		})
	}
}

func TestLatencyTracker(t *testing.T) {
	// 100 records at 200/s: slots of 10 records (50 ms of schedule).
	l := newLatencyTracker(100, 200)
	if l.size != 10 || len(l.published) != 10 {
		t.Fatalf("size %d, %d slots; want 10, 10", l.size, len(l.published))
	}
	t0 := time.Now()
	l.notePublished(55, t0) // slots 0..4 complete
	l.notePublished(100, t0.Add(time.Second))
	// Slots 0..4 queryable 200 ms after their publication, 5..9 after 2 s.
	counts := map[int64]int64{}
	for s := range int64(5) {
		counts[s] = 10
	}
	l.noteVisible(counts, t0.Add(200*time.Millisecond))
	if got := l.firstIncomplete(); got != 5 {
		t.Fatalf("first incomplete slot %d, want 5", got)
	}
	// The next poll reads only slots 5.. (complete slots are left out).
	counts = map[int64]int64{}
	for s := int64(5); s < 10; s++ {
		counts[s] = 10
	}
	l.noteVisible(counts, t0.Add(3*time.Second))
	if got := l.firstIncomplete(); got != 10 {
		t.Fatalf("first incomplete slot %d, want 10", got)
	}
	q := l.quantiles(0.5, 0.99, 1)
	if q[0] != 200*time.Millisecond || q[1] != 2*time.Second || q[2] != 2*time.Second {
		t.Fatalf("p50 %s p99 %s max %s; want 200ms 2s 2s", q[0], q[1], q[2])
	}
	if l.stored != 100 || l.maxLag != 100-50 {
		t.Fatalf("stored %d max lag %d; want 100, 50", l.stored, l.maxLag)
	}
	// A count seen again adds nothing.
	l.noteVisible(counts, t0.Add(9*time.Second))
	if q := l.quantiles(1); q[0] != 2*time.Second {
		t.Fatalf("max %s after a repeated poll, want 2s", q[0])
	}
	if _, ok := l.postedQuantiles(0.5); ok {
		t.Fatal("posted quantiles without a schedule")
	}
	if _, ok := l.postedQuantilesByPart(3, 0.5); ok {
		t.Fatal("posted quantiles by third without a schedule")
	}
	// The schedule made record 0 due 600 ms before t0 (it waited in
	// ingest's batch): slot s was due at t0 − 600 ms + s × 50 ms. Slots
	// 0..4 (queryable at t0 + 200 ms) waited 800, 750, 700, 650, 600 ms;
	// slots 5..9 (at t0 + 3 s) 3,350 … 3,150 ms. The 50th of the 100
	// records is the last of slot 0.
	l.setSchedule(t0.Add(-600 * time.Millisecond))
	pq, ok := l.postedQuantiles(0.5, 0.99, 1)
	if !ok {
		t.Fatal("no posted quantiles with a schedule")
	}
	if pq[0] != 800*time.Millisecond || pq[1] != 3350*time.Millisecond || pq[2] != 3350*time.Millisecond {
		t.Fatalf("posted p50 %s p99 %s max %s; want 800ms 3.35s 3.35s", pq[0], pq[1], pq[2])
	}
	// By thirds of the schedule's slots (0–3, 4–6, 7–9): the first third
	// waited 650–800 ms, the middle one 600, 3,300 and 3,350, the last
	// 3,150–3,250 — a latency that grew.
	parts, ok := l.postedQuantilesByPart(3, 0.5, 0.99)
	want := [][]time.Duration{{700 * time.Millisecond, 800 * time.Millisecond}, {3300 * time.Millisecond, 3350 * time.Millisecond}, {3200 * time.Millisecond, 3250 * time.Millisecond}}
	if !ok || !reflect.DeepEqual(parts, want) {
		t.Fatalf("by thirds %v (%v), want %v", parts, ok, want)
	}
	// The Kafka-to-queryable figures are unchanged by the schedule.
	if q := l.quantiles(0.5); q[0] != 200*time.Millisecond {
		t.Fatalf("Kafka p50 %s after setSchedule, want 200ms", q[0])
	}
}

func TestReadProc(t *testing.T) {
	s, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS <= 0 || s.Peak < s.RSS {
		t.Fatalf("rss %d peak %d", s.RSS, s.Peak)
	}
	busy := time.Now()
	for time.Since(busy) < 50*time.Millisecond {
	}
	s2, err := ReadProc(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s2.CPU < s.CPU {
		t.Fatalf("CPU went back: %s then %s", s.CPU, s2.CPU)
	}
	if u := Usage("self", s, s2); u.Cores < 0 || u.Peak < s.RSS {
		t.Fatalf("usage %+v", u)
	}
	if _, err := ReadProc(-1); err == nil {
		t.Fatal("ReadProc(-1) succeeded")
	}
}

func TestParseProcStat(t *testing.T) {
	tick := func(n int64) time.Duration { return time.Duration(n) * 10 * time.Millisecond }
	for _, tc := range []struct {
		name              string
		in                string
		busy, idle, steal time.Duration
		err               bool
	}{
		{"current kernel", "cpu  100 5 20 300 7 1 2 40 0 0\ncpu0 50 2 10 150 3 0 1 20 0 0\n", tick(128), tick(307), tick(40), false},
		{"no guest fields", "cpu 1 0 1 8 0 0 0 3\n", tick(2), tick(8), tick(3), false},
		{"before steal (7 counters)", "cpu 1 0 1 8 0 0 0\n", tick(2), tick(8), 0, false},
		{"per-CPU line first", "cpu0 1 0 1 8 0 0 0 3\n", 0, 0, 0, true},
		{"too few counters", "cpu 1 2 3\n", 0, 0, 0, true},
		{"not a number", "cpu 1 x 1 8 0 0 0 3\n", 0, 0, 0, true},
		{"negative", "cpu 1 -2 1 8 0 0 0 3\n", 0, 0, 0, true},
		{"empty", "", 0, 0, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseProcStat([]byte(tc.in))
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %t", err, tc.err)
			}
			if err == nil && (s.Busy != tc.busy || s.Idle != tc.idle || s.Steal != tc.steal) {
				t.Fatalf("busy %s idle %s steal %s, want %s %s %s", s.Busy, s.Idle, s.Steal, tc.busy, tc.idle, tc.steal)
			}
		})
	}
}

func TestMachineUse(t *testing.T) {
	t0 := time.Unix(1000, 0)
	from := MachineSample{At: t0, Busy: 10 * time.Second, Idle: 5 * time.Second, Steal: time.Second}
	to := MachineSample{At: t0.Add(10 * time.Second), Busy: 25 * time.Second, Idle: 7 * time.Second, Steal: 4 * time.Second}
	u := MachineUse(from, to)
	if !u.OK || u.Busy != 1.5 || u.Steal != 0.3 {
		t.Fatalf("%+v, want busy 1.5 steal 0.3 cores", u)
	}
	if u := MachineUse(to, from); u.OK {
		t.Fatalf("samples the wrong way round gave %+v", u)
	}
	if u := MachineUse(from, from); u.OK {
		t.Fatalf("no time between gave %+v", u)
	}
	if runtime.GOOS != "linux" {
		return
	}
	s, err := ReadMachine()
	if err != nil {
		t.Fatal(err)
	}
	if s.Busy+s.Idle <= 0 {
		t.Fatalf("this machine's /proc/stat: %+v", s)
	}
}
