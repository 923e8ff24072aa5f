package deploy

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"
)

// composeEnv stands for deploy/.env (see env.example).
var composeEnv = []string{
	"AGORA_ADMIN_KEY=" + strings.Repeat("a", 40),
	"AGORA_SERVICE_SECRET=" + strings.Repeat("s", 40),
	"POSTGRES_PASSWORD=pg-password",
	"REPLICATION_PASSWORD=replication-password",
	"GRAFANA_ADMIN_PASSWORD=grafana-password",
}

// loadCompose loads and validates compose.yaml as docker compose config does.
func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory("."), cli.WithEnv(env), cli.WithInterpolation(true),
		cli.WithConsistency(true), cli.WithResolvedPaths(true))
	if err != nil {
		t.Fatal(err)
	}
	return opts.LoadProject(context.Background())
}

func TestComposeLoads(t *testing.T) {
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"postgres-primary", "postgres-replica", "nats-1", "nats-2", "nats-3", "redis",
		"migrate", "agora-1", "agora-2", "agora-3", "gateway", "prometheus", "grafana"}
	got := p.ServiceNames()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}

	var serve []string
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", s.Name, v.Source, err)
				}
			}
		}
		if s.Build == nil {
			if s.HealthCheck == nil || len(s.HealthCheck.Test) == 0 {
				t.Errorf("%s has no health check", s.Name)
			}
			continue
		}
		// The services of the agora image.
		if s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s builds %s", s.Name, s.Build.Dockerfile)
		}
		if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: root file system not read-only or capabilities kept", s.Name)
		}
		if s.Name == "migrate" {
			if !slices.Equal(s.Command, types.ShellCommand{"migrate"}) || s.Restart != "no" {
				t.Errorf("migrate runs %q with restart %q", s.Command, s.Restart)
			}
			continue
		}
		hc := s.HealthCheck
		if hc == nil || !slices.Equal(hc.Test, types.HealthCheckTest{"CMD", "/agora", "healthcheck", "--url", "http://127.0.0.1:8080/readyz"}) {
			t.Errorf("%s: health check %v, want the binary's own on /readyz", s.Name, hc)
		}
		if d, ok := s.DependsOn["migrate"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s does not wait for the migration to complete: %+v", s.Name, s.DependsOn)
		}
		if len(s.Command) > 0 && s.Command[0] == "serve" {
			serve = append(serve, s.Name)
			checkServeEnv(t, s)
		}
	}
	if len(serve) != 3 {
		t.Fatalf("%d agora serve services, want 3", len(serve))
	}

	gw, _ := p.GetService("gateway")
	cmd := strings.Join(gw.Command, " ")
	for _, name := range serve {
		if !strings.Contains(cmd, "http://"+name+":8080") {
			t.Errorf("the gateway does not route to %s: %s", name, cmd)
		}
		if _, ok := gw.DependsOn[name]; !ok {
			t.Errorf("the gateway does not wait for %s", name)
		}
	}
	if len(gw.Ports) != 1 || gw.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("the gateway's ports: %+v, want one on the loopback address", gw.Ports)
	}
	for _, s := range p.Services {
		if s.Name != "gateway" && s.Name != "prometheus" && s.Name != "grafana" && len(s.Ports) > 0 {
			t.Errorf("%s publishes ports: only the gateway, Prometheus and Grafana do", s.Name)
		}
	}
	checkScrapeTargets(t, append(serve, "gateway"))
}

func checkServeEnv(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	env := func(k string) string {
		if v := s.Environment[k]; v != nil {
			return *v
		}
		return ""
	}
	for _, k := range []string{"AGORA_POSTGRES_URL", "AGORA_PG_REPLICA_URLS", "AGORA_NATS_URL", "AGORA_REDIS_URL", "AGORA_ADMIN_KEY", "AGORA_SERVICE_SECRET"} {
		if env(k) == "" {
			t.Errorf("%s: %s is not set", s.Name, k)
		}
	}
	if !strings.Contains(env("AGORA_POSTGRES_URL"), "@postgres-primary:") || !strings.Contains(env("AGORA_PG_REPLICA_URLS"), "@postgres-replica:") {
		t.Errorf("%s: the primary and the replica are not where they should be", s.Name)
	}
	for _, n := range []string{"nats-1", "nats-2", "nats-3"} {
		if !strings.Contains(env("AGORA_NATS_URL"), "nats://"+n+":4222") {
			t.Errorf("%s: AGORA_NATS_URL %q lacks %s", s.Name, env("AGORA_NATS_URL"), n)
		}
	}
}

// checkScrapeTargets checks that Prometheus scrapes every instance.
func checkScrapeTargets(t *testing.T, services []string) {
	t.Helper()
	var cfg struct {
		RuleFiles     []string `json:"rule_files"`
		ScrapeConfigs []struct {
			MetricsPath   string `json:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	b, err := os.ReadFile("prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, sc := range cfg.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			for _, tg := range st.Targets {
				targets = append(targets, tg+sc.MetricsPath)
			}
		}
	}
	for _, s := range services {
		if !slices.Contains(targets, s+":8080/metrics") {
			t.Errorf("Prometheus does not scrape %s (targets %v)", s, targets)
		}
	}
	if !slices.Contains(cfg.RuleFiles, "alerts.yaml") {
		t.Errorf("Prometheus does not load the alert rules: %v", cfg.RuleFiles)
	}
}

func TestComposeNeedsItsSecrets(t *testing.T) {
	for i, kv := range composeEnv {
		name, _, _ := strings.Cut(kv, "=")
		env := slices.Delete(slices.Clone(composeEnv), i, i+1)
		if _, err := loadCompose(t, env); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v, want an error naming it", name, err)
		}
	}
}

func TestGrafanaProvisioning(t *testing.T) {
	var dash struct {
		UID    string `json:"uid"`
		Title  string `json:"title"`
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
	if dash.UID == "" || len(dash.Panels) < 6 {
		t.Fatalf("dashboard %q: uid %q, %d panels", dash.Title, dash.UID, len(dash.Panels))
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q has an empty query", p.Title)
			}
		}
	}
	var prov struct {
		Providers []struct {
			Options struct {
				Path string `json:"path"`
			} `json:"options"`
		} `json:"providers"`
	}
	b, err = os.ReadFile(filepath.Join("grafana", "provisioning", "dashboards", "agora.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &prov); err != nil {
		t.Fatal(err)
	}
	p, err := loadCompose(t, composeEnv)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := p.GetService("grafana")
	mounted := false
	for _, v := range g.Volumes {
		mounted = mounted || strings.HasSuffix(v.Source, "grafana/agora.json") && len(prov.Providers) == 1 &&
			filepath.Dir(v.Target) == prov.Providers[0].Options.Path
	}
	if !mounted {
		t.Error("Grafana's dashboard provider does not read the mounted dashboard")
	}
}
