package pipeline

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// TestMaskResultMasksEveryPartOfARow: the secrets and rules reach the case,
// the output, the errors, the scores' metadata and the spans of a result, and
// the case its trials share is left as it is.
func TestMaskResultMasksEveryPartOfARow(t *testing.T) {
	t.Parallel()
	const key = "sk-live-abcdef123456"
	m := mask.New([]string{key}, []mask.Rule{
		{Pattern: regexp.MustCompile(`\d{3}-\d{4}`), Replace: "[phone]"},
		{Field: []string{"input", "user", "email"}, Replace: "[masked]"},
	})
	p := &Pipeline{mask: m}
	c := &datasets.Case{Case: spec.Case{ID: "c1", Input: map[string]any{"user": map[string]any{"email": "ann@corp.test"}, "q": "call 555-1234"},
		Expected: key, Metadata: map[string]any{"note": "k " + key}, Tags: []string{"t"}}}
	r := &Result{
		Case: c, Output: "mail ann@corp.test with " + key, Error: "",
		Scores:       []scorers.Score{{Name: "judge", Value: 1, Metadata: map[string]any{"rationale": "saw " + key}}},
		ScorerErrors: map[string]string{"other": "failed: " + key},
		Spans: []functions.Span{{Name: "llm", Input: json.RawMessage(`{"messages":[{"content":"to ann@corp.test"}]}`),
			Output: json.RawMessage(`{"content":"` + key + `"}`), Error: key}},
	}
	got := p.maskResult(r)
	b, _ := json.Marshal(map[string]any{"case": got.Case, "output": got.Output, "scores": got.Scores, "errors": got.ScorerErrors, "spans": got.Spans})
	text := string(b)
	for _, leak := range []string{key, "ann@corp.test", "555-1234"} {
		if strings.Contains(text, leak) {
			t.Errorf("the masked result holds %q: %s", leak, text)
		}
	}
	for _, want := range []string{`"email":"[masked]"`, `call [phone]`, `mail [masked] with [redacted]`, `saw [redacted]`, `to [masked]`} {
		if !strings.Contains(text, want) {
			t.Errorf("the masked result lacks %s: %s", want, text)
		}
	}
	if c.Input.(map[string]any)["user"].(map[string]any)["email"] != "ann@corp.test" || c.Expected != key || r.Scores[0].Metadata["rationale"] != "saw "+key {
		t.Error("maskResult changed the shared case or the result it was given")
	}
	if got.Case.ID != "c1" {
		t.Errorf("case id %q: ids are kept for --resume", got.Case.ID)
	}
}

// TestNewMaskerHoldsTheRunsSecrets: provider keys (built in and configured)
// and env: values are secrets; unrelated variables are not.
func TestNewMaskerHoldsTheRunsSecrets(t *testing.T) {
	t.Parallel()
	proj := &spec.Project{Providers: map[string]spec.Provider{"local": {APIKeyEnv: "LOCAL_KEY"}}, Env: []string{"SHARED_TOKEN"}}
	ev := &spec.Eval{Env: []string{"EVAL_TOKEN"}, Project: proj}
	env := map[string]string{"OPENAI_API_KEY": "sk-openai-1", "LOCAL_KEY": "local-key-2", "SHARED_TOKEN": "shared-3",
		"EVAL_TOKEN": "eval-tok-4", "HOME": "/home/someone"}
	m := NewMasker(proj, RunSecrets([]*spec.Eval{ev}, env))
	got := m.String("sk-openai-1 local-key-2 shared-3 eval-tok-4 /home/someone")
	if got != "[redacted] [redacted] [redacted] [redacted] /home/someone" {
		t.Errorf("masked %q", got)
	}
	if _, err := EnvVars(ev, map[string]string{"EVAL_TOKEN": "x"}); err == nil || !strings.Contains(err.Error(), "SHARED_TOKEN") {
		t.Errorf("EnvVars without SHARED_TOKEN: %v", err)
	}
}

// BenchmarkMaskResult measures masking one typical row: a prompt task's
// output, a judge's metadata and two spans, with the secrets of a run and,
// in the second case, two masking rules.
func BenchmarkMaskResult(b *testing.B) {
	secrets := []string{"sk-openai-0123456789abcdef0123456789", "sk-ant-0123456789abcdef0123456789"}
	span := functions.Span{Name: "openai/gpt-4o-mini", Input: json.RawMessage(`{"model":"gpt-4o-mini","messages":[{"role":"system","content":"Answer with the capital only."},{"role":"user","content":"What is the capital of France? Contact ann@corp.test"}]}`),
		Output: json.RawMessage(`{"content":"Paris","usage":{"prompt_tokens":20,"completion_tokens":1}}`)}
	r := &Result{Case: &datasets.Case{Case: spec.Case{ID: "fr", Input: map[string]any{"country": "France", "user": map[string]any{"email": "ann@corp.test"}}, Expected: "Paris"}},
		Output: "Paris", Scores: []scorers.Score{{Name: "closed_qa", Value: 1, Metadata: map[string]any{"rationale": "the answer names the capital", "choice": "Y"}}},
		Spans: []functions.Span{span, span}}
	for _, tc := range []struct {
		name  string
		rules []mask.Rule
	}{
		{"secrets", nil},
		{"secrets+rules", []mask.Rule{{Pattern: regexp.MustCompile(`[\w.]+@[\w.]+`), Replace: "[email]"}, {Field: []string{"input", "user", "email"}, Replace: "[masked]"}}},
	} {
		p := &Pipeline{mask: mask.New(secrets, tc.rules)}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.maskResult(r)
			}
		})
	}
}
