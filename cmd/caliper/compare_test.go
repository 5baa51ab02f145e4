package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const regressEval = `name: regress
experiment: "broken-{{parameters.broken}}"
parameters:
  broken: {type: boolean, default: false}
data: {file: cases.jsonl}
task: {expr: 'parameters.broken && int(input) % 4 == 0 ? -1 : input'}
scorers:
  - {name: correct, expr: output == expected}
  - use: numeric_diff
pass: scores.correct == 1
gates:
  - scores.correct.regressions == 0
  - "!scores.correct.significant_regression"
`

func writeRegressEval(t *testing.T, dir string) {
	t.Helper()
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, `{"id": "c%03d", "input": %d, "expected": %d}`+"\n", i, i, i)
	}
	writeFile(t, filepath.Join(dir, "cases.jsonl"), b.String())
	writeFile(t, filepath.Join(dir, "regress.eval.yaml"), regressEval)
}

type comparisonJSON struct {
	Evals []struct {
		Comparison struct {
			Base   string
			Paired int `json:"paired_cases"`
			Scores []struct {
				Name                  string
				Diff                  float64
				Improvements          int
				Regressions           int
				CILow                 float64 `json:"ci_low"`
				CIHigh                float64 `json:"ci_high"`
				SignificantRegression bool    `json:"significant_regression"`
			}
		}
	}
}

// TestRegressionIsCaught runs an eval, breaks a quarter of its cases, runs it
// again against the first run, and checks the comparison, the gates' exit code
// and every report file.
func TestRegressionIsCaught(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeRegressEval(t, dir)
	db := filepath.Join(dir, "s.db")
	// Without a base, the gates on regressions fail: there is nothing to compare.
	if code, out, errOut := run(t, dir, "run", "--store", db); code != ExitFailed || !strings.Contains(out, "no base experiment") {
		t.Fatalf("first run: exit %d, want 1 and \"no base experiment\"\n%s%s", code, out, errOut)
	}
	code, out, errOut := run(t, dir, "run", "--store", db, "--param", "broken=true", "--base", "broken-false",
		"--json", "out/r.json", "--jsonl", "out/r.jsonl", "--junit", "out/r.xml", "--markdown", "out/r.md")
	if code != ExitFailed || !strings.Contains(errOut, "1 of 1 eval failed") {
		t.Fatalf("a regression must fail the gates with exit 1, got %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"compared with broken-false: 200 paired cases", "SIGNIFICANT REGRESSION", "FAIL  gate scores.correct.regressions == 0: false", "c000  correct 1.000 → 0.000"} {
		if !strings.Contains(out, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}

	var rep comparisonJSON
	raw, err := os.ReadFile(filepath.Join(dir, "out", "r.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	cmp := rep.Evals[0].Comparison
	if cmp.Base != "broken-false" || cmp.Paired != 200 || len(cmp.Scores) != 2 {
		t.Fatalf("comparison %+v", cmp)
	}
	c := cmp.Scores[0]
	if c.Name != "correct" || c.Diff != -0.25 || c.Regressions != 50 || c.Improvements != 0 || !c.SignificantRegression || c.CIHigh >= 0 || c.CILow > -0.25 || c.CIHigh < -0.25 {
		t.Errorf("correct: %+v; want diff -0.25, 50 regressions, a significant regression with an interval around -0.25", c)
	}

	rows, err := os.ReadFile(filepath.Join(dir, "out", "r.jsonl"))
	if err != nil || strings.Count(string(rows), "\n") != 200 {
		t.Errorf("r.jsonl: want 200 lines (%v)", err)
	}

	junit := filepath.Join(dir, "out", "r.xml")
	xml, _ := os.ReadFile(junit)
	if n := strings.Count(string(xml), "<failure"); n != 52 {
		t.Errorf("JUnit: %d failures, want the 50 regressed cases and the 2 failed gates", n)
	}
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Log("xmllint is not installed (apt-get install libxml2-utils): the JUnit file is not validated against its schema")
	} else if out, err := exec.Command("xmllint", "--noout", "--schema", "../../report/testdata/junit-4.xsd", junit).CombinedOutput(); err != nil {
		t.Errorf("the JUnit report does not validate against the JUnit XSD: %v\n%s", err, out)
	}

	md, err := os.ReadFile(filepath.Join(dir, "out", "r.md"))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "testdata/regress.md", stableMarkdown(string(md)))

	code, cmpOut, errOut := run(t, dir, "compare", "--store", db, "broken-true", "broken-false")
	if code != ExitOK || !strings.Contains(cmpOut, "-25.00pp  ↑0    ↓50") {
		t.Errorf("caliper compare: exit %d\n%s%s", code, cmpOut, errOut)
	}
}

// stableMarkdown blanks the timings, which change from run to run.
func stableMarkdown(md string) string {
	return regexp.MustCompile("(?m)^\\| `duration` \\|.*$").ReplaceAllString(md, "| `duration` | (timings) |")
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: run go test ./cmd/caliper -update", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test ./cmd/caliper -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestCommittedBaseline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeRegressEval(t, dir)
	db := filepath.Join(dir, "s.db")
	if code, _, errOut := run(t, dir, "run", "--store", db); code != ExitFailed {
		t.Fatalf("first run, whose gates on regressions have no base: exit %d, want 1: %s", code, errOut)
	}
	code, out, errOut := run(t, dir, "baseline", "save", "--store", db, "broken-false", "--out", "baselines/regress.jsonl")
	if code != ExitOK || !strings.Contains(out, "saved 200 rows") {
		t.Fatalf("baseline save: exit %d\n%s%s", code, out, errOut)
	}
	// A CI job with an empty store still compares against the committed file.
	code, out, _ = run(t, dir, "run", "--store", filepath.Join(dir, "empty.db"), "--param", "broken=true", "--base", "file:baselines/regress.jsonl")
	if code != ExitFailed || !strings.Contains(out, "↓50") || !strings.Contains(out, "SIGNIFICANT REGRESSION") {
		t.Errorf("run against the baseline file: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, dir, "run", "--store", filepath.Join(dir, "empty2.db"), "--base", "file:baselines/regress.jsonl")
	if code != ExitOK || !strings.Contains(out, "↓0") {
		t.Errorf("an unchanged run against its own baseline: exit %d\n%s", code, out)
	}
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// TestAutoBase runs an eval on main, then on a feature branch with base: auto,
// in a real git repository: the feature run compares with main's experiment.
func TestAutoBase(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	writeRegressEval(t, dir)
	writeFile(t, filepath.Join(dir, ".gitignore"), "*.db*\n")
	git(t, dir, "init", "-q")
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "eval")
	db := filepath.Join(dir, "s.db")
	if code, _, errOut := run(t, dir, "run", "--store", db, "--base", "auto"); code != ExitFailed || !strings.Contains(errOut, "running without a base") {
		t.Fatalf("first run on main: exit %d, %s", code, errOut)
	}
	git(t, dir, "checkout", "-q", "-b", "feature")
	writeFile(t, filepath.Join(dir, "regress.eval.yaml"), strings.Replace(regressEval, "default: false", "default: true", 1))
	git(t, dir, "commit", "-q", "-am", "break a quarter of the cases")
	code, out, errOut := run(t, dir, "run", "--store", db, "--base", "auto")
	if code != ExitFailed || !strings.Contains(out, "compared with broken-false") || !strings.Contains(out, "↓50") {
		t.Errorf("feature run with base auto: exit %d\n%s%s", code, out, errOut)
	}
}
