// Package deploy_test checks earshot's deployment files offline: the
// Docker Compose file with docker-compose config, every YAML file with
// yamllint, the Kubernetes manifests by strict decoding into the
// k8s.io/api types, and the cross-references between them — one image,
// commands and flags that exist in the binary, configuration that loads
// with earshot's own loader, secrets only from files or the environment.
package deploy_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	k8syaml "sigs.k8s.io/yaml"

	"github.com/earshot-dev/earshot/config"
	"github.com/earshot-dev/earshot/detect"
	httpingest "github.com/earshot-dev/earshot/ingest/http"
	"github.com/earshot-dev/earshot/internal/testenv"
	"github.com/earshot-dev/earshot/internal/tlsconf/tlstest"
	chsink "github.com/earshot-dev/earshot/sink/clickhouse"
)

// earshotImage is the one image every deployment runs.
const earshotImage = "ghcr.io/earshot-dev/earshot:main"

// tool returns the path of an external program, skipping the test when it
// is missing — except in CI, where its absence is a failure.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (scripts/install-deps.sh installs it)", name)
		}
		t.Skipf("%s is not installed (scripts/install-deps.sh installs it)", name)
	}
	return p
}

func root(t *testing.T) string {
	t.Helper()
	return testenv.RepoRoot(t)
}

func TestYamllint(t *testing.T) {
	yl := tool(t, "yamllint")
	r := root(t)
	cmd := exec.Command(yl, "-s", "-c", "deploy/.yamllint", "deploy/compose", "deploy/k8s")
	cmd.Dir = r
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("yamllint: %v\n%s", err, out)
	}
}

// --- the command-line interface of the binary -------------------------

type cliCommand struct {
	flags map[string]bool
	subs  map[string]*cliCommand
}

var (
	cliOnce sync.Once
	cliRoot *cliCommand
	cliErr  error
)

var (
	cmdLineRe  = regexp.MustCompile(`^  ([a-z][a-z0-9-]*)\s{2,}`)
	flagLineRe = regexp.MustCompile(`^\s+(?:-[A-Za-z], )?--([a-z0-9][a-z0-9-]*)`)
)

// cli builds the binary (or takes $EARSHOT_TEST_BIN, a binary built
// beforehand) and reads its command tree from --help.
func cli(t *testing.T) *cliCommand {
	t.Helper()
	cliOnce.Do(func() {
		if bin := os.Getenv("EARSHOT_TEST_BIN"); bin != "" {
			cliRoot, cliErr = readHelp(bin, nil, 0)
			return
		}
		dir, err := os.MkdirTemp("", "earshot-deploy-test")
		if err != nil {
			cliErr = err
			return
		}
		bin := filepath.Join(dir, "earshot")
		build := exec.Command("go", "build", "-o", bin, "./cmd/earshot")
		build.Dir = root(t)
		if out, err := build.CombinedOutput(); err != nil {
			cliErr = errors.New("go build: " + err.Error() + "\n" + string(out))
			return
		}
		cliRoot, cliErr = readHelp(bin, nil, 0)
		os.RemoveAll(dir)
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliRoot
}

func readHelp(bin string, path []string, depth int) (*cliCommand, error) {
	out, err := exec.Command(bin, append(append([]string{}, path...), "--help")...).CombinedOutput()
	if err != nil {
		return nil, errors.New(strings.Join(path, " ") + " --help: " + err.Error() + "\n" + string(out))
	}
	c := &cliCommand{flags: map[string]bool{"help": true}, subs: map[string]*cliCommand{}}
	section := ""
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasSuffix(line, ":") && !strings.HasPrefix(line, " "):
			section = line
			continue
		case section == "Available Commands:":
			if m := cmdLineRe.FindStringSubmatch(line); m != nil && m[1] != "help" && m[1] != "completion" && depth < 4 {
				sub, err := readHelp(bin, append(append([]string{}, path...), m[1]), depth+1)
				if err != nil {
					return nil, err
				}
				c.subs[m[1]] = sub
			}
		case section == "Flags:" || section == "Global Flags:":
			if m := flagLineRe.FindStringSubmatch(line); m != nil {
				c.flags[m[1]] = true
			}
		}
	}
	return c, nil
}

// checkArgs says whether args (after the binary) name an existing command
// and only flags it has.
func checkArgs(t *testing.T, where string, args []string) {
	t.Helper()
	c := cli(t)
	i := 0
	for ; i < len(args); i++ {
		sub, ok := c.subs[args[i]]
		if !ok {
			break
		}
		c = sub
	}
	if i == 0 {
		t.Errorf("%s: %q is not an earshot command", where, args)
		return
	}
	for _, a := range args[i:] {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !c.flags[name] {
			t.Errorf("%s: earshot %s has no flag --%s", where, strings.Join(args[:i], " "), name)
		}
	}
}

var secretFlagRe = regexp.MustCompile(`password|passwd|secret|token|credential|api-?key|slack`)

// TestNoSecretFlags: no command takes a secret as a flag value (ps shows
// command lines); a flag about a secret names a file or a variable.
func TestNoSecretFlags(t *testing.T) {
	var walk func(path string, c *cliCommand)
	n := 0
	walk = func(path string, c *cliCommand) {
		for f := range c.flags {
			n++
			if secretFlagRe.MatchString(f) && !strings.HasSuffix(f, "-file") && !strings.HasSuffix(f, "-env") {
				t.Errorf("earshot%s --%s takes a secret on the command line; read it from a file or the environment", path, f)
			}
		}
		for name, sub := range c.subs {
			walk(path+" "+name, sub)
		}
	}
	walk("", cli(t))
	if n < 50 {
		t.Fatalf("read only %d flags from --help: the parser is broken", n)
	}
}

// --- Docker ----------------------------------------------------------------

func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(root(t), "deploy", "docker", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	var healthcheck, entrypoint, cgo bool
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, line)
			users = nil // the USER that counts is the last stage's
		case "USER":
			users = append(users, f[1])
		case "HEALTHCHECK":
			healthcheck = true
		case "ENTRYPOINT":
			entrypoint = strings.Contains(line, `"/usr/local/bin/earshot"`)
		}
		if strings.Contains(line, "CGO_ENABLED=1") {
			cgo = true
		}
	}
	if len(froms) < 2 {
		t.Errorf("want a multi-stage build, got %d FROM lines", len(froms))
	}
	if len(users) == 0 || strings.HasPrefix(users[len(users)-1], "0") || strings.HasPrefix(users[len(users)-1], "root") {
		t.Errorf("the runtime stage must run as a non-root USER, got %v", users)
	}
	if !healthcheck || !strings.Contains(string(b), "http://127.0.0.1:9100/healthz") {
		t.Error("want a HEALTHCHECK on /healthz at the metrics port 9100")
	}
	if !entrypoint {
		t.Error(`want ENTRYPOINT ["/usr/local/bin/earshot"]`)
	}
	if !cgo {
		t.Error("the binary links the dev broker (cgo): the build must set CGO_ENABLED=1")
	}
}

// --- Docker Compose --------------------------------------------------------

type composeFile struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []any             `yaml:"volumes"`
		Healthcheck *struct {
			Test    []string `yaml:"test"`
			Disable bool     `yaml:"disable"`
		} `yaml:"healthcheck"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
}

func TestCompose(t *testing.T) {
	dc := tool(t, "docker-compose")
	dir := filepath.Join(root(t), "deploy", "compose")
	run := func(args ...string) []byte {
		cmd := exec.Command(dc, append([]string{"-f", "docker-compose.yml"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "EARSHOT_SECRETS_FILE=secrets.env.example")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("docker-compose %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	run("config", "-q")
	var cf composeFile
	if err := yaml.Unmarshal(run("config"), &cf); err != nil {
		t.Fatal(err)
	}
	want := []string{"kafka", "clickhouse", "migrate", "ingest-http", "enrich", "sink", "detect", "prometheus", "alertmanager", "grafana"}
	for _, name := range want {
		if _, ok := cf.Services[name]; !ok {
			t.Errorf("service %s is missing", name)
		}
	}
	for name, s := range cf.Services {
		if s.Healthcheck == nil || (s.Healthcheck.Disable && name != "migrate") || (!s.Healthcheck.Disable && len(s.Healthcheck.Test) == 0) {
			t.Errorf("service %s has no health check", name)
		}
		if strings.Contains(s.Image, "earshot") {
			if s.Image != earshotImage {
				t.Errorf("service %s runs %s, want %s", name, s.Image, earshotImage)
			}
			checkArgs(t, "compose service "+name, s.Command)
			if name != "migrate" && !slices.Contains(s.Healthcheck.Test, "http://127.0.0.1:9100/healthz") {
				t.Errorf("service %s: health check %v, want /healthz on 9100", name, s.Healthcheck.Test)
			}
			if name == "enrich" || name == "sink" || name == "detect" {
				if s.DependsOn["migrate"].Condition != "service_completed_successfully" {
					t.Errorf("service %s must wait for the migrations", name)
				}
			}
		}
		for _, v := range s.Volumes {
			src := ""
			switch v := v.(type) {
			case string:
				src, _, _ = strings.Cut(v, ":")
			case map[string]any:
				if v["type"] == "bind" {
					src, _ = v["source"].(string)
				}
			}
			if filepath.IsAbs(src) {
				if _, err := os.Stat(src); err != nil {
					t.Errorf("service %s mounts %s, which does not exist", name, src)
				}
			}
		}
	}
	if g := cf.Services["grafana"]; g.Environment["GF_INSTALL_PLUGINS"] != "grafana-clickhouse-datasource" || g.Environment["EARSHOT_GRAFANA_CLICKHOUSE_USER"] != "grafana" {
		t.Errorf("grafana: want the ClickHouse plugin and the read-only user, got %v", g.Environment)
	}
	// The read-only Grafana user of the compose ClickHouse.
	users, err := os.ReadFile(filepath.Join(dir, "clickhouse", "users.d", "earshot.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)<grafana>.*<profile>earshot_readonly</profile>`).Match(users) ||
		!regexp.MustCompile(`(?s)<earshot_readonly>\s*<readonly>1</readonly>`).Match(users) ||
		regexp.MustCompile(`<password>[^<]`).Match(users) {
		t.Error("users.d/earshot.xml: want user grafana with a readonly=1 profile and passwords only from the environment")
	}
	loadEarshotConfig(t, "deploy/compose/earshot.yaml", mustRead(t, filepath.Join(dir, "earshot.yaml")))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// --- earshot configuration files ------------------------------------------

var knownSections = []string{"kafka", "clickhouse", "log", "metrics_addr", "pprof", "registry", "ingest_http", "sink", "detect"}

// loadEarshotConfig loads an earshot.yaml shipped in deploy/ with the
// project's loader — strictly, every section it has — after creating the
// files it names under /etc/earshot (a CA, password files) in a temporary
// root, as the container's mounts would.
func loadEarshotConfig(t *testing.T, name string, data []byte) {
	t.Helper()
	for _, k := range []string{config.EnvKafkaBrokers, config.EnvClickHouseAddr, config.EnvClickHouseDatabase, config.EnvClickHouseUser,
		config.EnvClickHousePassword, config.EnvClickHousePasswordFile, config.EnvRegistry, config.EnvLogLevel, config.EnvMetricsAddr,
		"EARSHOT_KAFKA_SASL_USERNAME", "EARSHOT_KAFKA_SASL_PASSWORD", "EARSHOT_KAFKA_SASL_PASSWORD_FILE"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv(httpingest.DefaultTokensEnv, "test-token-0123456789")
	tmp := t.TempDir()
	ca := tlstest.NewCA(t, "deploy")
	for _, m := range regexp.MustCompile(`/etc/earshot/[A-Za-z0-9._/-]+`).FindAllString(string(data), -1) {
		p := filepath.Join(tmp, m)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		content := []byte("a-secret\n")
		if strings.HasSuffix(m, ".crt") || strings.HasSuffix(m, ".pem") {
			content = mustRead(t, ca.CertFile)
		}
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	data = bytes.ReplaceAll(data, []byte("/etc/earshot/"), []byte(tmp+"/etc/earshot/"))
	path := filepath.Join(tmp, "earshot.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for k := range top {
		if !slices.Contains(knownSections, k) {
			t.Errorf("%s: section %s is not one this test decodes (add it to knownSections with its type)", name, k)
		}
	}
	f, err := config.Load(path)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	common, err := f.Common()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := common.Validate(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if common.Kafka.SASL.Enabled() && common.Kafka.SASL.Password != "a-secret" {
		t.Errorf("%s: the Kafka SASL password was not read from its file", name)
	}
	if common.ClickHouse.PasswordFile != "" && common.ClickHouse.Password != "a-secret" {
		t.Errorf("%s: the ClickHouse password was not read from its file", name)
	}
	ih := httpingest.DefaultConfig()
	snk := chsink.DefaultConfig()
	det := detect.DefaultRunnerConfig()
	for section, v := range map[string]interface{ Validate() error }{"ingest_http": &ih, "sink": &snk, "detect": &det} {
		if err := f.Section(section, v); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := v.Validate(); err != nil {
			t.Errorf("%s: %s: %v", name, section, err)
		}
	}
}

// --- Kubernetes ------------------------------------------------------------

type k8sObject struct {
	file, kind, name string
	doc              []byte
}

func splitDocs(b []byte) [][]byte {
	var out [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		if strings.TrimSpace(regexp.MustCompile(`(?m)^#.*$`).ReplaceAllString(d, "")) != "" {
			out = append(out, []byte(d))
		}
	}
	return out
}

func TestKubernetesManifests(t *testing.T) {
	dir := filepath.Join(root(t), "deploy", "k8s")
	var kust struct {
		APIVersion string   `json:"apiVersion"`
		Kind       string   `json:"kind"`
		Namespace  string   `json:"namespace"`
		Resources  []string `json:"resources"`
		Images     []struct {
			Name, NewTag string
		} `json:"images"`
	}
	if err := k8syaml.UnmarshalStrict(mustRead(t, filepath.Join(dir, "kustomization.yaml")), &kust); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if len(kust.Images) != 1 || kust.Images[0].Name+":"+kust.Images[0].NewTag != earshotImage {
		t.Errorf("kustomization images %+v, want %s", kust.Images, earshotImage)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	for _, f := range files {
		base := filepath.Base(f)
		if base != "kustomization.yaml" && base != "secret.example.yaml" && !slices.Contains(kust.Resources, base) {
			t.Errorf("%s is not listed in kustomization.yaml", base)
		}
	}
	var (
		objs        []k8sObject
		deployments []appsv1.Deployment
		jobs        []batchv1.Job
		cronJobs    []batchv1.CronJob
		services    []corev1.Service
		pdbs        []policyv1.PodDisruptionBudget
		hpas        []autoscalingv2.HorizontalPodAutoscaler
		configMaps  []corev1.ConfigMap
		secret      corev1.Secret
		chiCluster  string
		chiUsers    map[string]any
		chiProfiles map[string]any
	)
	for _, file := range append(slices.Clone(kust.Resources), "secret.example.yaml") {
		for _, doc := range splitDocs(mustRead(t, filepath.Join(dir, file))) {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Metadata   struct {
					Name      string `json:"name"`
					Namespace string `json:"namespace"`
				} `json:"metadata"`
			}
			if err := k8syaml.Unmarshal(doc, &head); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if head.APIVersion == "" || head.Kind == "" || head.Metadata.Name == "" {
				t.Fatalf("%s: a document without apiVersion, kind or metadata.name", file)
			}
			if head.Kind != "Namespace" && head.Metadata.Namespace != kust.Namespace {
				t.Errorf("%s: %s/%s in namespace %q, want %q", file, head.Kind, head.Metadata.Name, head.Metadata.Namespace, kust.Namespace)
			}
			objs = append(objs, k8sObject{file, head.Kind, head.Metadata.Name, doc})
			strict := func(v any) {
				if err := k8syaml.UnmarshalStrict(doc, v); err != nil {
					t.Errorf("%s: %s %s: %v", file, head.Kind, head.Metadata.Name, err)
				}
			}
			switch head.APIVersion + " " + head.Kind {
			case "apps/v1 Deployment":
				var d appsv1.Deployment
				strict(&d)
				deployments = append(deployments, d)
			case "batch/v1 Job":
				var j batchv1.Job
				strict(&j)
				jobs = append(jobs, j)
			case "batch/v1 CronJob":
				var j batchv1.CronJob
				strict(&j)
				cronJobs = append(cronJobs, j)
			case "v1 Service":
				var s corev1.Service
				strict(&s)
				services = append(services, s)
			case "v1 ConfigMap":
				var c corev1.ConfigMap
				strict(&c)
				configMaps = append(configMaps, c)
			case "v1 Secret":
				strict(&secret)
			case "v1 Namespace":
				strict(&corev1.Namespace{})
			case "v1 ServiceAccount":
				strict(&corev1.ServiceAccount{})
			case "policy/v1 PodDisruptionBudget":
				var p policyv1.PodDisruptionBudget
				strict(&p)
				pdbs = append(pdbs, p)
			case "autoscaling/v2 HorizontalPodAutoscaler":
				var h autoscalingv2.HorizontalPodAutoscaler
				strict(&h)
				hpas = append(hpas, h)
			case "networking.k8s.io/v1 NetworkPolicy":
				strict(&networkingv1.NetworkPolicy{})
			case "clickhouse.altinity.com/v1 ClickHouseInstallation":
				// No Go types offline: check the parts earshot relies on.
				var chi struct {
					Spec struct {
						Configuration struct {
							Users    map[string]any `json:"users"`
							Profiles map[string]any `json:"profiles"`
							Clusters []struct {
								Name string `json:"name"`
							} `json:"clusters"`
						} `json:"configuration"`
					} `json:"spec"`
				}
				if err := k8syaml.Unmarshal(doc, &chi); err != nil {
					t.Fatal(err)
				}
				if len(chi.Spec.Configuration.Clusters) > 0 {
					chiCluster = chi.Spec.Configuration.Clusters[0].Name
				}
				chiUsers, chiProfiles = chi.Spec.Configuration.Users, chi.Spec.Configuration.Profiles
			case "clickhouse-keeper.altinity.com/v1 ClickHouseKeeperInstallation":
			default:
				t.Errorf("%s: unexpected %s %s", file, head.APIVersion, head.Kind)
			}
		}
	}
	if len(deployments) != 4 || len(jobs) != 1 || len(cronJobs) != 1 || len(configMaps) != 1 {
		t.Fatalf("want 4 Deployments, the migrations Job, the rollup CronJob and a ConfigMap; got %d, %d, %d, %d", len(deployments), len(jobs), len(cronJobs), len(configMaps))
	}

	// The configuration loads with earshot's loader, names the cluster of
	// the ClickHouseInstallation, and reads secrets the Secret has.
	cfgText := configMaps[0].Data["earshot.yaml"]
	loadEarshotConfig(t, "configmap.yaml earshot.yaml", []byte(cfgText))
	var cfg struct {
		ClickHouse struct {
			Cluster string `yaml:"cluster"`
		} `yaml:"clickhouse"`
	}
	if err := yaml.Unmarshal([]byte(cfgText), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ClickHouse.Cluster == "" || cfg.ClickHouse.Cluster != chiCluster {
		t.Errorf("clickhouse.cluster %q, ClickHouseInstallation cluster %q: they must agree", cfg.ClickHouse.Cluster, chiCluster)
	}
	for _, m := range regexp.MustCompile(`/etc/earshot/secrets/([A-Za-z0-9._-]+)`).FindAllStringSubmatch(cfgText, -1) {
		if _, ok := secret.StringData[m[1]]; !ok {
			t.Errorf("earshot.yaml reads secret key %s, which secret.example.yaml lacks", m[1])
		}
	}
	if chiUsers["grafana/profile"] != "readonly" || chiProfiles["readonly/readonly"] != float64(1) {
		t.Errorf("ClickHouseInstallation: want user grafana on a readonly=1 profile, got users %v profiles %v", chiUsers, chiProfiles)
	}

	pods := map[string]corev1.PodSpec{}
	labels := map[string]map[string]string{}
	for _, d := range deployments {
		pods["Deployment "+d.Name] = d.Spec.Template.Spec
		labels[d.Name] = d.Spec.Template.Labels
		if d.Spec.Replicas == nil {
			t.Errorf("Deployment %s: set replicas", d.Name)
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" ||
				c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("Deployment %s: want liveness on /healthz and readiness on /readyz", d.Name)
			}
		}
		hasPDB := false
		for _, p := range pdbs {
			if p.Spec.Selector != nil && p.Spec.Selector.MatchLabels["app.kubernetes.io/name"] == d.Spec.Template.Labels["app.kubernetes.io/name"] {
				hasPDB = true
			}
		}
		if !hasPDB && *d.Spec.Replicas > 1 {
			t.Errorf("Deployment %s runs %d replicas without a PodDisruptionBudget", d.Name, *d.Spec.Replicas)
		}
	}
	for _, j := range jobs {
		pods["Job "+j.Name] = j.Spec.Template.Spec
	}
	for _, j := range cronJobs {
		if j.Spec.ConcurrencyPolicy != batchv1.ForbidConcurrent {
			t.Errorf("CronJob %s: concurrencyPolicy %q, want Forbid (two rollups must not run at once)", j.Name, j.Spec.ConcurrencyPolicy)
		}
		pods["CronJob "+j.Name] = j.Spec.JobTemplate.Spec.Template.Spec
	}
	for where, pod := range pods {
		if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: set securityContext.runAsNonRoot", where)
		}
		vols := map[string]corev1.Volume{}
		for _, v := range pod.Volumes {
			vols[v.Name] = v
		}
		for _, c := range pod.Containers {
			if c.Image != earshotImage {
				t.Errorf("%s: image %s, want %s", where, c.Image, earshotImage)
			}
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s: want a read-only root, no privilege escalation and every capability dropped", where)
			}
			checkArgs(t, where, c.Args)
			for _, m := range c.VolumeMounts {
				if _, ok := vols[m.Name]; !ok {
					t.Errorf("%s: mounts volume %s, which the pod lacks", where, m.Name)
				}
			}
			for _, e := range c.Env {
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					if _, ok := secret.StringData[e.ValueFrom.SecretKeyRef.Key]; !ok {
						t.Errorf("%s: env %s reads secret key %s, which secret.example.yaml lacks", where, e.Name, e.ValueFrom.SecretKeyRef.Key)
					}
				}
				if secretFlagRe.MatchString(strings.ToLower(e.Name)) && e.Value != "" && !strings.HasSuffix(e.Name, "_FILE") {
					t.Errorf("%s: env %s holds a secret in the manifest; use a secretKeyRef", where, e.Name)
				}
			}
		}
		for _, v := range pod.Volumes {
			if v.ConfigMap != nil && v.ConfigMap.Name != configMaps[0].Name {
				t.Errorf("%s: volume %s uses ConfigMap %s, which does not exist", where, v.Name, v.ConfigMap.Name)
			}
		}
	}
	for _, s := range services {
		matched := false
		for _, l := range labels {
			ok := len(s.Spec.Selector) > 0
			for k, v := range s.Spec.Selector {
				ok = ok && l[k] == v
			}
			matched = matched || ok
		}
		if !matched {
			t.Errorf("Service %s selects no Deployment's pods", s.Name)
		}
	}
	for _, h := range hpas {
		if !slices.ContainsFunc(deployments, func(d appsv1.Deployment) bool { return d.Name == h.Spec.ScaleTargetRef.Name }) {
			t.Errorf("HPA %s scales %s, which does not exist", h.Name, h.Spec.ScaleTargetRef.Name)
		}
	}
	t.Logf("%d Kubernetes objects checked", len(objs))
}

// TestGrafanaUserIsReadOnly: the local stack's ClickHouse (users.xml from
// deploy/local) has a "grafana" user that can SELECT earshot's data and
// can neither INSERT, ALTER, drop nor change its readonly setting.
func TestGrafanaUserIsReadOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("needs ClickHouse")
	}
	ch := testenv.ClickHouse(t)
	admin := testenv.Conn(t, ch)
	ctx := t.Context()
	if err := admin.Exec(ctx, "CREATE TABLE "+ch.Database+".t (id String) ENGINE = MergeTree ORDER BY id"); err != nil {
		t.Fatal(err)
	}
	b, err := admin.PrepareBatch(ctx, "INSERT INTO "+ch.Database+".t (id)")
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Append("x:1"); err != nil {
		t.Fatal(err)
	}
	if err := b.Send(); err != nil {
		t.Fatal(err)
	}
	ro := ch
	ro.User, ro.Password = "grafana", ""
	conn := testenv.Conn(t, ro)
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM "+ch.Database+".t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("grafana SELECT = %d, %v; want 1", n, err)
	}
	for _, q := range []string{
		"INSERT INTO " + ch.Database + ".t (id) VALUES ('x:2')",
		"ALTER TABLE " + ch.Database + ".t ADD COLUMN extra String",
		"ALTER TABLE " + ch.Database + ".t DELETE WHERE 1",
		"DROP TABLE " + ch.Database + ".t",
		"CREATE TABLE " + ch.Database + ".u (id String) ENGINE = Memory",
		"SET readonly = 0",
	} {
		if err := conn.Exec(ctx, q); err == nil {
			t.Errorf("grafana could run %q: it must be read-only", q)
		} else if !strings.Contains(err.Error(), "readonly") && !strings.Contains(err.Error(), "Cannot") && !strings.Contains(err.Error(), "ACCESS_DENIED") {
			t.Logf("%s: refused with %v", q, err)
		}
	}
	if err := admin.QueryRow(ctx, "SELECT count() FROM "+ch.Database+".t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("after grafana's attempts: %d rows, %v; want 1", n, err)
	}
}
