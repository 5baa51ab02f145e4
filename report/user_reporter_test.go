package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// userRuns is one run whose eval name holds a secret.
func userRuns() []Run {
	return []Run{{Eval: "qa", Summary: &Summary{Eval: "qa-s3cret", Experiment: "main-1", Status: "completed", Cases: 2, Rows: 2,
		Scores: []ScoreSummary{{Name: "correct", Mean: 0.9375, Count: 2}},
		Checks: []Check{{Kind: "gate", Name: "errors == 0", Passed: true, Detail: "true"}}}}}
}

func maskSecret(b []byte) []byte { return bytes.ReplaceAll(b, []byte("s3cret"), []byte("[redacted]")) }

func writeUser(t *testing.T, format string, opts UserOptions) (string, error) {
	t.Helper()
	rep, ok, err := UserReporter(format, opts)
	if !ok || err != nil {
		t.Fatalf("UserReporter(%q) = %v, %v", format, ok, err)
	}
	var b bytes.Buffer
	err = rep.Write(&b, userRuns())
	return b.String(), err
}

// TestTemplateReporter renders a template over the JSON report, masked.
func TestTemplateReporter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := `{{range .evals}}{{.eval}} {{.status}}:{{range .scores}} {{.name}}={{pct .mean}}{{end}}{{range .checks}} [{{.kind}} {{.name}} {{.passed}}]{{end}}
{{end}}`
	if err := os.WriteFile(filepath.Join(dir, "r.tmpl"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := writeUser(t, "template:r.tmpl", UserOptions{Dir: dir, Mask: maskSecret})
	if err != nil {
		t.Fatal(err)
	}
	if want := "qa-[redacted] completed: correct=93.8% [gate errors == 0 true]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestExecReporter runs a program with the JSON report on stdin, masked,
// and its stdout is the report.
func TestExecReporter(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	dir := t.TempDir()
	prog := `import json, sys
doc = json.load(sys.stdin)
for ev in doc["evals"]:
    print(ev["eval"], ev["scores"][0]["mean"])
print("done s3cret", file=sys.stderr)
`
	if err := os.WriteFile(filepath.Join(dir, "r.py"), []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	got, err := writeUser(t, "exec:python3 r.py", UserOptions{Dir: dir, Stderr: &stderr, Mask: maskSecret})
	if err != nil {
		t.Fatal(err)
	}
	if got != "qa-[redacted] 0.9375\n" || stderr.String() != "done [redacted]\n" {
		t.Errorf("stdout %q, stderr %q", got, stderr.String())
	}
}

// TestUserReporterErrors checks the errors of user reporters: each says
// where and what to do.
func TestUserReporterErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"bad.tmpl":  "line one\n{{range .evals}\n",
		"miss.tmpl": "{{.nope}}",
		"fail.sh":   "#!/bin/sh\necho 'cannot write s3cret' >&2\nexit 3\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		format  string
		atBuild bool
		want    []string
	}{
		{"template:bad.tmpl", true, []string{"parsing the report template: template: bad.tmpl:2:", "fix it"}},
		{"template:none.tmpl", true, []string{"reading the report template", "check the path"}},
		{"template:miss.tmpl", false, []string{"rendering the report template", `map has no entry for key "nope"`, "it sees the document of --json"}},
		{"exec:./fail.sh", false, []string{"report program ./fail.sh exited with status 3: cannot write [redacted]", "fix it"}},
		{"exec:no-such-program-x", true, []string{`report program "no-such-program-x"`, "install it"}},
		{"exec:", true, []string{"name the program after the colon"}},
	} {
		t.Run(tt.format, func(t *testing.T) {
			t.Parallel()
			opts := UserOptions{Dir: dir, Mask: maskSecret}
			rep, ok, err := UserReporter(tt.format, opts)
			if !ok {
				t.Fatal("not a user reporter")
			}
			if !tt.atBuild {
				if err != nil {
					t.Fatal(err)
				}
				err = rep.Write(&bytes.Buffer{}, userRuns())
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, ok, _ := UserReporter("junit", UserOptions{}); ok {
		t.Error("junit is not a user reporter")
	}
}
