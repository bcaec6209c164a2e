package storage

import (
	"fmt"
	"regexp"
	"strings"
	"text/template"
)

// Cluster mode (Config.Cluster set): every table that holds data is a
// Replicated*MergeTree created ON CLUSTER, and beside it sits a Distributed
// table that spreads inserts over the shards and reads all of them.
//
// ClusterNaming — the Distributed table keeps the name single-server mode
// gives the table, and the table that stores the data gets the suffix
// LocalSuffix:
//
//	mentions         Distributed(<cluster>, <db>, mentions_local, cityHash64(conversation_id))
//	mentions_local   ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/<db>/mentions', '{replica}', version)
//
// So every query earshot runs — the sink's inserts, the leaderboard, the
// dashboards, crisis detection, the rollups — reads and writes the same
// names on one server and on a cluster, unchanged. Materialized views read
// and write the _local tables on each server (a view fires on the replica
// that received the insert; the target, itself replicated, carries the
// result to the other replicas). Retention lists system.parts and so drops
// partitions of the _local tables, ON CLUSTER.
//
// Servers need the macros {shard} and {replica} (the replica name unique
// within its shard), <zookeeper>, <distributed_ddl> and the cluster in
// <remote_servers> with internal_replication=true (the Replicated tables
// copy the data; the Distributed table writes each block to one replica).
// localstack.Cluster writes such a configuration.
const (
	// LocalSuffix names the table that stores data on each server in
	// cluster mode.
	LocalSuffix = "_local"
	// ReplicaPathPrefix is the ZooKeeper path of a replicated table:
	// ReplicaPathPrefix/<db>/<table>. {shard} is the server's macro.
	ReplicaPathPrefix = "/clickhouse/tables/{shard}"
	// SchemaMigrationsPath is the ZooKeeper path of schema_migrations,
	// shared by every server of the cluster (one log of applied versions
	// whichever server the migrator talks to); its replica name is
	// '{shard}-{replica}'.
	SchemaMigrationsPath = "/clickhouse/tables/all/%s/schema_migrations"
)

var engineRe = regexp.MustCompile(`^([A-Za-z]*MergeTree)(?:\((.*)\))?$`)

// clusterFuncs are the migration templates' table functions for database
// db on cluster ("" for a single server).
func clusterFuncs(db, cluster string) template.FuncMap {
	on := cluster != ""
	check := func(fn, table string) error {
		if !identRe.MatchString(table) {
			return fmt.Errorf("%s: table %q is not a plain identifier", fn, table)
		}
		if strings.HasSuffix(table, LocalSuffix) {
			return fmt.Errorf("%s: give the table's own name, not %q (the %s suffix is added in cluster mode)", fn, table, LocalSuffix)
		}
		return nil
	}
	return template.FuncMap{
		"local": func(table string) (string, error) {
			if err := check("local", table); err != nil {
				return "", err
			}
			if on {
				return table + LocalSuffix, nil
			}
			return table, nil
		},
		"engine": func(table, engine string) (string, error) {
			if err := check("engine", table); err != nil {
				return "", err
			}
			m := engineRe.FindStringSubmatch(strings.TrimSpace(engine))
			if m == nil || strings.HasPrefix(m[1], "Replicated") {
				return "", fmt.Errorf("engine %q of %s: want a MergeTree-family engine such as ReplacingMergeTree(version), not Replicated (cluster mode adds that)", engine, table)
			}
			if !on {
				return engine, nil
			}
			args := fmt.Sprintf("'%s/%s/%s', '{replica}'", ReplicaPathPrefix, db, table)
			if a := strings.TrimSpace(m[2]); a != "" {
				args += ", " + a
			}
			return "Replicated" + m[1] + "(" + args + ")", nil
		},
		"distributed": func(table, shardingKey string) (string, error) {
			if err := check("distributed", table); err != nil {
				return "", err
			}
			if strings.TrimSpace(shardingKey) == "" || strings.ContainsAny(shardingKey, ";") {
				return "", fmt.Errorf("distributed %s: sharding key %q must be one expression", table, shardingKey)
			}
			if !on {
				return "", nil
			}
			return fmt.Sprintf("\n\nCREATE TABLE IF NOT EXISTS %[1]s.%[2]s ON CLUSTER %[3]s AS %[1]s.%[2]s%[4]s\nENGINE = Distributed(%[3]s, %[1]s, %[2]s%[4]s, %[5]s);",
				db, table, cluster, LocalSuffix, shardingKey), nil
		},
		"dropLocal": func(table string) (string, error) {
			if err := check("dropLocal", table); err != nil {
				return "", err
			}
			if !on {
				return "", nil
			}
			return fmt.Sprintf("\nDROP TABLE IF EXISTS %s.%s%s ON CLUSTER %s;", db, table, LocalSuffix, cluster), nil
		},
		"schemaMigrationsEngine": func() string {
			if !on {
				return "MergeTree"
			}
			return fmt.Sprintf("ReplicatedMergeTree('"+SchemaMigrationsPath+"', '{shard}-{replica}')", db)
		},
	}
}
