package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/spec"
)

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFindAndStoreDSN finds the project of a directory from caliper.yaml
// alone (a broken eval next to it changes nothing) and names its store.
func TestFindAndStoreDSN(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "proj", "caliper.yaml"), "store: data/x.db\n")
	write(t, filepath.Join(dir, "proj", "evals", "broken.eval.yaml"), "name: [\n")
	write(t, filepath.Join(dir, "repo", ".git", "HEAD"), "ref: refs/heads/main\n")
	write(t, filepath.Join(dir, "plain", "a.eval.yaml"), "")
	v := spec.NewValidator(spec.OSFS{}, dir, pipeline.DefaultCatalog())
	tests := []struct {
		name, from, override, want string
	}{
		{"store of caliper.yaml, from below", "proj/evals", "", "proj/data/x.db"},
		{"override relative to the working directory", "proj", "other.db", "other.db"},
		{"a URL is kept", "proj", "postgres://h/db", "postgres://h/db"},
		{"default at the repository root", "repo/sub", "", "repo/.caliper/caliper.db"},
		{"default in the directory itself", "plain", "", "plain/.caliper/caliper.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from := filepath.Join(dir, tt.from)
			if err := os.MkdirAll(from, 0o755); err != nil {
				t.Fatal(err)
			}
			p, err := Find(v, from)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if !strings.Contains(want, "://") {
				want = filepath.Join(dir, want)
			}
			if got := p.StoreDSN(tt.override, dir); got != want {
				t.Errorf("StoreDSN = %s, want %s", got, want)
			}
		})
	}
}

func TestFindReportsABrokenProjectFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "caliper.yaml"), "store: s.db\nstroe: x\n")
	_, err := Find(spec.NewValidator(spec.OSFS{}, dir, pipeline.DefaultCatalog()), dir)
	if exitcode.Of(err) != exitcode.Invalid || !strings.Contains(err.Error(), "caliper.yaml:2:1") {
		t.Errorf("Find: %v (exit %d); want exit 2 and the problem's position", err, exitcode.Of(err))
	}
}
