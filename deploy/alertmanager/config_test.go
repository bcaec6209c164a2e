package amconfig_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

func amtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("amtool")
	if err != nil {
		t.Skip("amtool not installed (Debian package prometheus-alertmanager): configuration not checked")
	}
	return p
}

func TestCheckConfig(t *testing.T) {
	out, err := exec.Command(amtool(t), "check-config", "alertmanager.yml").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("SUCCESS")) {
		t.Fatalf("amtool check-config: %v\n%s", err, out)
	}
}

// Alerts reach the intended receivers.
func TestRoutes(t *testing.T) {
	tests := []struct {
		labels []string
		want   string
	}{
		{[]string{"alertname=EarshotCrisis", "severity=critical", "brand=o2"}, "crisis-oncall,care-slack"},
		{[]string{"alertname=EarshotCrisis", "severity=major", "brand=o2"}, "crisis-oncall,care-slack"},
		{[]string{"alertname=EarshotCrisis", "severity=minor", "brand=o2"}, "care-slack"},
		{[]string{"alertname=EarshotViralSpike", "severity=info", "brand=klm"}, "care-slack"},
		{[]string{"alertname=EarshotSinkStalled", "severity=critical", "team=platform"}, "platform"},
		{[]string{"alertname=Unknown"}, "platform"},
	}
	bin := amtool(t)
	for _, tc := range tests {
		args := append([]string{"config", "routes", "test", "--config.file=alertmanager.yml"}, tc.labels...)
		out, err := exec.Command(bin, args...).Output() // stderr may carry a warning about --alertmanager.url
		if err != nil {
			t.Fatalf("amtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tc.want {
			t.Errorf("%v → %q, want %q", tc.labels, got, tc.want)
		}
	}
}
