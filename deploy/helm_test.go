package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// The rendered chart: AGORA_HELM_RENDERED names a directory of `helm
// template` outputs, one file per values file (.ci/run renders the
// defaults and ci/full-values.yaml); without it the test renders them with
// the helm on PATH, or skips.
func renderings(t *testing.T) map[string][]byte {
	t.Helper()
	dir := os.Getenv("AGORA_HELM_RENDERED")
	if dir == "" {
		helm, err := exec.LookPath("helm")
		if err != nil {
			t.Skip("no AGORA_HELM_RENDERED and no helm on PATH")
		}
		dir = t.TempDir()
		for name, args := range map[string][]string{
			"default.yaml": nil,
			"full.yaml":    {"-f", "helm/agora/ci/full-values.yaml"},
		} {
			out, err := exec.Command(helm, append([]string{"template", "agora", "helm/agora", "--namespace", "shop"}, args...)...).Output()
			if err != nil {
				t.Fatalf("helm template %v: %v", args, err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), out, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rendered manifests in %s (%v)", dir, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// types are the kinds the chart may render, by apiVersion and kind.
var apiTypes = map[string]func() any{
	"apps/v1 Deployment":                     func() any { return &appsv1.Deployment{} },
	"v1 Service":                             func() any { return &corev1.Service{} },
	"v1 ServiceAccount":                      func() any { return &corev1.ServiceAccount{} },
	"autoscaling/v2 HorizontalPodAutoscaler": func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"policy/v1 PodDisruptionBudget":          func() any { return &policyv1.PodDisruptionBudget{} },
	"batch/v1 Job":                           func() any { return &batchv1.Job{} },
	"networking.k8s.io/v1 NetworkPolicy":     func() any { return &networkingv1.NetworkPolicy{} },
	"monitoring.coreos.com/v1 ServiceMonitor": func() any {
		return &monitoringv1.ServiceMonitor{}
	},
}

// decode strictly decodes one manifest into its API type: an unknown
// field, a duplicate key or a value of the wrong type is an error.
func decode(doc []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, err
	}
	newObj, ok := apiTypes[tm.APIVersion+" "+tm.Kind]
	if !ok {
		return nil, errors.New("unexpected kind " + tm.APIVersion + " " + tm.Kind)
	}
	obj := newObj()
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

func decodeAll(t *testing.T, name string, b []byte) []any {
	t.Helper()
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(b)))
	var objs []any
	for {
		doc, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		obj, err := decode(doc)
		if err != nil {
			t.Errorf("%s: %v in\n%s", name, err, doc)
			continue
		}
		objs = append(objs, obj)
	}
	return objs
}

func stripComments(doc []byte) []byte {
	var out []byte
	for _, l := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) {
			out = append(append(out, l...), '\n')
		}
	}
	return out
}

func TestStrictDecodingCatchesMistakes(t *testing.T) {
	for _, bad := range []string{
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicaz: 2\n",
		"apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: two\n",
		"apiVersion: v1\nkind: Service\nspec:\n  ports: [{port: 80, port: 81}]\n",
		"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  minReplicas: 1\n  metrics: [{type: Pods, pods: {metric: {name: x}, target: {type: AverageValue, averageValue: lots}}}]\n",
	} {
		if _, err := decode([]byte(bad)); err == nil {
			t.Errorf("decoded without error:\n%s", bad)
		}
	}
}

// rendering is one rendered chart's objects, by kind.
type rendering struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
	jobs        []*batchv1.Job
	policies    []*networkingv1.NetworkPolicy
	monitors    []*monitoringv1.ServiceMonitor
}

// pods are the pod templates of the Deployments and the Jobs, by name.
func (r *rendering) pods() map[string]corev1.PodTemplateSpec {
	out := map[string]corev1.PodTemplateSpec{}
	for _, d := range r.deployments {
		out[d.Name] = d.Spec.Template
	}
	for _, j := range r.jobs {
		out[j.Name] = j.Spec.Template
	}
	return out
}

func (r *rendering) podsMatching(sel labels.Selector) []string {
	var names []string
	for name, p := range r.pods() {
		if sel.Matches(labels.Set(p.Labels)) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func selector(t *testing.T, s *metav1.LabelSelector) labels.Selector {
	t.Helper()
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

func TestHelmChart(t *testing.T) {
	ops, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range renderings(t) {
		t.Run(name, func(t *testing.T) {
			var r rendering
			for _, o := range decodeAll(t, name, b) {
				switch o := o.(type) {
				case *appsv1.Deployment:
					r.deployments = append(r.deployments, o)
				case *corev1.Service:
					r.services = append(r.services, o)
				case *autoscalingv2.HorizontalPodAutoscaler:
					r.hpas = append(r.hpas, o)
				case *policyv1.PodDisruptionBudget:
					r.pdbs = append(r.pdbs, o)
				case *batchv1.Job:
					r.jobs = append(r.jobs, o)
				case *networkingv1.NetworkPolicy:
					r.policies = append(r.policies, o)
				case *monitoringv1.ServiceMonitor:
					r.monitors = append(r.monitors, o)
				}
			}
			checkPods(t, &r)
			checkModulesAndGateway(t, &r)
			checkScaling(t, &r, string(ops))
			checkMigration(t, &r)
			checkNetworkPolicies(t, &r)
			checkServiceMonitors(t, &r)
		})
	}
}

// secretEnv are the variables that must come from a Secret.
var secretEnv = []string{"AGORA_ADMIN_KEY", "AGORA_POSTGRES_URL", "AGORA_PG_REPLICA_URLS", "AGORA_SERVICE_SECRET",
	"AGORA_STRIPE_SECRET_KEY", "AGORA_STRIPE_WEBHOOK_SECRET"}

func env(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func checkPods(t *testing.T, r *rendering) {
	for name, p := range r.pods() {
		ps := p.Spec.SecurityContext
		if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 {
			t.Errorf("%s: the pod may run as root", name)
		}
		if p.Spec.AutomountServiceAccountToken == nil || *p.Spec.AutomountServiceAccountToken {
			t.Errorf("%s mounts a service account token it does not need", name)
		}
		for _, c := range p.Spec.Containers {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("%s/%s: securityContext %+v: want a read-only root, no privilege escalation, no capabilities", name, c.Name, sc)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("%s/%s: resources %v: want CPU and memory requests and a memory limit", name, c.Name, c.Resources)
			}
			if _, tag, ok := strings.Cut(c.Image, ":"); !ok || tag == "" || tag == "latest" {
				t.Errorf("%s/%s: image %q is not pinned", name, c.Name, c.Image)
			}
			for _, e := range c.Env {
				if slices.Contains(secretEnv, e.Name) && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
					t.Errorf("%s/%s: %s is not read from a Secret", name, c.Name, e.Name)
				}
			}
			mounted := false
			for _, m := range c.VolumeMounts {
				mounted = mounted || m.MountPath == "/var/lib/agora"
			}
			if !mounted {
				t.Errorf("%s/%s: no writable data directory", name, c.Name)
			}
		}
	}
}

func probePath(p *corev1.Probe) string {
	if p == nil || p.HTTPGet == nil {
		return ""
	}
	return p.HTTPGet.Path
}

func checkModulesAndGateway(t *testing.T, r *rendering) {
	services := map[string]*corev1.Service{}
	for _, s := range r.services {
		services[s.Name] = s
		sel := labels.SelectorFromSet(s.Spec.Selector)
		if len(s.Spec.Selector) == 0 || len(r.podsMatching(sel)) != 1 {
			t.Errorf("service %s selects the pods of %v, want one Deployment", s.Name, r.podsMatching(sel))
		}
	}
	var groups, gateways int
	for _, d := range r.deployments {
		if got := selector(t, d.Spec.Selector); !got.Matches(labels.Set(d.Spec.Template.Labels)) {
			t.Errorf("%s: the selector does not match its pods", d.Name)
		}
		c := d.Spec.Template.Spec.Containers[0]
		if probePath(c.ReadinessProbe) != "/readyz" || probePath(c.LivenessProbe) != "/healthz" || probePath(c.StartupProbe) == "" {
			t.Errorf("%s: probes readiness %q liveness %q startup %q", d.Name, probePath(c.ReadinessProbe), probePath(c.LivenessProbe), probePath(c.StartupProbe))
		}
		if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
			t.Errorf("%s: no preStop pause: the endpoints may still send requests after SIGTERM", d.Name)
		}
		if s := d.Spec.Strategy.RollingUpdate; s == nil || s.MaxUnavailable == nil || s.MaxUnavailable.IntValue() != 0 {
			t.Errorf("%s: a rolling update may take away a ready pod before its successor is ready", d.Name)
		}
		switch d.Spec.Template.Labels["app.kubernetes.io/component"] {
		case "module":
			groups++
			if len(c.Args) == 0 || c.Args[0] != "serve" || env(c, "AGORA_MODULES") == nil {
				t.Errorf("%s runs %q without AGORA_MODULES", d.Name, c.Args)
			}
			for _, k := range []string{"AGORA_ADMIN_KEY", "AGORA_POSTGRES_URL", "AGORA_SERVICE_SECRET", "AGORA_NATS_URL"} {
				if env(c, k) == nil {
					t.Errorf("%s: %s not set", d.Name, k)
				}
			}
			for _, e := range c.Env {
				if strings.HasPrefix(e.Name, "AGORA_REMOTE_") {
					host := strings.TrimSuffix(strings.TrimPrefix(e.Value, "http://"), ":8080")
					if services[host] == nil {
						t.Errorf("%s: %s=%s names no Service", d.Name, e.Name, e.Value)
					}
				}
			}
			headless := services[d.Name+"-headless"]
			if headless == nil || headless.Spec.ClusterIP != corev1.ClusterIPNone {
				t.Errorf("%s has no headless Service for the gateway", d.Name)
			}
		case "gateway":
			gateways++
			if c.Args[0] != "gateway" {
				t.Errorf("%s runs %q", d.Name, c.Args)
			}
			for _, a := range c.Args {
				if u, ok := strings.CutPrefix(a, "--upstream="); ok {
					_, url, _ := strings.Cut(u, "=")
					host := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), ":8080")
					if s := services[host]; s == nil || s.Spec.ClusterIP != corev1.ClusterIPNone {
						t.Errorf("%s: upstream %s is not a headless Service", d.Name, u)
					}
				}
			}
		default:
			t.Errorf("%s: no component label", d.Name)
		}
	}
	var upstreams int
	for _, d := range r.deployments {
		if d.Spec.Template.Labels["app.kubernetes.io/component"] == "gateway" {
			for _, a := range d.Spec.Template.Spec.Containers[0].Args {
				if strings.HasPrefix(a, "--upstream=") {
					upstreams++
				}
			}
		}
	}
	if groups == 0 || gateways != 1 || upstreams != groups {
		t.Errorf("%d module groups, %d gateways routing to %d upstreams", groups, gateways, upstreams)
	}
}

func checkScaling(t *testing.T, r *rendering, ops string) {
	scaled := map[string]bool{}
	for _, h := range r.hpas {
		ref := h.Spec.ScaleTargetRef
		scaled[ref.Name] = true
		var d *appsv1.Deployment
		for _, x := range r.deployments {
			if x.Name == ref.Name && ref.Kind == "Deployment" {
				d = x
			}
		}
		if d == nil {
			t.Errorf("HPA %s scales %s %s, which is not rendered", h.Name, ref.Kind, ref.Name)
			continue
		}
		if d.Spec.Replicas != nil {
			t.Errorf("%s sets replicas although HPA %s owns them", d.Name, h.Name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("HPA %s: %v..%d replicas", h.Name, h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		var cpu bool
		for _, m := range h.Spec.Metrics {
			cpu = cpu || m.Resource != nil && m.Resource.Name == corev1.ResourceCPU
			if m.Pods != nil && !strings.Contains(ops, m.Pods.Metric.Name) {
				t.Errorf("HPA %s scales on %s, which docs/operations.md does not explain", h.Name, m.Pods.Metric.Name)
			}
		}
		if !cpu {
			t.Errorf("HPA %s does not scale on CPU", h.Name)
		}
	}
	for _, d := range r.deployments {
		if !scaled[d.Name] && d.Spec.Replicas == nil {
			t.Errorf("%s has neither replicas nor an HPA", d.Name)
		}
	}
	for _, p := range r.pdbs {
		if len(r.podsMatching(selector(t, p.Spec.Selector))) != 1 {
			t.Errorf("PDB %s covers %v, want one Deployment", p.Name, r.podsMatching(selector(t, p.Spec.Selector)))
		}
	}
}

func checkMigration(t *testing.T, r *rendering) {
	if len(r.jobs) != 1 {
		t.Fatalf("%d Jobs, want the migration", len(r.jobs))
	}
	j := r.jobs[0]
	hooks := strings.Split(j.Annotations["helm.sh/hook"], ",")
	if !slices.Contains(hooks, "pre-install") || !slices.Contains(hooks, "pre-upgrade") {
		t.Errorf("the migration Job runs at %v, want pre-install and pre-upgrade", hooks)
	}
	c := j.Spec.Template.Spec.Containers[0]
	if !slices.Equal(c.Args, []string{"migrate"}) || env(c, "AGORA_POSTGRES_URL") == nil {
		t.Errorf("the migration runs %q", c.Args)
	}
	if j.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever || j.Spec.BackoffLimit == nil {
		t.Error("the migration Job restarts without bound")
	}
}

func ports(ps []networkingv1.NetworkPolicyPort) []string {
	var out []string
	for _, p := range ps {
		if p.Port != nil {
			out = append(out, p.Port.String())
		}
	}
	return out
}

func checkNetworkPolicies(t *testing.T, r *rendering) {
	if len(r.policies) == 0 {
		t.Fatal("no NetworkPolicy")
	}
	covered := map[string]bool{}
	for _, np := range r.policies {
		pods := r.podsMatching(selector(t, &np.Spec.PodSelector))
		if len(pods) == 0 {
			t.Errorf("NetworkPolicy %s selects no pod", np.Name)
		}
		for _, p := range pods {
			covered[p] = true
		}
		if !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) || !slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress) {
			t.Errorf("NetworkPolicy %s restricts %v only", np.Name, np.Spec.PolicyTypes)
		}
		gateway := strings.HasSuffix(np.Name, "-gateway")
		for _, in := range np.Spec.Ingress {
			for _, from := range in.From {
				// Only the gateway takes traffic from outside the release;
				// the groups also from the scrapers' namespace.
				if from.IPBlock != nil && !gateway {
					t.Errorf("NetworkPolicy %s lets addresses %v in", np.Name, from.IPBlock)
				}
			}
			if len(in.From) == 0 && !gateway {
				t.Errorf("NetworkPolicy %s lets everyone in on %v", np.Name, ports(in.Ports))
			}
		}
		var egress []string
		for _, e := range np.Spec.Egress {
			egress = append(egress, ports(e.Ports)...)
		}
		want := []string{"53"}
		switch {
		case strings.HasSuffix(np.Name, "-modules"):
			want = append(want, "5432", "4222", "6379", "8080")
		case strings.HasSuffix(np.Name, "-migration"):
			want = append(want, "5432")
		}
		for _, p := range want {
			if !slices.Contains(egress, p) {
				t.Errorf("NetworkPolicy %s: no egress to port %s (%v)", np.Name, p, egress)
			}
		}
	}
	for name := range r.pods() {
		if !covered[name] {
			t.Errorf("no NetworkPolicy covers %s", name)
		}
	}
}

func checkServiceMonitors(t *testing.T, r *rendering) {
	for _, sm := range r.monitors {
		sel := selector(t, &sm.Spec.Selector)
		var scraped []string
		for _, s := range r.services {
			if sel.Matches(labels.Set(s.Labels)) {
				scraped = append(scraped, s.Name)
				if s.Spec.ClusterIP != corev1.ClusterIPNone && s.Labels["app.kubernetes.io/component"] != "gateway" {
					t.Errorf("ServiceMonitor %s scrapes %s, which is not headless", sm.Name, s.Name)
				}
			}
		}
		for _, d := range r.deployments {
			found := false
			for _, s := range r.services {
				found = found || slices.Contains(scraped, s.Name) && labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(d.Spec.Template.Labels))
			}
			if !found {
				t.Errorf("ServiceMonitor %s does not scrape %s", sm.Name, d.Name)
			}
		}
		if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Path != "/metrics" || sm.Spec.Endpoints[0].Port != "http" {
			t.Errorf("ServiceMonitor %s endpoints %+v", sm.Name, sm.Spec.Endpoints)
		}
	}
}
