package httpingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"strings"
)

// tokenSet holds the SHA-256 of every accepted token. Comparing fixed-size
// digests with crypto/subtle over every token, without an early exit,
// makes the check take the same time whichever token (or none) matches,
// and whatever the presented token's length.
type tokenSet struct {
	names  []string
	hashes [][sha256.Size]byte
}

// loadTokens reads the tokens file ("token" or "name token" a line) and the
// env variable's value (tokens separated by commas).
func loadTokens(file, envName string) (*tokenSet, error) {
	ts := &tokenSet{}
	seen := map[[sha256.Size]byte]bool{}
	add := func(name, tok string) error {
		if len(tok) < 16 {
			return fmt.Errorf("token %q is %d characters; use at least 16 random characters (e.g. openssl rand -hex 24)", name, len(tok))
		}
		h := sha256.Sum256([]byte(tok))
		if seen[h] {
			return nil
		}
		seen[h] = true
		ts.names = append(ts.names, name)
		ts.hashes = append(ts.hashes, h)
		return nil
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("ingest_http.tokens_file: %w", err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		line := 0
		for sc.Scan() {
			line++
			s := strings.TrimSpace(sc.Text())
			if s == "" || strings.HasPrefix(s, "#") {
				continue
			}
			f := strings.Fields(s)
			name, tok := fmt.Sprintf("token%d", len(ts.names)+1), f[0]
			switch len(f) {
			case 1:
			case 2:
				name, tok = f[0], f[1]
			default:
				return nil, fmt.Errorf("ingest_http.tokens_file %s line %d: want \"token\" or \"name token\"", file, line)
			}
			if err := add(name, tok); err != nil {
				return nil, fmt.Errorf("ingest_http.tokens_file %s line %d: %w", file, line, err)
			}
		}
	}
	if envName != "" {
		for _, tok := range strings.Split(os.Getenv(envName), ",") {
			if tok = strings.TrimSpace(tok); tok == "" {
				continue
			}
			if err := add(fmt.Sprintf("env%d", len(ts.names)+1), tok); err != nil {
				return nil, fmt.Errorf("%s: %w", envName, err)
			}
		}
	}
	return ts, nil
}

// errNoToken and errBadToken are the two ways authentication fails.
var (
	errNoToken  = errors.New("missing bearer token")
	errBadToken = errors.New("invalid bearer token")
)

// check returns the name of the token in an "Authorization: Bearer …"
// header value.
func (ts *tokenSet) check(header string) (string, error) {
	const prefix = "bearer "
	if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
		return "", errNoToken
	}
	tok := strings.TrimSpace(header[len(prefix):])
	if tok == "" {
		return "", errNoToken
	}
	h := sha256.Sum256([]byte(tok))
	match := -1
	for i := range ts.hashes {
		eq := subtle.ConstantTimeCompare(h[:], ts.hashes[i][:])
		match = subtle.ConstantTimeSelect(eq, i, match)
	}
	if match < 0 {
		return "", errBadToken
	}
	return ts.names[match], nil
}
