package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSpecProblemsInHelpersExitInvalid: a call of a helper function or a
// built-in scorer that cannot run is a spec problem, found by validate (exit 2,
// at file:line:col) and by run before anything runs (exit 2, not 3).
func TestSpecProblemsInHelpersExitInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, scorers, gates, want string
	}{
		{"too few arguments", "  - name: s\n    expr: levenshtein(output) > 0.5\n", "",
			`x.eval.yaml:6:11: expression: not enough arguments to call levenshtein`},
		{"argument type", "  - name: s\n    expr: rouge_n(output, expected, \"2\")\n", "",
			`x.eval.yaml:6:37: expression: cannot use string as argument (type int) to call rouge_n`},
		{"with.output", "  - use: levenshtein\n    with: {output: 'json_diff(output)'}\n", "",
			`x.eval.yaml:6:21: expression: not enough arguments to call json_diff`},
		{"helper in a gate", "  - name: s\n    expr: output == expected\n", "gates:\n  - levenshtein(\"a\", \"b\") > 0\n",
			`x.eval.yaml:8:5: expression: unknown name "levenshtein"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			body := fmt.Sprintf("name: x\ndata: {inline: [{input: a, expected: a}]}\ntask: {expr: input}\nscorers:\n%s%s", tt.scorers, tt.gates)
			writeFile(t, filepath.Join(dir, "x.eval.yaml"), body)
			code, out, errOut := run(t, dir, "validate", "x.eval.yaml")
			if code != ExitInvalid || !strings.Contains(out, tt.want) {
				t.Errorf("validate: exit %d\n%s%s\nwant exit 2 and %q", code, out, errOut, tt.want)
			}
			code, out, errOut = run(t, dir, "run", "x.eval.yaml", "--store", filepath.Join(dir, "s.db"))
			if code != ExitInvalid || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("run: exit %d\n%s%s\nwant exit 2 and %q", code, out, errOut, tt.want)
			}
		})
	}
}

// TestRougeNRunsAsScorerAndHelper runs the scorer added through the registry
// recipe both ways, end to end.
func TestRougeNRunsAsScorerAndHelper(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.eval.yaml"), `name: x
data: {inline: [{input: "the cat sat on the mat", expected: "the cat was sitting on the mat"}]}
task: {expr: input}
scorers:
  - use: rouge_n
  - name: bigrams
    use: rouge_n
    with: {n: 2}
  - name: helper
    expr: rouge_n(output, expected, 2)
`)
	report := filepath.Join(dir, "report.json")
	code, out, errOut := run(t, dir, "run", "x.eval.yaml", "--json", report, "--store", filepath.Join(dir, "s.db"))
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	out = string(raw)
	for _, want := range []string{`"rouge_n"`, `"bigrams"`, `"helper"`, `0.769230769`, `0.545454545`} {
		if !strings.Contains(out, want) {
			t.Errorf("the JSON report lacks %s:\n%s", want, out)
		}
	}
}
