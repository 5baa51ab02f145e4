package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeTree writes n eval files over shared datasets, prompts and functions, the
// shape of a large monorepo of evals.
func writeTree(tb testing.TB, dir string, n int) {
	tb.Helper()
	files := map[string]string{
		"caliper.yaml":               "store: .caliper/caliper.db\ndefaults: {timeout: 20s}\n",
		"datasets/qa.jsonl":          `{"input": {"q": "x"}, "expected": "y"}` + "\n",
		"prompts/answer.prompt.yaml": "model: openai/gpt-4o-mini\nmessages:\n  - role: user\n    content: \"{{input.q}}\"\n",
		"functions/judge.yaml":       "slug: judge\ntype: scorer\nexpr: 'output == expected ? 1 : 0'\n",
	}
	for i := range n {
		files[fmt.Sprintf("evals/team%02d/e%04d.eval.yaml", i%20, i)] = fmt.Sprintf(`name: eval-%d
parameters:
  threshold: {type: number, default: 0.5}
data:
  file: ../../datasets/qa.jsonl
  filter: 'input.q != ""'
task:
  prompt: ../../prompts/answer.prompt.yaml
scorers:
  - name: correct
    expr: lower(trim(output)) == lower(expected)
  - use: levenshtein
  - function: judge
  - name: long
    expr: 'len(output) > 3 ? 1.0 : parameters.threshold'
trials: 2
thresholds:
  correct: 0.8
gates:
  - scores.correct.mean >= 0.5 && errors == 0
`, i)
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkValidateTree validates a tree of 1,000 eval files from disk.
func BenchmarkValidateTree(b *testing.B) {
	dir := b.TempDir()
	writeTree(b, dir, 1000)
	b.ResetTimer()
	for b.Loop() {
		res := NewValidator(OSFS{}, dir, testCatalog).Validate([]string{"."})
		if len(res.Diagnostics) > 0 {
			b.Fatal(res.Diagnostics)
		}
		if len(res.Evals) != 1000 {
			b.Fatalf("validated %d evals, want 1000", len(res.Evals))
		}
	}
}

func TestLargeTreeIsValid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeTree(t, dir, 30)
	res := NewValidator(OSFS{}, dir, testCatalog).Validate(nil)
	if len(res.Diagnostics) > 0 {
		t.Fatal(res.Diagnostics)
	}
	// 30 evals, the prompt, the function file and caliper.yaml.
	if got := len(res.Files); got != 33 {
		t.Errorf("validated %d files, want 33: %v", got, res.Files)
	}
}
