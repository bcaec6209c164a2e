package srcutil

import (
	"fmt"
	"os"
	"strings"
)

// Secret reads a secret from the environment variable env, or else from
// file (trimmed). Secrets never come from command-line flags, which any
// user sees in ps. field names the configuration key in errors.
func Secret(field, env, file string) (string, error) {
	if env != "" {
		if v := strings.TrimSpace(os.Getenv(env)); v != "" {
			return v, nil
		}
	}
	if file == "" {
		return "", fmt.Errorf("%s: no secret: set the environment variable %s or %s_file to a file holding it", field, env, field)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_file: %w", field, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s_file: %s is empty", field, file)
	}
	return v, nil
}
