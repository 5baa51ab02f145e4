package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// supportServer speaks the OpenAI chat-completions wire format: a support
// model that answers with tool calls (one, or two in parallel) chosen from
// the last user message, and a judge that chooses Y when the transcript it is
// shown has the model looking the order up. It records the task requests.
type supportServer struct {
	*httptest.Server
	mu    sync.Mutex
	tasks [][]map[string]any // the messages of each task request
}

func newSupportServer(t *testing.T) *supportServer {
	t.Helper()
	s := &supportServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []map[string]any
			Tools    []struct{ Function struct{ Name string } }
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		call := func(id, name, args string) any {
			return map[string]any{"id": id, "type": "function", "function": map[string]any{"name": name, "arguments": args}}
		}
		message := map[string]any{"role": "assistant", "content": nil}
		if len(req.Tools) > 0 && req.Tools[0].Function.Name == "select_choice" {
			choice := "N"
			if prompt, _ := req.Messages[0]["content"].(string); strings.Contains(prompt, "\n\nassistant called lookup_order {") {
				choice = "Y"
			}
			message["tool_calls"] = []any{call("call_j", "select_choice", `{"reasons": "read the transcript", "choice": "`+choice+`"}`)}
		} else {
			s.mu.Lock()
			s.tasks = append(s.tasks, req.Messages)
			s.mu.Unlock()
			last, _ := req.Messages[len(req.Messages)-1]["content"].(string)
			switch {
			case strings.Contains(last, "order 42"):
				message["tool_calls"] = []any{call("call_1", "lookup_order", `{"id": 42}`)}
			case strings.Contains(last, "refund 7"):
				message["tool_calls"] = []any{call("call_1", "lookup_order", `{"id": 7}`), call("call_2", "refund", `{"id": 7}`)}
			default:
				message["content"] = "Hello"
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": "tool_calls"}},
			"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
		})
	}))
	t.Cleanup(s.Close)
	return s
}

// TestTrajectoryScorersOnConversationCases runs an eval whose cases are
// conversations and whose prompt task answers with tool calls, against a
// local OpenAI-compatible server, and checks every trajectory scorer's mean
// (computed by hand below) and the messages the model was sent.
func TestTrajectoryScorersOnConversationCases(t *testing.T) {
	t.Parallel()
	srv := newSupportServer(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  local: {type: openai, base_url: "%s/v1", api_key_env: LOCAL_KEY}
`, srv.URL))
	writeFile(t, filepath.Join(dir, "support.jsonl"), `{"id": "track", "input": {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"}, {"role": "user", "content": "Where is order 42?"}]}, "expected": {"tool_calls": [{"name": "lookup_order", "arguments": {"id": 42}}]}}
{"id": "refund", "input": {"messages": [{"role": "user", "content": "Please refund 7."}]}, "expected": {"tool_calls": [{"name": "refund", "arguments": {"id": 7}}, {"name": "lookup_order", "arguments": {"id": 7}}]}}
`)
	writeFile(t, filepath.Join(dir, "support.prompt.yaml"), `model: local/test-model
messages:
  - {role: system, content: You are the Acme support agent. Use the tools.}
tools:
  - {name: lookup_order, description: Find an order., parameters: {type: object, properties: {id: {type: integer}}}}
  - {name: refund, description: Refund an order., parameters: {type: object, properties: {id: {type: integer}}}}
`)
	writeFile(t, filepath.Join(dir, "support.eval.yaml"), `name: support
data: {file: support.jsonl}
task: {prompt: support.prompt.yaml}
scorers:
  - {name: looked_up, use: tool_called, with: {name: lookup_order}}
  - {name: refunded_7, use: tool_called, with: {name: refund, arguments: {id: 7}}}
  - {name: strict, use: tool_args_match}
  - {name: unordered, use: tool_args_match, with: {mode: unordered}}
  - {name: sequence, use: tool_sequence}
  - {name: f1, use: tool_call_f1, with: {tools: [lookup_order, refund]}}
  - name: judged
    use: conversation_judge
    with: {model: local/test-model, criteria: The assistant looks the order up before acting.}
max_concurrency: 1
`)
	env := map[string]string{"LOCAL_KEY": "test-key"}
	if code, out, errOut := runEnv(t, dir, env, "validate"); code != ExitOK {
		t.Fatalf("validate: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runEnv(t, dir, env, "run")
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	// track called lookup_order{42}; refund called lookup_order{7} and refund{7}
	// in that order, the reverse of its expected calls.
	for _, want := range []string{
		`looked_up\s+1\.000\s+2\s+0`,  // both called lookup_order
		`refunded_7\s+0\.500\s+2\s+0`, // refund only
		`strict\s+0\.500\s+2\s+0`,     // refund's order differs
		`unordered\s+1\.000\s+2\s+0`,  // the same calls
		`sequence\s+0\.750\s+2\s+0`,   // track 1; refund LCS 1 / 2
		`f1\s+0\.833\s+2\s+0`,         // track P 1 R 1/2 F1 2/3; refund 1
		`judged\s+1\.000\s+2\s+0`,     // the judge saw the lookups
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	var track []map[string]any
	for _, msgs := range srv.tasks {
		if len(msgs) == 4 {
			track = msgs
		}
	}
	got, _ := json.Marshal(track)
	want := `[{"content":"You are the Acme support agent. Use the tools.","role":"system"},{"content":"Hi","role":"user"},` +
		`{"content":"Hello! How can I help?","role":"assistant"},{"content":"Where is order 42?","role":"user"}]`
	if string(got) != want {
		t.Errorf("the track case sent\n%s\nwant\n%s", got, want)
	}
}
