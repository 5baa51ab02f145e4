package functions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// loadPromptFrom validates an eval whose task is the prompt text given, both
// written to a fresh directory, and returns the prompt and its file.
func loadPromptFrom(t *testing.T, prompt string) (*spec.Prompt, string) {
	t.Helper()
	dir := t.TempDir()
	eval := "name: p\ndata:\n  inline: [{input: {a: 1}}]\ntask:\n  prompt: p.prompt.yaml\nscorers:\n  - {name: ok, expr: \"true\"}\n"
	file := filepath.Join(dir, "p.prompt.yaml")
	for name, text := range map[string]string{"p.eval.yaml": eval, "p.prompt.yaml": prompt} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ev, diags := spec.NewValidator(spec.OSFS{}, dir, spec.EmptyCatalog{}).LoadEval(filepath.Join(dir, "p.eval.yaml"))
	if len(diags) > 0 || ev == nil {
		t.Fatalf("loading the eval: %v", diags)
	}
	return ev.Task.Prompt, file
}

// TestPromptMissingVariablePosition checks that the position of a missing
// variable comes from what validation read, in every scalar style, and not
// from the file as it is when the case runs.
func TestPromptMissingVariablePosition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content, want string
	}{
		{"plain", "content: Say {{nope}} now", ":4:18:"},
		{"double quoted with escapes", `content: "\u00e9\t{{nope}}"`, ":4:23:"},
		{"literal block", "content: |\n      one\n      two {{nope}}", ":6:13:"},
		{"folded block far down", "content: >\n      one\n      two\n      three\n      four\n      five\n      six {{nope}}", ":10:13:"},
		{"plain over lines", "content: one\n      two\n      three\n      four\n      five {{ nope }}", ":8:14:"},
		{"the second of two tags", "content: \"{{input.a}} {{nope}}\"", ":4:27:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sp, file := loadPromptFrom(t, "model: test/m\nmessages:\n  - role: user\n    "+strings.ReplaceAll(tc.content, "\n", "\n  ")+"\n")
			p, err := CompilePrompt(sp, RoleTask)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(file); err != nil { // run time must not need the file
				t.Fatal(err)
			}
			_, err = p.Render(&Request{Input: map[string]any{"a": 1.0}}, nil)
			if err == nil || !strings.HasPrefix(err.Error(), file+tc.want+" {{") {
				t.Errorf("error %v, want it at %s%s", err, file, tc.want)
			}
		})
	}
}
