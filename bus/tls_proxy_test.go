package bus_test

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/xdg-go/scram"
)

// secureBroker is a Kafka front for tests: a TLS listener that speaks the
// broker side of SASL (PLAIN and SCRAM-SHA-256/512, checked against its
// own credentials with the reference SCRAM server implementation) and,
// once a client has authenticated, relays its requests to a plaintext
// backend broker (the librdkafka mock cluster, which has neither TLS nor
// SASL). Like a real broker it refuses every other request before
// authentication and advertises the SASL APIs in ApiVersions. It rewrites
// the backend's port in Metadata and FindCoordinator answers to its own,
// so clients keep coming back through it.
type secureBroker struct {
	ln          net.Listener
	backend     string
	backendPort uint32
	port        uint32
	mechanism   string // "" = no SASL
	user, pass  string
	scramSrv    *scram.Server

	mu     sync.Mutex
	conns  []net.Conn
	authOK atomic.Int64 // successful authentications
	authKO atomic.Int64 // refused authentications
	relays atomic.Int64 // requests relayed after authentication
	wg     sync.WaitGroup
}

// Kafka API keys the front handles itself.
const (
	apiMetadata         = 3
	apiFindCoordinator  = 10
	apiSaslHandshake    = 17
	apiApiVersions      = 18
	apiSaslAuthenticate = 36

	errUnsupportedSASLMechanism = 33
	errSASLAuthenticationFailed = 58
)

func startSecureBroker(t *testing.T, backend string, tlsCfg *tls.Config, mechanism, user, pass string) *secureBroker {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsCfg)
	if err != nil {
		t.Fatal(err)
	}
	_, bp, _ := net.SplitHostPort(backend)
	bport, _ := strconv.Atoi(bp)
	s := &secureBroker{
		ln: ln, backend: backend, backendPort: uint32(bport), port: uint32(ln.Addr().(*net.TCPAddr).Port),
		mechanism: mechanism, user: user, pass: pass,
	}
	if hf := scramHash(mechanism); hf != nil {
		kf := scram.KeyFactors{Salt: "earshot-test-salt", Iters: 4096}
		client, err := hf.NewClient(user, pass, "")
		if err != nil {
			t.Fatal(err)
		}
		creds := client.GetStoredCredentials(kf)
		s.scramSrv, err = hf.NewServer(func(u string) (scram.StoredCredentials, error) {
			if u != user {
				return scram.StoredCredentials{}, fmt.Errorf("unknown user %q", u)
			}
			return creds, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func scramHash(mechanism string) scram.HashGeneratorFcn {
	switch mechanism {
	case "SCRAM-SHA-256":
		return scram.SHA256
	case "SCRAM-SHA-512":
		return scram.SHA512
	}
	return nil
}

func (s *secureBroker) addr() string { return s.ln.Addr().String() }

func (s *secureBroker) close() {
	s.ln.Close()
	s.mu.Lock()
	for _, c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *secureBroker) track(c net.Conn) {
	s.mu.Lock()
	s.conns = append(s.conns, c)
	s.mu.Unlock()
}

func (s *secureBroker) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.track(c)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = s.serve(c)
		}()
	}
}

// frame reads one size-prefixed Kafka frame.
func readFrame(r io.Reader) ([]byte, error) {
	var size int32
	if err := binary.Read(r, binary.BigEndian, &size); err != nil {
		return nil, err
	}
	if size < 0 || size > 64<<20 {
		return nil, fmt.Errorf("frame of %d bytes", size)
	}
	b := make([]byte, size)
	_, err := io.ReadFull(r, b)
	return b, err
}

func writeFrame(w io.Writer, b []byte) error {
	out := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(out, uint32(len(b)))
	copy(out[4:], b)
	_, err := w.Write(out)
	return err
}

// request is a parsed request header (v1: api key, version, correlation
// id, client id) and the body after it.
type request struct {
	key, version int16
	correlation  int32
	body         []byte
}

func parseRequest(b []byte) (request, error) {
	if len(b) < 10 {
		return request{}, errors.New("short request")
	}
	r := request{key: int16(binary.BigEndian.Uint16(b)), version: int16(binary.BigEndian.Uint16(b[2:])), correlation: int32(binary.BigEndian.Uint32(b[4:]))}
	n := int16(binary.BigEndian.Uint16(b[8:]))
	off := 10
	if n > 0 {
		off += int(n)
	}
	if off > len(b) {
		return request{}, errors.New("short client id")
	}
	r.body = b[off:]
	return r, nil
}

func (s *secureBroker) serve(c net.Conn) error {
	be, err := net.Dial("tcp", s.backend)
	if err != nil {
		return err
	}
	s.track(be)
	defer be.Close()
	authed := s.mechanism == ""
	var conv *scram.ServerConversation
	for {
		raw, err := readFrame(c)
		if err != nil {
			return err
		}
		req, err := parseRequest(raw)
		if err != nil {
			return err
		}
		switch {
		case req.key == apiSaslHandshake && !authed:
			mech, _ := readString(req.body)
			var resp bytes.Buffer
			writeInt32(&resp, req.correlation)
			if mech == s.mechanism {
				writeInt16(&resp, 0)
			} else {
				writeInt16(&resp, errUnsupportedSASLMechanism)
			}
			writeInt32(&resp, 1)
			writeString(&resp, s.mechanism)
			if err := writeFrame(c, resp.Bytes()); err != nil {
				return err
			}
			if s.scramSrv != nil {
				conv = s.scramSrv.NewConversation()
			}
			continue
		case req.key == apiSaslAuthenticate && !authed:
			if len(req.body) < 4 {
				return errors.New("short SaslAuthenticate")
			}
			n := binary.BigEndian.Uint32(req.body)
			if int(n) > len(req.body)-4 {
				return errors.New("short SaslAuthenticate bytes")
			}
			in := req.body[4 : 4+n]
			var out []byte
			var failed string
			if conv == nil { // PLAIN: authzid NUL user NUL password
				parts := bytes.Split(in, []byte{0})
				if len(parts) == 3 && string(parts[1]) == s.user && string(parts[2]) == s.pass {
					authed = true
				} else {
					failed = "Authentication failed: Invalid username or password"
				}
			} else {
				resp, err := conv.Step(string(in))
				switch {
				case err != nil:
					failed = "Authentication failed during authentication due to invalid credentials with SASL mechanism " + s.mechanism
				case conv.Done() && conv.Valid():
					authed = true
				}
				out = []byte(resp)
			}
			if authed {
				s.authOK.Add(1)
			} else if failed != "" {
				s.authKO.Add(1)
			}
			var resp bytes.Buffer
			writeInt32(&resp, req.correlation)
			if failed != "" {
				writeInt16(&resp, errSASLAuthenticationFailed)
				writeString(&resp, failed)
			} else {
				writeInt16(&resp, 0)
				writeInt16(&resp, -1) // null error message
			}
			writeInt32(&resp, int32(len(out)))
			resp.Write(out)
			if req.version >= 1 {
				writeInt64(&resp, 0)
			}
			if err := writeFrame(c, resp.Bytes()); err != nil {
				return err
			}
			if failed != "" {
				return errors.New(failed)
			}
			continue
		case req.key == apiApiVersions:
			// relayed below, then the SASL APIs are added
		case !authed:
			// A real broker closes the connection on any other request
			// before SASL authentication completed.
			return fmt.Errorf("request %d before SASL authentication", req.key)
		default:
			s.relays.Add(1)
		}
		if err := writeFrame(be, raw); err != nil {
			return err
		}
		resp, err := readFrame(be)
		if err != nil {
			return err
		}
		switch req.key {
		case apiApiVersions:
			resp = addSASLApis(resp)
		case apiMetadata, apiFindCoordinator:
			resp = s.rewritePort(resp)
		}
		if err := writeFrame(c, resp); err != nil {
			return err
		}
	}
}

// addSASLApis adds SaslHandshake v0–1 and SaslAuthenticate v0–1 to an
// ApiVersions v0–2 answer: correlation id, error code, [key, min, max],
// (v1+) throttle time.
func addSASLApis(resp []byte) []byte {
	if len(resp) < 10 {
		return resp
	}
	n := binary.BigEndian.Uint32(resp[6:])
	end := 10 + int(n)*6
	if end > len(resp) {
		return resp
	}
	var out bytes.Buffer
	out.Write(resp[:6])
	writeInt32(&out, int32(n+2))
	out.Write(resp[10:end])
	for _, k := range []int16{apiSaslHandshake, apiSaslAuthenticate} {
		writeInt16(&out, k)
		writeInt16(&out, 0)
		writeInt16(&out, 1)
	}
	out.Write(resp[end:])
	return out.Bytes()
}

// rewritePort replaces the backend's port after its host name with ours.
func (s *secureBroker) rewritePort(resp []byte) []byte {
	var from, to [4]byte
	binary.BigEndian.PutUint32(from[:], s.backendPort)
	binary.BigEndian.PutUint32(to[:], s.port)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		resp = bytes.ReplaceAll(resp, append([]byte(host), from[:]...), append([]byte(host), to[:]...))
	}
	return resp
}

func readString(b []byte) (string, []byte) {
	if len(b) < 2 {
		return "", nil
	}
	n := int(int16(binary.BigEndian.Uint16(b)))
	if n < 0 || 2+n > len(b) {
		return "", nil
	}
	return string(b[2 : 2+n]), b[2+n:]
}

func writeInt16(w *bytes.Buffer, v int16) { _ = binary.Write(w, binary.BigEndian, v) }
func writeInt32(w *bytes.Buffer, v int32) { _ = binary.Write(w, binary.BigEndian, v) }
func writeInt64(w *bytes.Buffer, v int64) { _ = binary.Write(w, binary.BigEndian, v) }
func writeString(w *bytes.Buffer, s string) {
	writeInt16(w, int16(len(s)))
	w.WriteString(s)
}
