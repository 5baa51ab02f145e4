package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// agentServer is a model that speaks the OpenAI chat completions and the
// Anthropic messages wire formats and runs a three-turn script, read from
// the messages it is sent: turn 1 calls lookup_order three times at once
// (order 7, order 8, which does not exist, and arguments that miss the
// required id), turn 2 calls refund for order 7, turn 3 answers with every
// tool result it was sent. Each turn uses 10 prompt and 2 completion tokens.
func agentServer(t *testing.T, requests *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		var req struct {
			Messages []struct {
				Role    string          `json:"role"`
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		turn, results := 1, []string{}
		for _, m := range req.Messages {
			if m.Role == "assistant" {
				turn++
			}
			results = append(results, toolResults(m.Role, m.Content)...)
		}
		type call struct{ id, name, args string }
		var calls []call
		text := ""
		switch turn {
		case 1:
			calls = []call{{"call_1", "lookup_order", `{"id": 7}`}, {"call_2", "lookup_order", `{"id": 8}`}, {"call_3", "lookup_order", `{"order": 7}`}}
		case 2:
			calls = []call{{"call_4", "refund", `{"id": 7}`}}
		default:
			text = "done: " + strings.Join(results, " | ")
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/messages" {
			content := []any{}
			if text != "" {
				content = append(content, map[string]any{"type": "text", "text": text})
			}
			for _, c := range calls {
				content = append(content, map[string]any{"type": "tool_use", "id": c.id, "name": c.name, "input": json.RawMessage(c.args)})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "msg_1", "type": "message", "role": "assistant", "model": "test-model",
				"content": content, "stop_reason": "end_turn", "usage": map[string]any{"input_tokens": 10, "output_tokens": 2}})
			return
		}
		message := map[string]any{"role": "assistant", "content": text}
		if len(calls) > 0 {
			var tcs []any
			for _, c := range calls {
				tcs = append(tcs, map[string]any{"id": c.id, "type": "function", "function": map[string]any{"name": c.name, "arguments": c.args}})
			}
			message["content"], message["tool_calls"] = nil, tcs
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// toolResults are the tool results of one message in either wire format.
func toolResults(role string, content json.RawMessage) []string {
	if role == "tool" {
		var s string
		_ = json.Unmarshal(content, &s)
		return []string{s}
	}
	var blocks []struct {
		Type    string `json:"type"`
		Content []struct {
			Text string `json:"text"`
		} `json:"content"`
	}
	if role != "user" || json.Unmarshal(content, &blocks) != nil {
		return nil
	}
	var out []string
	for _, b := range blocks {
		if b.Type == "tool_result" && len(b.Content) > 0 {
			out = append(out, b.Content[0].Text)
		}
	}
	return out
}

// writeAgentProject writes an agent eval whose model is srv, through a
// provider of type typ, with tools in Python (lookup_order a JSON Lines
// worker, refund a one-shot program) and limits in extra.
func writeAgentProject(t *testing.T, dir, url, typ, extra string) {
	t.Helper()
	base := url + "/v1"
	if typ == "anthropic" {
		base = url
	}
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  local: {type: %s, base_url: "%s", api_key_env: LOCAL_KEY}
prices:
  local/test-model: {input: 1000, output: 1000}
`, typ, base))
	writeFile(t, filepath.Join(dir, "functions", "lookup_order.yaml"), `slug: lookup_order
description: Looks an order up by its id.
input_schema:
  type: object
  properties: {id: {type: integer}}
  required: [id]
exec: {command: [python3, ../tools/lookup.py], worker: true}
`)
	writeFile(t, filepath.Join(dir, "functions", "refund.yaml"), `slug: refund
description: Refunds an order.
input_schema:
  type: object
  properties: {id: {type: integer}}
  required: [id]
exec: {command: [python3, ../tools/refund.py]}
`)
	writeFile(t, filepath.Join(dir, "tools", "lookup.py"), `import json, sys
orders = {7: "shipped"}
for line in sys.stdin:
    req = json.loads(line)
    order = req["input"]["id"]
    if order in orders:
        answer = {"id": req["id"], "output": {"id": order, "status": orders[order]}}
    else:
        answer = {"id": req["id"], "error": "no order %d" % order}
    print(json.dumps(answer), flush=True)
`)
	writeFile(t, filepath.Join(dir, "tools", "refund.py"), `import json, sys
print("refund r-%d issued" % json.load(sys.stdin)["input"]["id"])
`)
	writeFile(t, filepath.Join(dir, "scorers", "trajectory.py"), `import json, sys
req = json.load(sys.stdin)
names = [c["name"] for c in req.get("tool_calls", [])]
print(json.dumps({"score": 1 if "refund" in names and len(req.get("messages", [])) > 0 else 0}))
`)
	writeFile(t, filepath.Join(dir, "agent.prompt.yaml"), `model: local/test-model
messages:
  - {role: system, content: You look orders up and refund them.}
  - {role: user, content: "{{input}}"}
tools:
  - function: lookup_order
  - function: refund
`+extra)
	writeFile(t, filepath.Join(dir, "agent.eval.yaml"), `name: agent
data: {inline: [{id: orders, input: "Where are orders 7 and 8? Refund 7."}]}
task: {prompt: agent.prompt.yaml}
scorers:
  - {name: refunded, expr: 'any(tool_calls, .name == "refund" && .arguments.id == 7)'}
  - {name: calls, expr: 'len(tool_calls) == 4'}
  - {name: turns, expr: 'metrics.turns == 3'}
  - {name: final, expr: 'messages[len(messages)-1].role == "assistant"'}
  - name: trajectory
    exec: {command: [python3, scorers/trajectory.py]}
  - use: tool_sequence
    with: {tools: [lookup_order, lookup_order, lookup_order, refund]}
max_concurrency: 1
`)
}

// agentRow reads the row of the eval's latest experiment (listed first).
func agentRow(t *testing.T, dir string) *store.Row {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, err := db.Experiments(context.Background(), store.ListOptions{Eval: "agent"})
	if err != nil || len(exps) == 0 {
		t.Fatalf("no experiment: %v", err)
	}
	var row *store.Row
	if err := db.Rows(context.Background(), exps[0].ID, func(r *store.Row) error { row = r; return nil }); err != nil || row == nil {
		t.Fatalf("no row: %v", err)
	}
	return row
}

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
}

type span struct {
	Kind   string          `json:"kind"`
	Name   string          `json:"name"`
	Error  string          `json:"error"`
	Input  json.RawMessage `json:"input"`
	Output json.RawMessage `json:"output"`
	Cached bool            `json:"cached"`
}

func TestAgentToolLoopEndToEnd(t *testing.T) {
	t.Parallel()
	needPython(t)
	for _, typ := range []string{"openai", "anthropic"} {
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int64
			srv := agentServer(t, &requests)
			dir := t.TempDir()
			writeAgentProject(t, dir, srv.URL, typ, "")
			env := map[string]string{"LOCAL_KEY": "test-key"}
			code, out, errOut := runEnv(t, dir, env, "run")
			if code != ExitOK || requests.Load() != 3 {
				t.Fatalf("exit %d, %d model calls (want 3)\n%s%s", code, requests.Load(), out, errOut)
			}
			row := agentRow(t, dir)
			for name, want := range map[string]float64{"refunded": 1, "calls": 1, "turns": 1, "final": 1, "trajectory": 1, "tool_sequence": 1} {
				if row.Scores[name] != want {
					t.Errorf("score %s = %v, want %v (scorer errors %v)", name, row.Scores[name], want, row.ScorerErrors)
				}
			}
			if row.StopReason != "answer" || row.Metrics["turns"] != 3 || row.Metrics["tool_calls"] != 4 || row.Metrics["tokens"] != 36 {
				t.Errorf("stop %q, metrics %v; want answer, 3 turns, 4 tool calls, 36 tokens", row.StopReason, row.Metrics)
			}
			var output string
			_ = json.Unmarshal(row.Output, &output)
			for _, want := range []string{`{"id":7,"status":"shipped"}`, "error: ", "no order 8", "do not match the tool's input_schema", "refund r-7 issued"} {
				if !strings.Contains(output, want) {
					t.Errorf("the final answer lacks %q: it is built from the tool results the model was sent: %s", want, output)
				}
			}
			var msgs []map[string]any
			if err := json.Unmarshal(row.Messages, &msgs); err != nil {
				t.Fatalf("messages %s: %v", row.Messages, err)
			}
			var roles []string
			for _, m := range msgs {
				roles = append(roles, m["role"].(string))
			}
			if got := strings.Join(roles, " "); got != "system user assistant tool tool tool assistant tool assistant" {
				t.Errorf("transcript roles %q", got)
			}
			var spans []span
			if err := json.Unmarshal(row.Spans, &spans); err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			errs := 0
			for _, s := range spans {
				kinds[s.Kind]++
				if s.Kind == "tool" && s.Error != "" {
					errs++
				}
			}
			if kinds["llm"] != 3 || kinds["tool"] != 4 || errs != 2 {
				t.Errorf("spans %v, %d tool errors; want 3 llm spans, 4 tool spans, 2 of them errors", kinds, errs)
			}

			code, out, errOut = runEnv(t, dir, env, "run")
			if code != ExitOK || requests.Load() != 3 {
				t.Fatalf("rerun: exit %d, %d model calls in all: each turn must come from the cache\n%s%s", code, requests.Load(), out, errOut)
			}
			again := agentRow(t, dir)
			if string(again.Messages) != string(row.Messages) || again.Metrics["llm_cached_calls"] != 3 {
				t.Errorf("the rerun's transcript differs or was not cached: %v\n%s\n%s", again.Metrics, again.Messages, row.Messages)
			}
		})
	}
}

func TestAgentLimits(t *testing.T) {
	t.Parallel()
	needPython(t)
	for _, tc := range []struct {
		name, extra, stop string
		turns, calls      float64
		lastRole          string
	}{
		{"max_turns", "max_turns: 2\n", "max_turns", 2, 3, "assistant"},
		{"max_tool_calls", "max_tool_calls: 3\n", "max_tool_calls", 2, 3, "assistant"},
		{"max_tokens_total", "max_tokens_total: 12\n", "max_tokens_total", 1, 0, "assistant"},
		{"max_cost_total", "max_cost_total: 0.02\n", "max_cost_total", 2, 3, "assistant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var requests atomic.Int64
			srv := agentServer(t, &requests)
			dir := t.TempDir()
			writeAgentProject(t, dir, srv.URL, "openai", tc.extra)
			code, out, errOut := runEnv(t, dir, map[string]string{"LOCAL_KEY": "test-key"}, "run")
			// The case is scored, not an error: its scorers fail it.
			if code != ExitOK && code != ExitFailed {
				t.Fatalf("exit %d\n%s%s", code, out, errOut)
			}
			row := agentRow(t, dir)
			if row.Error != "" || row.StopReason != tc.stop || row.Metrics["turns"] != tc.turns || row.Metrics["tool_calls"] != tc.calls {
				t.Errorf("error %q, stop %q, metrics %v; want no error, %s, %v turns, %v tool calls", row.Error, row.StopReason, row.Metrics, tc.stop, tc.turns, tc.calls)
			}
			if int64(tc.turns) != requests.Load() {
				t.Errorf("%d model calls, want %v", requests.Load(), tc.turns)
			}
			if _, ok := row.Scores["turns"]; !ok {
				t.Errorf("a case that hit a limit is scored: scores %v", row.Scores)
			}
		})
	}
}

func TestAgentToolErrorFailsTheCase(t *testing.T) {
	t.Parallel()
	needPython(t)
	var requests atomic.Int64
	srv := agentServer(t, &requests)
	dir := t.TempDir()
	writeAgentProject(t, dir, srv.URL, "openai", "on_tool_error: fail\n")
	code, out, errOut := runEnv(t, dir, map[string]string{"LOCAL_KEY": "test-key"}, "run")
	if code != ExitOK || !strings.Contains(out, "1 error") || requests.Load() != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	row := agentRow(t, dir)
	if !strings.Contains(row.Error, `turn 1: tool "lookup_order"`) || !strings.Contains(row.Error, "on_tool_error: fail") || row.StopReason != "error" {
		t.Errorf("error %q, stop %q", row.Error, row.StopReason)
	}
	if !strings.Contains(string(row.Messages), "no order 8") {
		t.Errorf("the transcript of a failed case is kept: %s", row.Messages)
	}
}

func TestAgentTranscriptMasksSecrets(t *testing.T) {
	t.Parallel()
	needPython(t)
	var requests atomic.Int64
	srv := agentServer(t, &requests)
	dir := t.TempDir()
	writeAgentProject(t, dir, srv.URL, "openai", "")
	writeFile(t, filepath.Join(dir, "tools", "refund.py"), `import json, os, sys
print("refund r-%d issued with token %s" % (json.load(sys.stdin)["input"]["id"], os.environ["SHOP_TOKEN"]))
`)
	eval := filepath.Join(dir, "agent.eval.yaml")
	writeFile(t, eval, readFile(t, eval)+"env: [SHOP_TOKEN]\n")
	const secret = "shop-secret-4242"
	code, out, errOut := runEnv(t, dir, map[string]string{"LOCAL_KEY": "test-key", "SHOP_TOKEN": secret}, "run")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	row := agentRow(t, dir)
	for what, text := range map[string]string{"messages": string(row.Messages), "spans": string(row.Spans), "output": string(row.Output), "terminal": out + errOut} {
		if strings.Contains(text, secret) {
			t.Errorf("the secret reached the row's %s: %s", what, text)
		}
	}
	if !strings.Contains(string(row.Messages), "refund r-7 issued with token") {
		t.Errorf("the refund's result is missing from the transcript: %s", row.Messages)
	}
}

func TestAgentRescoreKeepsTheTrajectory(t *testing.T) {
	t.Parallel()
	needPython(t)
	var requests atomic.Int64
	srv := agentServer(t, &requests)
	dir := t.TempDir()
	writeAgentProject(t, dir, srv.URL, "openai", "")
	env := map[string]string{"LOCAL_KEY": "test-key"}
	code, out, errOut := runEnv(t, dir, env, "run")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	first := agentRow(t, dir)
	name := strings.Fields(strings.SplitN(out, "experiment ", 2)[1])[0]
	code, out, errOut = runEnv(t, dir, env, "run", "--rescore", name)
	if code != ExitOK || requests.Load() != 3 {
		t.Fatalf("rescore: exit %d, %d model calls in all (want the first run's 3)\n%s%s", code, requests.Load(), out, errOut)
	}
	row := agentRow(t, dir)
	for _, name := range []string{"refunded", "calls", "turns", "final", "trajectory"} {
		if row.Scores[name] != 1 {
			t.Errorf("rescored %s = %v: the scorers see the stored tool calls and messages (errors %v)", name, row.Scores[name], row.ScorerErrors)
		}
	}
	if string(row.Messages) != string(first.Messages) || row.StopReason != "answer" || row.Metrics["tool_calls"] != 4 {
		t.Errorf("the rescored row lost its trajectory: stop %q, metrics %v", row.StopReason, row.Metrics)
	}
}

// TestUserSimulatorEndToEnd runs a conversation with a scripted customer: a
// Python one-shot program that reads the transcript it is sent and writes
// the next user message, saying "bye" on its second turn. The model is a
// real OpenAI-compatible server that numbers its answers. The row keeps the
// whole conversation, stops with user_stop, and scorers see its messages.
func TestUserSimulatorEndToEnd(t *testing.T) {
	t.Parallel()
	needPython(t)
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := requests.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "test-model",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": fmt.Sprintf("answer %d", n)}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}})
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  local: {type: openai, base_url: "%s/v1", api_key_env: LOCAL_KEY}
`, srv.URL))
	writeFile(t, filepath.Join(dir, "functions", "customer.yaml"), `slug: customer
description: A customer who asks one follow-up question, then leaves.
exec: {command: [python3, ../tools/customer.py]}
`)
	writeFile(t, filepath.Join(dir, "tools", "customer.py"), `import json, sys
req = json.load(sys.stdin)
users = [m for m in req["messages"] if m["role"] == "user"]
print(json.dumps({"output": "and order %s?" % req["input"]["order"] if len(users) == 1 else "thanks, bye"}))
`)
	writeFile(t, filepath.Join(dir, "support.prompt.yaml"), `model: local/test-model
messages:
  - {role: system, content: You answer customers.}
  - {role: user, content: "Where is order {{input.order}}?"}
user_simulator: {function: customer, max_turns: 5, stop: bye}
`)
	writeFile(t, filepath.Join(dir, "agent.eval.yaml"), `name: agent
data: {inline: [{id: chat, input: {order: 7}}]}
task: {prompt: support.prompt.yaml}
scorers:
  - {name: asked_again, expr: 'any(messages, .role == "user" && .content == "and order 7?")'}
  - {name: two_answers, expr: 'len(filter(messages, .role == "assistant")) == 2'}
max_concurrency: 1
`)
	code, out, errOut := runEnv(t, dir, map[string]string{"LOCAL_KEY": "test-key"}, "run")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	row := agentRow(t, dir)
	var msgs []map[string]any
	if err := json.Unmarshal(row.Messages, &msgs); err != nil {
		t.Fatalf("messages %s: %v", row.Messages, err)
	}
	var turns []string
	for _, m := range msgs {
		turns = append(turns, fmt.Sprintf("%s: %v", m["role"], m["content"]))
	}
	want := "system: You answer customers. | user: Where is order 7? | assistant: answer 1 | user: and order 7? | assistant: answer 2 | user: thanks, bye"
	if got := strings.Join(turns, " | "); got != want {
		t.Errorf("transcript\n%s\nwant\n%s", got, want)
	}
	var output string
	_ = json.Unmarshal(row.Output, &output)
	if row.StopReason != "user_stop" || output != "answer 2" || requests.Load() != 2 || row.Metrics["turns"] != 2 {
		t.Errorf("stop %q, output %q, %d model calls, metrics %v; want user_stop, the last answer, 2 calls", row.StopReason, output, requests.Load(), row.Metrics)
	}
	if row.Scores["asked_again"] != 1 || row.Scores["two_answers"] != 1 {
		t.Errorf("scores %v (errors %v)", row.Scores, row.ScorerErrors)
	}
}
