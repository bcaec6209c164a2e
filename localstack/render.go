package localstack

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"text/template"

	"github.com/earshot-dev/earshot/deploy/local"
)

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"xml":  xmlEscape,
	"yaml": yamlString,
}).ParseFS(local.Templates, "clickhouse/*.tmpl", "prometheus/*.tmpl", "alertmanager/*.tmpl"))

func xmlEscape(s string) (string, error) {
	var b bytes.Buffer
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "", err
	}
	return b.String(), nil
}

// yamlString quotes s as a JSON string, which is also a valid YAML
// double-quoted scalar.
func yamlString(s string) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// render executes the template name (for example "config.xml.tmpl") with
// data into a string.
func render(name string, data any) (string, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		return "", fmt.Errorf("localstack: render %s: %w", name, err)
	}
	return b.String(), nil
}

// writeFileAtomic writes data to path through a temporary file and a
// rename, so that a server rereading its configuration never sees half a
// file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Chmod(tmp, perm); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// writeIfChanged writes data unless path already holds exactly data (a
// config reloader then sees no change).
func writeIfChanged(path string, data []byte, perm os.FileMode) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return writeFileAtomic(path, data, perm)
}
