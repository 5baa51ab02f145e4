package layout

import (
	"errors"
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/caliperhq/caliper/"

// allowed lists, for each package of the module, the packages of the module its
// non-test files may import. A package missing from the table fails the test,
// so a new package is placed on the map when it is made.
var allowed = map[string][]string{
	"internal/jsontext":   {},
	"internal/layout":     {},
	"internal/mask":       {},
	"internal/exitcode":   {},
	"internal/atomicfile": {},
	"schema":              {"internal/jsontext"},
	"spec":                {"schema"},
	"llm":                 {"internal/jsontext", "internal/mask"},
	"gitinfo":             {},
	"store":               {"internal/jsontext"},
	"store/sqlite":        {"store"},
	"store/postgres":      {"store"},
	"store/storetest":     {"store"},
	"datasets":            {"spec", "internal/jsontext"},
	"functions":           {"spec", "llm", "functions/internal/guard", "internal/jsontext", "internal/mask"},
	// The process that runs exec programs on Linux: a leaf, so it starts fast.
	"functions/internal/guard": {},
	"scorers":                  {"spec", "llm", "functions", "internal/jsontext"},
	"report":                   {"spec", "store", "internal/jsontext"},
	"baseline":                 {"store", "internal/jsontext"},
	"pipeline":                 {"spec", "datasets", "scorers", "functions", "llm", "report", "store", "gitinfo", "baseline", "internal/exitcode", "internal/jsontext", "internal/mask"},
	"project":                  {"spec", "store", "llm", "pipeline", "internal/exitcode"},
	"view":                     {"store", "report"},
	"cmd/caliper":              {"*"},

	// The local fake model of examples/agent, started by make demo.
	"examples/agent/fakemodel": {},

	// A test helper: tests of store/postgres and cmd/caliper import it.
	"store/postgres/pgtest": {},
}

func TestImportsFollowTheLayout(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin" || name == "node_modules") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			var noGo *build.NoGoError
			if errors.As(err, &noGo) {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		seen[rel] = true
		rules, ok := allowed[rel]
		if !ok {
			t.Errorf("package %s is not in the layout table: add it to allowed in internal/layout/imports_test.go and to the README's Architecture section", rel)
			return nil
		}
		for _, imp := range pkg.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours || slices.Contains(rules, "*") || slices.Contains(rules, dep) {
				continue
			}
			t.Errorf("%s imports %s, which the layout does not allow (allowed: %v): move the code, or change the table and the README's Architecture section together", rel, dep, rules)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range allowed {
		if !seen[pkg] {
			t.Errorf("the layout table lists %s, which is not a package any more: remove it", pkg)
		}
	}
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}
