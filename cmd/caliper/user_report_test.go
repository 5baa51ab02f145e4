package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserReportersFromTheCommandLine runs an eval with a template reporter
// to a file and a program reporter to the terminal, and checks that a
// template that does not parse stops the command before it runs (exit 2).
func TestUserReportersFromTheCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "r.tmpl")
	if err := os.WriteFile(tmpl, []byte("{{range .evals}}{{.eval}}: {{.cases}} cases{{range .scores}}, {{.name}} {{pct .mean}}{{end}}\n{{end}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")
	db := filepath.Join(dir, "s.db")
	code, stdout, stderr := run(t, repoRoot(t), "run", "examples/arithmetic", "--store", db,
		"--report", "template:"+tmpl+"="+out, "--report", "exec:wc -c=-")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil || !strings.HasPrefix(string(b), "arithmetic: ") || !strings.Contains(string(b), "cases, ") {
		t.Errorf("template report %q, %v", b, err)
	}
	if last := strings.TrimSpace(stdout[strings.LastIndex(strings.TrimSpace(stdout), "\n")+1:]); last == "" || strings.Trim(last, "0123456789") != "" {
		t.Errorf("the program's report (a byte count) is not the terminal's last line: %q", stdout)
	}
	bad := filepath.Join(dir, "bad.tmpl")
	if err := os.WriteFile(bad, []byte("{{if}}"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = run(t, repoRoot(t), "run", "examples/arithmetic", "--store", db, "--report", "template:"+bad+"=x")
	if code != ExitInvalid || !strings.Contains(stderr, "bad.tmpl:1:") || strings.Contains(stdout, "experiment") {
		t.Errorf("bad template: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, repoRoot(t), "run", "examples/arithmetic", "--store", db, "--report", "exec:false=-")
	if code != ExitRun || !strings.Contains(stderr, "report program false exited with status 1") {
		t.Errorf("failing program: exit %d\n%s%s", code, stdout, stderr)
	}
}
