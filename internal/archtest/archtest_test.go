package archtest

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const modPath = "github.com/agoracommerce/agora"

type pkg struct {
	rel     string // path inside the repository, e.g. "catalog/catalogsvc"
	imports []string
}

// packages lists every non-test package of the repository with its imports.
func packages(t *testing.T) []pkg {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var out []pkg
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "agora-data") {
			return filepath.SkipDir
		}
		bp, err := build.Default.ImportDir(path, build.ImportComment)
		if err != nil {
			return nil // no Go files
		}
		rel, _ := filepath.Rel(root, path)
		out = append(out, pkg{rel: filepath.ToSlash(rel), imports: bp.Imports})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 5 {
		t.Fatalf("found only %d packages; is the walk rooted at the repository?", len(out))
	}
	return out
}

func rank(module string) int {
	for i, layer := range Layers {
		if slices.Contains(layer, module) {
			return i
		}
	}
	return -1
}

// internalPath returns the in-repository path of an import, or "".
func internalPath(imp string) string {
	if imp == modPath {
		return "."
	}
	rest, ok := strings.CutPrefix(imp, modPath+"/")
	if !ok {
		return ""
	}
	return rest
}

// moduleOf reports the business module a repository path belongs to.
func moduleOf(rel string) (module string, sub string, ok bool) {
	top, rest, _ := strings.Cut(rel, "/")
	if rank(top) < 0 {
		return "", "", false
	}
	return top, rest, true
}

func TestModuleOrder(t *testing.T) {
	for _, p := range packages(t) {
		from, _, isModule := moduleOf(p.rel)
		for _, imp := range p.imports {
			rel := internalPath(imp)
			if rel == "" {
				continue
			}
			to, toSub, toModule := moduleOf(rel)
			if !toModule {
				continue
			}
			top, _, _ := strings.Cut(p.rel, "/")
			switch {
			case top == "platform":
				t.Errorf("%s imports business module %s: platform imports no business module", p.rel, rel)
			case !isModule || from == to:
				// app, cmd, internal, bench see every module; a module sees itself.
			case rank(to) >= rank(from):
				t.Errorf("%s imports %s: %s may only use modules to its left in the declared order", p.rel, rel, from)
			case toSub != "":
				t.Errorf("%s imports %s: only the contract package %s of another module may be imported", p.rel, rel, to)
			}
		}
	}
}

func TestContractImports(t *testing.T) {
	for _, p := range packages(t) {
		module, sub, ok := moduleOf(p.rel)
		if !ok || sub != "" {
			continue
		}
		for _, imp := range p.imports {
			rel := internalPath(imp)
			switch {
			case rel == "" && !strings.Contains(strings.Split(imp, "/")[0], "."):
				// the standard library
			case rel != "" && slices.Contains(ContractPlatform, rel):
			case rel != "" && rank(rel) >= 0 && rank(rel) < rank(module):
			default:
				t.Errorf("contract %s imports %s: a contract imports only the standard library, %s and contracts to its left",
					p.rel, imp, strings.Join(ContractPlatform, ", "))
			}
			if imp == "database/sql" || imp == "net/http" {
				t.Errorf("contract %s imports %s: no SQL and no HTTP in a contract", p.rel, imp)
			}
		}
	}
}

func TestModuleShape(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range packages(t) {
		module, sub, ok := moduleOf(p.rel)
		if !ok {
			continue
		}
		seen[module] = true
		if sub != "" {
			first, _, _ := strings.Cut(sub, "/")
			valid := false
			for _, s := range Suffixes {
				valid = valid || first == module+s
			}
			if !valid {
				t.Errorf("%s: a module's subpackages are named %s{%s}", p.rel, module, strings.Join(Suffixes, ","))
			}
		}
		// The module's definition (<module>mod) wires its store, service
		// and routes: it handles their types but holds no SQL.
		isSQL := sub == module+"sql" || sub == module+"mod"
		isHTTP := sub == module+"http"
		for _, imp := range p.imports {
			if (imp == "database/sql" || imp == modPath+"/platform/sqldb") && !isSQL && !strings.HasSuffix(sub, "test") {
				t.Errorf("%s imports %s: SQL lives only in %ssql", p.rel, imp, module)
			}
			// The definition hands the module's HTTP client an httpx.Client
			// when the module is remote.
			if (imp == "github.com/danielgtaylor/huma/v2" || (imp == modPath+"/platform/httpx" && sub != module+"mod")) && !isHTTP && sub != module+"seed" && !strings.HasSuffix(sub, "test") {
				t.Errorf("%s imports %s: HTTP lives only in %shttp", p.rel, imp, module)
			}
		}
	}
	if !seen["catalog"] {
		t.Fatal("the catalog module was not found; the walk is broken")
	}
}

// TestPrimitivesStoreNothing: the packages of Primitives import no
// database.
func TestPrimitivesStoreNothing(t *testing.T) {
	seen := 0
	for _, p := range packages(t) {
		if !slices.Contains(Primitives, p.rel) {
			continue
		}
		seen++
		for _, imp := range p.imports {
			if imp == "database/sql" || imp == modPath+"/platform/sqldb" {
				t.Errorf("%s imports %s: it holds primitives only; storage belongs to a module", p.rel, imp)
			}
		}
	}
	if seen != len(Primitives) {
		t.Fatalf("found %d of the %d packages of Primitives", seen, len(Primitives))
	}
}

func TestCmdOnlyWires(t *testing.T) {
	for _, p := range packages(t) {
		if !strings.HasPrefix(p.rel, "cmd/") {
			continue
		}
		for _, imp := range p.imports {
			rel := internalPath(imp)
			if strings.HasSuffix(rel, "sql") || strings.HasSuffix(rel, "svc") {
				t.Errorf("%s imports %s: cmd parses configuration and calls app; wiring lives in app", p.rel, imp)
			}
		}
	}
	if _, err := os.Stat("../../app"); err != nil {
		t.Fatal("no app/ composition root")
	}
}

// TestAppOnlyListsModules: the composition root knows a module by its
// contract and its definition (<module>mod) alone, never by the packages
// that implement it; seed data (<module>seed) is allowed for the demo.
func TestAppOnlyListsModules(t *testing.T) {
	n := 0
	for _, p := range packages(t) {
		if p.rel != "app" {
			continue
		}
		for _, imp := range p.imports {
			rel := internalPath(imp)
			if rel == "" {
				continue
			}
			module, sub, ok := moduleOf(rel)
			if !ok {
				continue
			}
			n++
			if sub != "" && sub != module+"mod" && sub != module+"seed" {
				t.Errorf("app imports %s: the composition root imports a module's contract and its definition %smod only", rel, module)
			}
		}
	}
	if n < 10 {
		t.Fatalf("app imports %d module packages; is the walk broken?", n)
	}
}
