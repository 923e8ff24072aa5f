package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	// A recording rule's name (level:metric:operations) is not an exported metric.
	recordingName = regexp.MustCompile(`[a-z_]+:[a-z0-9_]+:[a-z0-9_]+`)
	metricName    = regexp.MustCompile(`\bagora_[a-z0-9_]+`)
	registered    = regexp.MustCompile(`"(agora_[a-z0-9_]+)"`)
)

// exported returns the metric names Agora's Go code registers: every
// quoted "agora_…" string outside the tests.
func exported(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == filepath.Join("..", "deploy") || d.Name() == ".git" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range registered.FindAllSubmatch(b, -1) {
			names[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"agora_http_requests_total", "agora_outbox_pending", "agora_gateway_upstream_up"} {
		if !names[want] {
			t.Fatalf("%s is not among the registered metrics %v: is this the repository's deploy directory?", want, names)
		}
	}
	return names
}

// The alert rules, their tests and the dashboard query only metrics that
// Agora exports (a histogram's series end in _bucket, _count or _sum).
func TestMetricNamesExist(t *testing.T) {
	names := exported(t)
	for _, f := range []string{"prometheus/alerts.yaml", "prometheus/alerts_test.yaml", "grafana/agora.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := recordingName.ReplaceAllString(string(b), "")
		var unknown []string
		for _, m := range metricName.FindAllString(text, -1) {
			base := m
			for _, s := range []string{"_bucket", "_count", "_sum"} {
				if trimmed, ok := strings.CutSuffix(m, s); ok && names[trimmed] {
					base = trimmed
				}
			}
			if !names[base] && !slices.Contains(unknown, m) {
				unknown = append(unknown, m)
			}
		}
		if len(unknown) > 0 {
			t.Errorf("%s uses metrics Agora does not export: %v", f, unknown)
		}
	}
}

// Every query of the dashboard is valid PromQL: promtool checks them as
// recording rules (skipped without promtool on PATH).
func TestDashboardQueriesParse(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("no promtool on PATH")
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	b, err := os.ReadFile("grafana/agora.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			// Grafana's variables become the values they stand for.
			expr := strings.NewReplacer("$job", ".*", "$instance", ".*").Replace(tg.Expr)
			q, _ := json.Marshal(expr)
			fmt.Fprintf(&rules, "      - record: dashboard:query_%d:%s\n        expr: %s\n", n, "expr", q)
			n++
		}
	}
	if n == 0 {
		t.Fatal("the dashboard has no queries")
	}
	f := filepath.Join(t.TempDir(), "dashboard.yaml")
	if err := os.WriteFile(f, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "rules", f).CombinedOutput(); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
