package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/schema"
	"github.com/caliperhq/caliper/spec"
)

// run executes the command line in dir and returns its exit code and output.
func run(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	return runEnv(t, dir, map[string]string{}, args...)
}

// runEnv is run with an environment.
func runEnv(t *testing.T, dir string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	st := &State{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: env, Dir: dir, FS: spec.OSFS{}}
	code := Execute(st, args)
	return code, out.String(), errOut.String()
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestEveryExampleValidates(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, repoRoot(t), "validate", "examples")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if !strings.HasSuffix(out, " valid\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("want a one-line summary, got %q", out)
	}
}

func TestLLMExampleDryRunNeedsNoKey(t *testing.T) {
	t.Parallel()
	code, out, errOut := run(t, repoRoot(t), "run", "examples/llm", "--dry-run", "--store", filepath.Join(t.TempDir(), "s.db"))
	if code != ExitOK || !strings.Contains(out, "8 cases × 1 trials = 8 rows, 16 model calls") || !strings.Contains(out, "nothing was called") {
		t.Errorf("dry run of examples/llm: exit %d\n%s%s", code, out, errOut)
	}
}

func TestInitWritesAProjectThatValidates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, out, errOut := run(t, dir, "init", "proj")
	if code != ExitOK {
		t.Fatalf("init: exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{"caliper.yaml", "qa.eval.yaml", "offline.eval.yaml", ".gitignore", "datasets/qa.jsonl", "prompts/answer.prompt.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, "proj", f)); err != nil {
			t.Errorf("init did not write %s: %v", f, err)
		}
	}
	code, out, _ = run(t, dir, "validate", "proj")
	if code != ExitOK || out != "4 files valid\n" {
		t.Fatalf("validate after init: exit %d, %q", code, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "proj", ".gitignore")); err != nil || !strings.Contains(string(b), ".caliper/") {
		t.Errorf("the .gitignore of init: %v %q; want .caliper/ ignored", err, b)
	}
	// With no key in the environment, the offline example runs and passes.
	code, out, errOut = run(t, dir, "run", "proj/offline.eval.yaml")
	if code != ExitOK || !strings.Contains(out, "3 cases") {
		t.Fatalf("run of the offline example after init: exit %d\n%s%s", code, out, errOut)
	}
	code, _, errOut = run(t, dir, "init", "proj")
	if code != ExitInvalid || !strings.Contains(errOut, "--force") {
		t.Errorf("init over an existing project: exit %d, %q; want 2 and a hint about --force", code, errOut)
	}
	if code, _, errOut = run(t, dir, "init", "proj", "--force"); code != ExitOK {
		t.Errorf("init --force: exit %d, %s", code, errOut)
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

const badEval = `name: broken
data:
  inline: [{input: 1}]
  fitler: 'input > 0'
task:
  expr: input +
scorers:
  - name: ok
    expr: output == 1
trials: two
`

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "evals", "broken.eval.yaml"), badEval)
	code, out, _ := run(t, dir, "validate")
	want := `evals/broken.eval.yaml:4:3: unknown key "fitler" in "data"; did you mean "filter"?
evals/broken.eval.yaml:6:15: expression: unexpected token EOF
evals/broken.eval.yaml:10:9: "trials" must be an integer, not a string
3 problems in 1 file checked
`
	if code != ExitInvalid || out != want {
		t.Errorf("exit %d, output:\n%s\nwant exit 2 and:\n%s", code, out, want)
	}
}

func TestValidateJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "broken.eval.yaml"), badEval)
	code, out, _ := run(t, dir, "validate", "--format", "json", ".")
	if code != ExitInvalid {
		t.Fatalf("exit %d, want 2", code)
	}
	var got struct {
		Valid       bool
		Files       []string
		Diagnostics []spec.Diagnostic
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if got.Valid || len(got.Diagnostics) != 3 || got.Files[0] != "broken.eval.yaml" {
		t.Fatalf("unexpected report: %+v", got)
	}
	first := got.Diagnostics[0]
	if first.File != "broken.eval.yaml" || first.Line != 4 || first.Col != 3 || !strings.Contains(first.Message, `did you mean "filter"`) {
		t.Errorf("first diagnostic = %+v", first)
	}
}

func TestValidateUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"validate", "nowhere"}, ExitInvalid, "nowhere:1:1: no such file or directory"},
		{[]string{"validate", "."}, ExitInvalid, "no *.eval.yaml file found here"},
		{[]string{"validate", "--format", "xml"}, ExitInvalid, `unknown --format "xml"`},
		{[]string{"schema", "evals"}, ExitInvalid, `unknown schema "evals"`},
		{[]string{"frobnicate"}, ExitInvalid, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			code, out, errOut := run(t, dir, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, output %q; want exit %d and %q", code, out+errOut, tt.code, tt.want)
			}
		})
	}
}

func TestSchemaPrintsEachKind(t *testing.T) {
	t.Parallel()
	for _, kind := range schema.Kinds {
		code, out, _ := run(t, t.TempDir(), "schema", kind)
		want, _ := schema.Document(kind)
		if code != ExitOK || out != string(want) {
			t.Errorf("schema %s: exit %d, output differs from schema.Document", kind, code)
		}
	}
	if _, out, _ := run(t, t.TempDir(), "schema"); !strings.Contains(out, `"title": "Caliper eval (*.eval.yaml)"`) {
		t.Error("schema without an argument should print the eval schema")
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, t.TempDir(), "--version")
	if code != ExitOK || out != "caliper "+version+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
}
