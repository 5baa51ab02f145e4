package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzValidate feeds arbitrary bytes to the loader as an eval file: it must never
// panic, and every diagnostic must point inside the file.
func FuzzValidate(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	more, _ := filepath.Glob("../examples/*/*.eval.yaml")
	for _, p := range append(seeds, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("name: x\ndata: {inline: [{input: 1}]}\ntask: {expr: 'input +'}\n"))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("\t- x\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys := newMemFS(map[string]string{
			"/p/x.eval.yaml":      string(src),
			"/p/d.jsonl":          "{}\n",
			"/p/functions/f.yaml": "slug: f\nexpr: input\n",
		})
		res := NewValidator(fsys, "/p", testCatalog).Validate([]string{"x.eval.yaml"})
		lines := strings.Count(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n") + strings.Count(string(src), "\r") + 2
		for _, d := range res.Diagnostics {
			if d.Line < 1 || d.Col < 1 {
				t.Fatalf("diagnostic outside the file: %s", d)
			}
			if d.File == "x.eval.yaml" && d.Line > lines {
				t.Fatalf("diagnostic past the last line %d: %s", lines, d)
			}
			if d.Message == "" {
				t.Fatalf("diagnostic without a message at %d:%d", d.Line, d.Col)
			}
		}
	})
}
