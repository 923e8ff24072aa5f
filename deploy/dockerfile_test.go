package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// dockerfile parses the Dockerfile as BuildKit does; a warning of its
// build checks fails the test.
func dockerfile(t *testing.T) (stages []instructions.Stage, args map[string]string) {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, desc, url, msg string, loc []parser.Range) {
		t.Errorf("Dockerfile: %s: %s (line %d)", rule, msg, loc[0].Start.Line)
	}})
	stages, meta, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatal(err)
	}
	args = map[string]string{}
	for _, a := range meta {
		for _, kv := range a.Args {
			args[kv.Key] = kv.ValueString()
		}
	}
	return stages, args
}

func commands[T instructions.Command](s instructions.Stage) []T {
	var out []T
	for _, c := range s.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func TestDockerfileBaseImagesArePinned(t *testing.T) {
	stages, args := dockerfile(t)
	var env []string
	for k, v := range args {
		env = append(env, k+"="+v)
	}
	lex := shell.NewLex('\\')
	for _, s := range stages {
		image, _, err := lex.ProcessWord(s.BaseName, shell.EnvsFromSlice(env))
		if err != nil {
			t.Fatal(err)
		}
		// name[:tag][@digest]: a version tag, never latest nor none.
		ref, _, _ := strings.Cut(image, "@")
		slash := strings.LastIndex(ref, "/")
		name, tag, ok := strings.Cut(ref[slash+1:], ":")
		if !ok || tag == "" || tag == "latest" {
			t.Errorf("stage %q: base image %q is not pinned to a tag", s.Name, image)
		}
		if name == "golang" && !regexp.MustCompile(`^1\.\d+\.\d+-`).MatchString(tag) {
			t.Errorf("stage %q: the Go image %q names no exact Go release", s.Name, image)
		}
	}
	if goMod, err := os.ReadFile("../go.mod"); err == nil {
		want := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(goMod)
		if want != nil && !strings.Contains(args["GO_IMAGE"], "golang:"+string(want[1])+"-") {
			t.Errorf("GO_IMAGE %q is not the Go release of go.mod (%s)", args["GO_IMAGE"], want[1])
		}
	}
}

func TestDockerfileFinalStage(t *testing.T) {
	stages, args := dockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a builder and a final stage", len(stages))
	}
	final := stages[len(stages)-1]
	if final.BaseName != "${RUNTIME_IMAGE}" || !strings.HasPrefix(args["RUNTIME_IMAGE"], "gcr.io/distroless/static") {
		t.Errorf("final stage is based on %q (%q), want distroless static", final.BaseName, args["RUNTIME_IMAGE"])
	}

	users := commands[*instructions.UserCommand](final)
	if len(users) == 0 {
		t.Fatal("the final stage sets no USER")
	}
	user := users[len(users)-1].User
	uid, _, _ := strings.Cut(user, ":")
	if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(uid) {
		t.Errorf("USER %q: want a numeric non-root uid (Kubernetes' runAsNonRoot checks it)", user)
	}

	exposes := commands[*instructions.ExposeCommand](final)
	if len(exposes) != 1 || !slices.Equal(exposes[0].Ports, []string{"8080"}) {
		t.Errorf("EXPOSE: %v, want 8080", exposes)
	}

	hc := commands[*instructions.HealthCheckCommand](final)
	if len(hc) != 1 {
		t.Fatalf("%d HEALTHCHECKs in the final stage, want 1", len(hc))
	}
	want := []string{"CMD", "/agora", "healthcheck", "--url", "http://127.0.0.1:8080/readyz"}
	if !slices.Equal(hc[0].Health.Test, want) {
		t.Errorf("HEALTHCHECK %q, want %q (exec form: the image has no shell)", hc[0].Health.Test, want)
	}
	if hc[0].Health.Timeout == 0 || hc[0].Health.Interval == 0 || hc[0].Health.StartPeriod == 0 {
		t.Errorf("HEALTHCHECK without interval, timeout or start period: %+v", hc[0].Health)
	}

	eps := commands[*instructions.EntrypointCommand](final)
	if len(eps) != 1 || eps[0].PrependShell || !slices.Equal(eps[0].CmdLine, []string{"/agora"}) {
		t.Errorf(`ENTRYPOINT: want ["/agora"] in exec form`)
	}
	cmds := commands[*instructions.CmdCommand](final)
	if len(cmds) != 1 || cmds[0].PrependShell || !slices.Equal(cmds[0].CmdLine, []string{"serve", "--addr", "0.0.0.0:8080"}) {
		t.Errorf(`CMD: want ["serve","--addr","0.0.0.0:8080"] in exec form`)
	}
	for _, r := range commands[*instructions.RunCommand](final) {
		t.Errorf("the final stage runs %q: distroless has no shell", r.CmdLine)
	}
}

// buildLine is the go build command of the Dockerfile's builder, from "go
// build" to the output flag, with the spaces normalised.
var buildLine = regexp.MustCompile(`go build -trimpath -ldflags "[^"]*"`)

func TestDockerfileBuild(t *testing.T) {
	stages, _ := dockerfile(t)
	build := stages[0]
	var cgoOff bool
	for _, e := range commands[*instructions.EnvCommand](build) {
		for _, kv := range e.Env {
			cgoOff = cgoOff || kv.Key == "CGO_ENABLED" && kv.Value == "0"
		}
	}
	if !cgoOff {
		t.Error("the builder does not set CGO_ENABLED=0: the binary would not be static")
	}
	var line string
	var cached bool
	for _, r := range commands[*instructions.RunCommand](build) {
		cmd := strings.Join(strings.Fields(strings.Join(r.CmdLine, " ")), " ")
		if m := buildLine.FindString(cmd); m != "" {
			line = m
			if err := r.Expand(func(w string) (string, error) { return w, nil }); err != nil {
				t.Fatal(err)
			}
			for _, m := range instructions.GetMounts(r) {
				cached = cached || m.Type == instructions.MountTypeCache && m.Target == "/go/pkg/mod"
			}
		}
	}
	if line == "" {
		t.Fatal("no go build -trimpath -ldflags in the builder")
	}
	if !cached {
		t.Error("go build does not mount the module cache")
	}
	for _, flag := range []string{"-s", "-w", "-X github.com/agoracommerce/agora/app.Version=${VERSION}"} {
		if !strings.Contains(line, flag) {
			t.Errorf("%s: no %s", line, flag)
		}
	}
	// CI builds and runs the binary the image holds: the same flags.
	ci, err := os.ReadFile("../.ci/deploy")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range strings.Split(string(ci), "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if strings.Contains(l, "CGO_ENABLED=0") && strings.Contains(l, line) {
			found = true
		}
	}
	if !found {
		t.Errorf(".ci/deploy does not build with CGO_ENABLED=0 %s", line)
	}
}

// The build context is the repository's root: its ignore file must keep
// every file the build reads.
func TestDockerignoreKeepsTheSources(t *testing.T) {
	f, err := os.Open("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	root := ".."
	checked := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == ".git" || rel == "deploy" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		name := d.Name()
		// Sources, go.mod and go.sum, and what //go:embed takes (migrations, data).
		needed := strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") ||
			name == "go.mod" || name == "go.sum" ||
			strings.Contains(rel, "/migrations/") || strings.Contains(rel, "/data/")
		if !needed {
			return nil
		}
		checked++
		if ignored, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel)); err != nil || ignored {
			t.Errorf("the build context leaves out %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked %d files: is this the repository's deploy directory?", checked)
	}
}
