package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

const renderPrompt = `slug: answer
model: "{{parameters.model}}"
params: {temperature: 0}
messages:
  - {role: system, content: "Answer in {{metadata.lang}}."}
  - role: user
    content: "Q: {{question}} ({{input.context}}) expected {{expected}}"
`

func TestPromptRender(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "answer.prompt.yaml"), renderPrompt)
	args := []string{"prompt", "render", "answer.prompt.yaml", "--input", `{"question": "2+2?", "context": {"n": 1}}`,
		"--expected", "4", "--metadata", `{"lang": "French"}`, "--param", "model=openai/gpt-4o-mini"}
	code, out, errOut := run(t, dir, args...)
	want := "model: openai/gpt-4o-mini\nparams: {\"temperature\":0}\n\n--- system\nAnswer in French.\n\n--- user\nQ: 2+2? ({\"n\":1}) expected 4\n"
	if code != ExitOK || out != want {
		t.Fatalf("exit %d\n got %q\nwant %q\n%s", code, out, want, errOut)
	}
	code, out, _ = run(t, dir, append(args, "--json")...)
	var req struct {
		Model    string
		Messages []struct{ Role, Content string }
	}
	if err := json.Unmarshal([]byte(out), &req); code != ExitOK || err != nil || req.Model != "openai/gpt-4o-mini" || len(req.Messages) != 2 || req.Messages[1].Content != `Q: 2+2? ({"n":1}) expected 4` {
		t.Errorf("--json: exit %d, %v: %s", code, err, out)
	}

	code, _, errOut = run(t, dir, "prompt", "render", "answer.prompt.yaml", "--input", `{"question": "q"}`, "--param", "model=openai/x", "--metadata", `{"lang": "en"}`)
	if code != ExitInvalid || !strings.Contains(errOut, "answer.prompt.yaml:7:32:") || !strings.Contains(errOut, "{{input.context}} in the user message names nothing") {
		t.Errorf("a missing variable: exit %d, %s", code, errOut)
	}
	code, _, errOut = run(t, dir, "prompt", "render", "nope.eval.yaml")
	if code != ExitInvalid || !strings.Contains(errOut, "not a prompt file") {
		t.Errorf("not a prompt: exit %d, %s", code, errOut)
	}
}

// writePromptFunctions writes a project whose functions/ holds a prompt task
// and a prompt judge, both by slug, at a server speaking the OpenAI wire format.
func writePromptFunctions(t *testing.T, dir, url string) {
	t.Helper()
	writeLLMProject(t, dir, url)
	writeFile(t, filepath.Join(dir, "functions", "capital.prompt.yaml"), `slug: capital
model: local/test-model
messages:
  - {role: user, content: "What is the capital of {{input.country}}?"}
`)
	writeFile(t, filepath.Join(dir, "functions", "inline.yaml"), `slug: capital-inline
prompt:
  model: local/test-model
  messages: [{role: user, content: "What is the capital of {{input.country}}?"}]
`)
	writeFile(t, filepath.Join(dir, "functions", "right.prompt.yaml"), `slug: right-capital
model: local/test-model
choice_scores: {"Y": 1, "N": 0}
messages:
  - {role: user, content: "Is {{output}} the capital, as {{expected}} is? Y or N."}
`)
	writeFile(t, filepath.Join(dir, "capitals.eval.yaml"), `name: capitals
data: {file: capitals.jsonl}
task: {function: capital}
scorers:
  - {name: exact, expr: output == expected}
  - {name: judged, function: right-capital}
`)
}

func TestPromptFunctionsBySlug(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := capitalsServer(t, &requests)
	defer srv.Close()
	dir := t.TempDir()
	writePromptFunctions(t, dir, srv.URL)
	env := map[string]string{"LOCAL_KEY": "test-key"}

	code, out, errOut := runEnv(t, dir, env, "invoke", "capital", "--input", `{"country": "Japan"}`)
	if code != ExitOK || strings.TrimSpace(out) != `"Tokyo"` {
		t.Fatalf("invoke capital: exit %d, %q %s", code, out, errOut)
	}
	// A function file with a prompt body failed with "there is no LLM client".
	code, out, errOut = runEnv(t, dir, env, "invoke", "capital-inline", "--input", `{"country": "Italy"}`)
	if code != ExitOK || strings.TrimSpace(out) != `"Rome"` {
		t.Fatalf("invoke capital-inline: exit %d, %q %s", code, out, errOut)
	}
	code, out, errOut = runEnv(t, dir, env, "invoke", "right-capital", "--output", "Rome", "--expected", "Rome")
	if code != ExitOK || !strings.Contains(out, `"score": 1`) || !strings.Contains(out, `"choice": "Y"`) {
		t.Fatalf("invoke right-capital: exit %d, %s %s", code, out, errOut)
	}
	if code, _, errOut = runEnv(t, dir, map[string]string{}, "invoke", "capital", "--input", `{"country": "Japan"}`); code != ExitRun || !strings.Contains(errOut, "LOCAL_KEY") {
		t.Errorf("invoke without the key: exit %d, %s", code, errOut)
	}

	before := requests.Load()
	code, out, errOut = runEnv(t, dir, env, "run")
	if code != ExitOK || requests.Load()-before != 8 {
		t.Fatalf("run: exit %d, %d requests (want 4 answers, 4 judgements)\n%s%s", code, requests.Load()-before, out, errOut)
	}
	for _, want := range []string{`exact\s+0\.750\s+4\s+0`, `judged\s+0\.750\s+4\s+0`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
}

func TestPromptInFunctionsNeedsASlug(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "store: s.db\n")
	writeFile(t, filepath.Join(dir, "functions", "anon.prompt.yaml"), "model: openai/gpt-4o-mini\nmessages: [{role: user, content: hi}]\n")
	code, _, errOut := run(t, dir, "invoke", "anon")
	want := fmt.Sprintf("%s:1:1: a prompt in functions/ is a function and needs a slug", filepath.Join("functions", "anon.prompt.yaml"))
	if code != ExitInvalid || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, %s; want %q", code, errOut, want)
	}
}
