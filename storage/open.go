package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EnvAddr is the environment variable that overrides Config.Addr (read by
// package config; named here so that errors can tell the operator).
const EnvAddr = "EARSHOT_CLICKHOUSE_ADDR"

// Open connects to ClickHouse over the native protocol and pings it. The
// connection uses the server's default database: earshot always qualifies
// table names with Config.Database, which may not exist yet (migrations
// create it). An unreachable server gives an error naming the address and
// EARSHOT_CLICKHOUSE_ADDR; a refused login names the user.
func Open(ctx context.Context, c Config) (driver.Conn, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	readTimeout := c.ReadTimeout
	if readTimeout <= 0 {
		readTimeout = DefaultConfig().ReadTimeout
	}
	tlsCfg, err := c.TLS.Client("clickhouse.tls")
	if err != nil {
		return nil, err
	}
	conn, err := clickhouse.Open(&clickhouse.Options{
		TLS:          tlsCfg, // nil: plain TCP
		Addr:         []string{c.Addr},
		Auth:         clickhouse.Auth{Username: c.User, Password: c.Password},
		DialTimeout:  c.DialTimeout,
		ReadTimeout:  readTimeout,
		MaxOpenConns: 8,
		MaxIdleConns: 4,
		// Loopback and LAN inserts are faster uncompressed (measured: LZ4
		// slows a loopback insert into 18.16); the server still compresses
		// on disk.
		Compression:     &clickhouse.Compression{Method: clickhouse.CompressionNone},
		ConnMaxLifetime: time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("clickhouse: %s: %w", c.Addr, err)
	}
	pctx, cancel := context.WithTimeout(ctx, c.DialTimeout)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		var ex *clickhouse.Exception
		if errors.As(err, &ex) {
			return nil, fmt.Errorf("clickhouse at %s refused user %q (clickhouse.user, clickhouse.password): %w", c.Addr, c.User, err)
		}
		return nil, fmt.Errorf("clickhouse: cannot reach %s over the native protocol (set clickhouse.addr or %s to host:port, e.g. 127.0.0.1:9000): %w", c.Addr, EnvAddr, err)
	}
	return conn, nil
}

// ErrorKind classifies a failed ClickHouse operation for retry decisions.
type ErrorKind string

// Error kinds.
const (
	// ErrorData: the server rejected the data itself (a bad value, a type
	// mismatch). Retrying the same rows fails again; find the bad row.
	ErrorData ErrorKind = "data"
	// ErrorSchema: a missing database, table or column, or a refused
	// login. Retrying helps once an operator fixes it (earshot migrate up).
	ErrorSchema ErrorKind = "schema"
	// ErrorTransient: everything else — network, timeouts, too many parts,
	// memory limits, a restarting server. Retry with back-off.
	ErrorTransient ErrorKind = "transient"
)

// Server exception codes that say the rows themselves are bad.
var dataCodes = map[int32]bool{
	6:   true, // CANNOT_PARSE_TEXT
	26:  true, // CANNOT_PARSE_QUOTED_STRING
	27:  true, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
	38:  true, // CANNOT_PARSE_DATE
	41:  true, // CANNOT_PARSE_DATETIME
	53:  true, // TYPE_MISMATCH
	69:  true, // ARGUMENT_OUT_OF_BOUND
	70:  true, // CANNOT_CONVERT_TYPE
	72:  true, // CANNOT_PARSE_NUMBER
	117: true, // INCORRECT_DATA
	131: true, // TOO_LARGE_STRING_SIZE
	190: true, // SIZES_OF_ARRAYS_DOESNT_MATCH
}

// Server exception codes that say the schema or the login is wrong.
var schemaCodes = map[int32]bool{
	10:  true, // NOT_FOUND_COLUMN_IN_BLOCK
	16:  true, // NO_SUCH_COLUMN_IN_TABLE
	47:  true, // UNKNOWN_IDENTIFIER
	60:  true, // UNKNOWN_TABLE
	81:  true, // UNKNOWN_DATABASE
	192: true, // UNKNOWN_USER
	193: true, // WRONG_PASSWORD
	497: true, // ACCESS_DENIED
	516: true, // AUTHENTICATION_FAILED
}

// Classify tells what kind of failure err is. Errors raised by the client
// before anything reached the server (a Go column that does not fit the
// table: *AppendError) are schema errors: the code and the table disagree,
// and no row is to blame.
func Classify(err error) ErrorKind {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		switch {
		case dataCodes[ex.Code]:
			return ErrorData
		case schemaCodes[ex.Code]:
			return ErrorSchema
		}
		return ErrorTransient
	}
	var ae *AppendError
	var op *clickhouse.OpError
	if errors.As(err, &ae) || errors.As(err, &op) || errors.Is(err, clickhouse.ErrBatchInvalid) {
		return ErrorSchema
	}
	return ErrorTransient
}
