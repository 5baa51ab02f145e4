package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// capitalsServer speaks the OpenAI chat-completions wire format: it answers a
// capital question with the capital (wrong for Peru), and a judge's
// select_choice call with Y when the answer is in the request and N otherwise.
func capitalsServer(t *testing.T, requests *atomic.Int64) *httptest.Server {
	t.Helper()
	capitals := map[string]string{"France": "Paris", "Japan": "Tokyo", "Italy": "Rome", "Peru": "Cusco"}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(w, `{"error": {"message": "bad path or key"}}`, http.StatusUnauthorized)
			return
		}
		var req struct {
			Messages []struct{ Content string }
			Tools    []struct{ Function struct{ Name string } }
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		last := req.Messages[len(req.Messages)-1].Content
		message := map[string]any{"role": "assistant"}
		if len(req.Tools) > 0 && req.Tools[0].Function.Name == "select_choice" {
			choice := "N"
			for _, right := range []string{"Paris", "Tokyo", "Rome"} {
				if strings.Contains(strings.Join(contents(req.Messages), "\n"), right) {
					choice = "Y"
				}
			}
			args, _ := json.Marshal(map[string]string{"reasons": "compared the answer with the expected one", "choice": choice})
			message["content"] = nil
			message["tool_calls"] = []any{map[string]any{"id": "call_1", "type": "function", "function": map[string]any{"name": "select_choice", "arguments": string(args)}}}
		} else {
			answer := "I don't know"
			for country, capital := range capitals {
				if strings.Contains(last, country) {
					answer = capital
				}
			}
			message["content"] = answer
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
		})
	}))
}

func contents(msgs []struct{ Content string }) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Content
	}
	return out
}

func writeLLMProject(t *testing.T, dir, baseURL string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  local: {type: openai, base_url: "%s/v1", api_key_env: LOCAL_KEY}
prices:
  local/test-model: {input: 1000, output: 1000}
`, baseURL))
	writeFile(t, filepath.Join(dir, "capitals.jsonl"), `{"id": "fr", "input": {"country": "France"}, "expected": "Paris"}
{"id": "jp", "input": {"country": "Japan"}, "expected": "Tokyo"}
{"id": "it", "input": {"country": "Italy"}, "expected": "Rome"}
{"id": "pe", "input": {"country": "Peru"}, "expected": "Lima"}
`)
	writeFile(t, filepath.Join(dir, "answer.prompt.yaml"), `model: local/test-model
params: {temperature: 0, max_tokens: 20}
messages:
  - {role: system, content: Answer with the capital only.}
  - {role: user, content: "What is the capital of {{input.country}}?"}
`)
	writeFile(t, filepath.Join(dir, "capitals.eval.yaml"), `name: capitals
data: {file: capitals.jsonl}
task: {prompt: answer.prompt.yaml}
scorers:
  - {name: exact, expr: output == expected}
  - use: closed_qa
    with: {model: local/test-model, criteria: "the answer is the expected capital"}
max_concurrency: 1
`)
}

func TestPromptTaskAndJudgeAgainstALocalServer(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := capitalsServer(t, &requests)
	defer srv.Close()
	dir := t.TempDir()
	writeLLMProject(t, dir, srv.URL)
	env := map[string]string{"LOCAL_KEY": "test-key"}

	code, out, errOut := runEnv(t, dir, env, "run", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "4 cases × 1 trials = 4 rows, 8 model calls") || requests.Load() != 0 {
		t.Fatalf("dry run: exit %d, %d requests\n%s%s", code, requests.Load(), out, errOut)
	}
	if code, _, errOut = runEnv(t, dir, map[string]string{}, "run"); code != ExitRun || !strings.Contains(errOut, "LOCAL_KEY") || requests.Load() != 0 {
		t.Fatalf("a missing key must stop the run before any request: exit %d, %d requests, %s", code, requests.Load(), errOut)
	}

	code, out, errOut = runEnv(t, dir, env, "run")
	if code != ExitOK || requests.Load() != 8 {
		_, rows, _ := runEnv(t, dir, env, "experiments", "export", "--store", filepath.Join(dir, "s.db"), strings.Fields(strings.SplitN(out, "experiment ", 2)[1])[0])
		t.Fatalf("first run: exit %d, %d requests (want 4 answers and 4 judgements)\n%s%s\n%s", code, requests.Load(), out, errOut, rows)
	}
	for _, want := range []string{`exact\s+0\.750\s+4\s+0`, `closed_qa\s+0\.750\s+4\s+0`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	code, out2, errOut := runEnv(t, dir, env, "run")
	if code != ExitOK || requests.Load() != 8 {
		t.Fatalf("second run: exit %d, %d requests in all: an unchanged eval must make no model call\n%s", code, requests.Load(), errOut)
	}
	if scores(out) != scores(out2) {
		t.Errorf("the cached run scored differently:\n%s\n%s", out, out2)
	}

	db, err := store.Open(context.Background(), filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, _ := db.Experiments(context.Background(), store.ListOptions{Eval: "capitals"})
	var spans []map[string]any
	var metrics map[string]float64
	err = db.Rows(context.Background(), exps[len(exps)-1].ID, func(r *store.Row) error {
		if r.CaseID == "fr" {
			metrics = r.Metrics
			return json.Unmarshal(r.Spans, &spans)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 2 || spans[0]["kind"] != "llm" || metrics["tokens"] != 24 || metrics["llm_calls"] != 2 {
		t.Errorf("the first run's row fr: spans %v metrics %v; want the task's and the judge's calls with 12 tokens each", spans, metrics)
	}
	if metrics["estimated_cost"] <= 0.02 || metrics["estimated_cost"] >= 0.03 {
		t.Errorf("estimated_cost %v: 24 tokens at $1000 per million is $0.024", metrics["estimated_cost"])
	}

	code, out, _ = runEnv(t, dir, env, "run", "--no-cache", "--trials", "5", "--max-cost", "0.05")
	if code != ExitRun || !strings.Contains(out, "stopped early: max cost") || requests.Load() > 8+2*5 {
		t.Errorf("--max-cost 0.05: exit %d, %d requests in all\n%s", code, requests.Load(), out)
	}
}

func scores(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  exact") || strings.HasPrefix(line, "  closed_qa") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}
