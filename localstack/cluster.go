package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// ClusterConfig configures a local ClickHouse cluster: one ZooKeeper and
// Shards × Replicas ClickHouse servers on free loopback ports, each with
// its own directory under Dir, for storage's cluster mode
// (Replicated*MergeTree + Distributed tables created ON CLUSTER).
//
// The default is 1 shard × 2 replicas: stopping either server leaves every
// row readable and writable on the other, and queries see exactly what one
// server would (every JOIN earshot runs finds both sides on the shard).
// More shards spread the data; ClickHouse then refuses JOINs of two
// Distributed tables unless distributed_product_mode is set.
type ClusterConfig struct {
	// Dir holds cluster.json, zookeeper/ and clickhouse-s<S>-r<R>/.
	// Required, absolute.
	Dir string
	// Name is the cluster's name in <remote_servers> (clickhouse.cluster
	// in earshot's configuration); default "earshot".
	Name string
	// Shards and Replicas per shard; default 1 and 2.
	Shards, Replicas int
	// Install lets Start install missing Debian packages (clickhouse-server,
	// zookeeper; root on Debian only).
	Install bool
	// StartTimeout bounds each server's start-up; StopTimeout each graceful
	// stop before SIGKILL.
	StartTimeout, StopTimeout time.Duration
	// Log receives progress; default slog.Default().
	Log *slog.Logger
}

// DefaultClusterName is the cluster's name unless ClusterConfig.Name says
// otherwise.
const DefaultClusterName = "earshot"

func (c ClusterConfig) withDefaults() ClusterConfig {
	if c.Name == "" {
		c.Name = DefaultClusterName
	}
	if c.Shards == 0 {
		c.Shards = 1
	}
	if c.Replicas == 0 {
		c.Replicas = 2
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = 90 * time.Second
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	return c
}

// Validate names the first field that is wrong.
func (c ClusterConfig) Validate() error {
	if c.Dir == "" || !filepath.IsAbs(c.Dir) {
		return fmt.Errorf("cluster: Dir %q must be an absolute directory", c.Dir)
	}
	if !identRe.MatchString(c.Name) {
		return fmt.Errorf("cluster: Name %q is not a plain identifier", c.Name)
	}
	if c.Shards < 1 || c.Replicas < 1 || c.Shards*c.Replicas > 8 {
		return fmt.Errorf("cluster: %d shards × %d replicas; want ≥ 1 each and at most 8 servers on one machine", c.Shards, c.Replicas)
	}
	if c.StartTimeout < 0 || c.StopTimeout < 0 {
		return errors.New("cluster: StartTimeout and StopTimeout must be ≥ 0")
	}
	return nil
}

// clusterState is cluster.json: the ports (kept so that a restarted
// cluster keeps its addresses) and pids of the servers.
type clusterState struct {
	ZooKeeper struct {
		PID  int `json:"pid"`
		Port int `json:"port"`
	} `json:"zookeeper"`
	Nodes map[string]*clusterNodeState `json:"nodes"`
}

type clusterNodeState struct {
	PID         int `json:"pid"`
	TCP         int `json:"tcp"`
	HTTP        int `json:"http"`
	Interserver int `json:"interserver"`
}

// clusterXMLData is what cluster.xml.tmpl sees.
type clusterXMLData struct {
	Name          string
	Shards        [][]Replica
	ZooKeeperHost string
	ZooKeeperPort int
	Shard         string
	Replica       string
}

// Cluster is ZooKeeper plus Shards × Replicas ClickHouse servers. Start is
// idempotent (servers recorded in cluster.json that still run healthy are
// adopted), so one process can start a cluster and another stop it; the
// servers outlive the process that started them.
type Cluster struct {
	cfg   ClusterConfig
	zk    *ZooKeeper
	nodes [][]*ClickHouse // [shard][replica]
	mu    sync.Mutex
	state *clusterState
}

// NewCluster validates cfg and prepares (but does not start) the servers,
// reusing the ports recorded in Dir/cluster.json.
func NewCluster(cfg ClusterConfig) (*Cluster, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Cluster{cfg: cfg}
	if err := c.readState(); err != nil {
		return nil, err
	}
	return c, nil
}

// NodeName is the directory (and cluster.json key) of a server:
// clickhouse-s<shard>-r<replica>, both counted from 1.
func NodeName(shard, replica int) string {
	return fmt.Sprintf("clickhouse-s%d-r%d", shard, replica)
}

// Name is the cluster's name.
func (c *Cluster) Name() string { return c.cfg.Name }

// Dir is the cluster's directory.
func (c *Cluster) Dir() string { return c.cfg.Dir }

// ZooKeeper is the cluster's ZooKeeper (nil before Start).
func (c *Cluster) ZooKeeper() *ZooKeeper { return c.zk }

// Node is the server of shard s, replica r (both from 1; nil before
// Start). Tests stop and restart single replicas through it.
func (c *Cluster) Node(s, r int) *ClickHouse {
	if s < 1 || s > len(c.nodes) || r < 1 || r > len(c.nodes[s-1]) {
		return nil
	}
	return c.nodes[s-1][r-1]
}

// Nodes lists the servers shard by shard.
func (c *Cluster) Nodes() []*ClickHouse {
	var out []*ClickHouse
	for _, sh := range c.nodes {
		out = append(out, sh...)
	}
	return out
}

// Addrs are the servers' native-protocol addresses, shard by shard.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, n := range c.Nodes() {
		out = append(out, n.Addr())
	}
	return out
}

// Env returns NAME=value pairs for earshot: EARSHOT_CLICKHOUSE_ADDR (the
// first server), EARSHOT_CLICKHOUSE_CLUSTER (the cluster's name) and
// EARSHOT_CLICKHOUSE_CLUSTER_ADDRS (every server, comma-separated).
func (c *Cluster) Env() []string {
	addrs := c.Addrs()
	if len(addrs) == 0 {
		return nil
	}
	return []string{
		"EARSHOT_CLICKHOUSE_ADDR=" + addrs[0],
		"EARSHOT_CLICKHOUSE_CLUSTER=" + c.cfg.Name,
		"EARSHOT_CLICKHOUSE_CLUSTER_ADDRS=" + strings.Join(addrs, ","),
	}
}

func (c *Cluster) statePath() string { return filepath.Join(c.cfg.Dir, "cluster.json") }

func (c *Cluster) readState() error {
	st := &clusterState{Nodes: map[string]*clusterNodeState{}}
	b, err := os.ReadFile(c.statePath())
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("cluster: read state: %w", err)
	default:
		if err := json.Unmarshal(b, st); err != nil {
			return fmt.Errorf("cluster: %s is corrupt (%v); stop the servers by hand and delete it", c.statePath(), err)
		}
		if st.Nodes == nil {
			st.Nodes = map[string]*clusterNodeState{}
		}
	}
	c.state = st
	return nil
}

func (c *Cluster) writeState() error {
	b, err := json.MarshalIndent(c.state, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(c.statePath(), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cluster: write state: %w", err)
	}
	return nil
}

// lock takes Dir/cluster.lock so that concurrent Starts and Stops of one
// cluster directory take turns.
func (c *Cluster) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(c.cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	path := filepath.Join(c.cfg.Dir, "cluster.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cluster: open lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("cluster: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("cluster: lock %s: %w", path, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// prepare builds the server objects: adopted when cluster.json records a
// running server with the same directory, else with the recorded ports
// when they are free, else with new free ports. It reports which servers
// were adopted.
func (c *Cluster) prepare() (map[string]bool, error) {
	adopted := map[string]bool{}
	zkRec := c.state.ZooKeeper
	zk, err := NewZooKeeper(ZooKeeperConfig{
		Dir: filepath.Join(c.cfg.Dir, "zookeeper"), Install: c.cfg.Install,
		StartTimeout: c.cfg.StartTimeout, StopTimeout: c.cfg.StopTimeout, Log: c.cfg.Log,
	})
	if err != nil {
		return nil, err
	}
	if zkRec.PID != 0 && zk.adopt(zkRec.PID, zkRec.Port) {
		adopted["zookeeper"] = true
	} else if zkRec.Port != 0 && portFree(zkRec.Port) {
		zk.cfg.Port = zkRec.Port
	}
	zkPort, err := zk.PickPort()
	if err != nil {
		return nil, err
	}
	zk.autoPort = false // the ClickHouse configurations name this port

	// Every server's ports first: each configuration lists all of them.
	type plan struct {
		name  string
		ports [3]int
		adopt int
	}
	plans := make([][]plan, c.cfg.Shards)
	for s := range c.cfg.Shards {
		for r := range c.cfg.Replicas {
			p := plan{name: NodeName(s+1, r+1)}
			if rec := c.state.Nodes[p.name]; rec != nil {
				p.ports = [3]int{rec.TCP, rec.HTTP, rec.Interserver}
				p.adopt = rec.PID
				if rec.PID == 0 || !pidAlive(rec.PID) {
					p.adopt = 0
					for _, port := range p.ports {
						if port == 0 || !portFree(port) {
							p.ports = [3]int{}
							break
						}
					}
				}
			}
			if p.ports[0] == 0 {
				ps, err := FreePorts(3)
				if err != nil {
					return nil, err
				}
				copy(p.ports[:], ps)
			}
			plans[s] = append(plans[s], p)
		}
	}
	shards := make([][]Replica, c.cfg.Shards)
	for s := range plans {
		for _, p := range plans[s] {
			shards[s] = append(shards[s], Replica{Host: "127.0.0.1", Port: p.ports[0]})
		}
	}
	nodes := make([][]*ClickHouse, c.cfg.Shards)
	for s := range plans {
		for r, p := range plans[s] {
			dir := filepath.Join(c.cfg.Dir, p.name)
			xml, err := render("cluster.xml.tmpl", clusterXMLData{
				Name: c.cfg.Name, Shards: shards, ZooKeeperHost: "127.0.0.1", ZooKeeperPort: zkPort,
				Shard: strconv.Itoa(s + 1), Replica: "r" + strconv.Itoa(r+1),
			})
			if err != nil {
				return nil, err
			}
			// ClickHouse merges config.d/*.xml beside its config.xml.
			if err := writeIfChanged(filepath.Join(dir, "config.d", "cluster.xml"), []byte(xml), 0o644); err != nil {
				return nil, fmt.Errorf("cluster: %s: write config.d/cluster.xml: %w", p.name, err)
			}
			ch, err := NewClickHouse(ClickHouseConfig{
				Dir: dir, Install: c.cfg.Install,
				TCPPort: p.ports[0], HTTPPort: p.ports[1], InterserverPort: p.ports[2],
				StartTimeout: c.cfg.StartTimeout, StopTimeout: c.cfg.StopTimeout, Log: c.cfg.Log,
			})
			if err != nil {
				return nil, err
			}
			if p.adopt != 0 && ch.adopt(p.adopt, p.ports[0], p.ports[1], p.ports[2]) {
				adopted[p.name] = true
			}
			nodes[s] = append(nodes[s], ch)
		}
	}
	c.zk, c.nodes = zk, nodes
	return adopted, nil
}

// Start starts ZooKeeper and every ClickHouse server that is not already
// running healthy (adopting those that are), waits until each server is
// healthy and connected to ZooKeeper, and records the servers in
// cluster.json. Calling it again is cheap and changes nothing.
func (c *Cluster) Start(ctx context.Context) error {
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.readState(); err != nil {
		return err
	}
	adopted, err := c.prepare()
	if err != nil {
		return err
	}
	start := time.Now()
	if err := c.upOne(ctx, "zookeeper", adopted["zookeeper"], c.zk.Healthy, c.zk.Stop, c.zk.Start); err != nil {
		return err
	}
	c.state.ZooKeeper.PID, c.state.ZooKeeper.Port = c.zk.PID(), c.zk.Port()
	if err := c.writeState(); err != nil {
		return err
	}
	// The ClickHouse servers start side by side: each takes seconds.
	var wg sync.WaitGroup
	errs := make([]error, len(c.Nodes()))
	i := 0
	for s, shard := range c.nodes {
		for r, ch := range shard {
			name := NodeName(s+1, r+1)
			wg.Add(1)
			go func(i int, name string, ch *ClickHouse) {
				defer wg.Done()
				if err := c.upOne(ctx, name, adopted[name], ch.Healthy, ch.Stop, ch.Start); err != nil {
					errs[i] = fmt.Errorf("cluster: %s: %w", name, err)
					return
				}
				errs[i] = waitZooKeeper(ctx, ch, c.cfg.StartTimeout)
			}(i, name, ch)
			i++
		}
	}
	wg.Wait()
	for s, shard := range c.nodes {
		for r, ch := range shard {
			t, h, in := ch.Ports()
			c.state.Nodes[NodeName(s+1, r+1)] = &clusterNodeState{PID: ch.PID(), TCP: t, HTTP: h, Interserver: in}
		}
	}
	if err := errors.Join(c.writeState(), errors.Join(errs...)); err != nil {
		return err
	}
	c.cfg.Log.Info("clickhouse cluster up", "cluster", c.cfg.Name, "shards", c.cfg.Shards, "replicas", c.cfg.Replicas,
		"zookeeper", c.zk.Addr(), "addrs", strings.Join(c.Addrs(), ","), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

func (c *Cluster) upOne(ctx context.Context, name string, adopted bool, healthy, stop, start func(context.Context) error) error {
	if adopted {
		hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := healthy(hctx)
		cancel()
		if err == nil {
			c.cfg.Log.Info("server already running", "server", name)
			return nil
		}
		c.cfg.Log.Warn("recorded server is unhealthy; restarting it", "server", name, "err", err)
		if err := stop(ctx); err != nil {
			return err
		}
	}
	return start(ctx)
}

// waitZooKeeper waits until ch answers a query on system.zookeeper (it
// connects to ZooKeeper lazily, after it is healthy otherwise).
func waitZooKeeper(ctx context.Context, ch *ClickHouse, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for {
		if last = ZooKeeperReachable(ctx, ch.Addr()); last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("cluster: %s does not reach ZooKeeper: %w", ch.Addr(), last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ZooKeeperReachable runs a query on system.zookeeper on the ClickHouse
// server at addr: it fails unless the server is connected to ZooKeeper.
func ZooKeeperReachable(ctx context.Context, addr string) error {
	conn, err := dialNative(addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM system.zookeeper WHERE path = '/'").Scan(&n); err != nil {
		return fmt.Errorf("system.zookeeper on %s: %w", addr, err)
	}
	return nil
}

// Healthy checks ZooKeeper and every ClickHouse server, and that each
// server reaches ZooKeeper.
func (c *Cluster) Healthy(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.zk == nil {
		// Another process may have started it: adopt cluster.json.
		if err := c.readState(); err != nil {
			return err
		}
		if _, err := c.prepare(); err != nil {
			return err
		}
	}
	if err := c.zk.Healthy(ctx); err != nil {
		return err
	}
	for _, ch := range c.Nodes() {
		if err := ch.Healthy(ctx); err != nil {
			return fmt.Errorf("cluster: %s: %w", ch.Addr(), err)
		}
		if err := ZooKeeperReachable(ctx, ch.Addr()); err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
	}
	return nil
}

// Stop stops every ClickHouse server, then ZooKeeper, and clears their
// pids in cluster.json; data and ports stay for the next Start. Stopping
// a cluster that is not running is a no-op, also from another process
// (the servers recorded in cluster.json are adopted and stopped).
func (c *Cluster) Stop(ctx context.Context) error {
	unlock, err := c.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.zk == nil {
		if err := c.readState(); err != nil {
			return err
		}
		if _, err := c.prepare(); err != nil {
			return err
		}
	}
	var errs []error
	for s, shard := range c.nodes {
		for r, ch := range shard {
			if err := ch.Stop(ctx); err != nil {
				errs = append(errs, err)
				continue
			}
			if rec := c.state.Nodes[NodeName(s+1, r+1)]; rec != nil {
				rec.PID = 0
			}
		}
	}
	if err := c.zk.Stop(ctx); err != nil {
		errs = append(errs, err)
	} else {
		c.state.ZooKeeper.PID = 0
	}
	errs = append(errs, c.writeState())
	return errors.Join(errs...)
}

// String describes the cluster in one line.
func (c *Cluster) String() string {
	zk := ""
	if c.zk != nil {
		zk = c.zk.Addr()
	}
	return fmt.Sprintf("cluster %s (%d×%d) zookeeper=%s clickhouse=%s", c.cfg.Name, c.cfg.Shards, c.cfg.Replicas, zk,
		strings.Join(c.Addrs(), ","))
}

// dialNative opens a native-protocol connection to addr as user default.
func dialNative(addr string) (driver.Conn, error) {
	conn, err := clickhouse.Open(&clickhouse.Options{
		Addr:        []string{addr},
		Auth:        clickhouse.Auth{Database: "default", Username: "default"},
		DialTimeout: 2 * time.Second,
		ReadTimeout: 10 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("native connect %s: %w", addr, err)
	}
	return conn, nil
}
