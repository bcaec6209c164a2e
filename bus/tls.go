package bus

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
)

// security builds the TLS configuration and the SASL mechanism of every
// connection to the brokers (both nil when off).
func (c Config) security() (*tls.Config, sasl.Mechanism, error) {
	t, err := c.TLS.Client("kafka.tls")
	if err != nil {
		return nil, nil, err
	}
	m, err := c.SASL.mechanism()
	if err != nil {
		return nil, nil, err
	}
	return t, m, nil
}

// failDial is a dial function that fails with err: a writer or reader
// built from a configuration whose TLS files or SASL credentials cannot
// be loaded reports the reason on every connection attempt (Validate
// reports it at start-up).
func failDial(err error) func(context.Context, string, string) (net.Conn, error) {
	return func(context.Context, string, string) (net.Conn, error) { return nil, err }
}

// Dialer returns the kafka-go dialer for readers and consumer groups:
// client id, dial timeout, and the TLS and SASL settings.
func (c Config) Dialer() *kafka.Dialer {
	d := &kafka.Dialer{ClientID: c.ClientID, Timeout: c.DialTimeout, DualStack: true}
	t, m, err := c.security()
	if err != nil {
		d.DialFunc = failDial(err)
		return d
	}
	d.TLS, d.SASLMechanism = t, m
	return d
}

// Transport returns a new kafka-go transport for writers and admin
// clients, with the same TLS and SASL settings as Dialer. Each call
// returns a transport of its own (its own connection pool and metadata
// cache).
func (c Config) Transport() *kafka.Transport {
	tr := &kafka.Transport{ClientID: c.ClientID, DialTimeout: c.DialTimeout}
	t, m, err := c.security()
	if err != nil {
		tr.Dial = failDial(err)
		return tr
	}
	tr.TLS, tr.SASL = t, m
	return tr
}

// Secured reports whether connections use TLS or SASL.
func (c Config) Secured() bool { return c.TLS.Enabled || c.SASL.Enabled() }

// handshake dials broker with the full security settings (TLS handshake
// and SASL authentication), asks for its API versions — with TLS 1.3 a
// server refuses a client certificate only after the client's side of
// the handshake completed, so only an answer proves it accepted us — and
// hangs up.
func (c Config) handshake(ctx context.Context, broker string) error {
	conn, err := c.Dialer().DialContext(ctx, "tcp", broker)
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	_, err = conn.ApiVersions()
	return err
}

// String shows the configuration without secrets.
func (c Config) String() string {
	return fmt.Sprintf("{brokers:%s client_id:%s tls:%t sasl:%s}", strings.Join(c.Brokers, ","), c.ClientID, c.TLS.Enabled, c.SASL)
}

// LogValue logs the connection settings without secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("brokers", strings.Join(c.Brokers, ",")),
		slog.String("client_id", c.ClientID),
		slog.Bool("tls", c.TLS.Enabled),
		slog.Any("sasl", c.SASL),
	)
}
