package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// Header values of a provider in caliper.yaml, secrets of these tests.
const (
	hdrBearer = "hb-7c1e9a5f3d2b4086e4c2a0f8d6b4e2c0a8f6"
	hdrCustom = "hc-2a4c6e8f0b1d3f5a7c9e1b3d5f7a9c1e3b5d"
)

// headerEchoServer speaks the OpenAI chat-completions wire format and echoes
// the values of the Authorization (without "Bearer ") and X-Custom-Token
// headers it was sent: in the answer, in a judge's reasons, and in an error
// body that is not JSON for an input holding "fail".
func headerEchoServer(t *testing.T) *httptest.Server {
	t.Helper()
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		echo := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + " and " + r.Header.Get("X-Custom-Token")
		var req struct {
			Messages []struct{ Content json.RawMessage }
			Tools    []json.RawMessage
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		var text string
		for _, m := range req.Messages {
			text += string(m.Content)
		}
		if strings.Contains(text, "fail") && len(req.Tools) == 0 {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, "headers %s are not allowed", echo)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		message := map[string]any{"role": "assistant", "content": "you sent " + echo}
		if len(req.Tools) > 0 {
			args, _ := json.Marshal(map[string]string{"reasons": "the headers were " + echo, "choice": "Y"})
			message = map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
				"id": "call_1", "type": "function", "function": map[string]any{"name": "select_choice", "arguments": string(args)}}}}
		}
		json.NewEncoder(w).Encode(map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "m",
			"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
		})
	}))
}

// TestProviderHeadersAreSecrets runs an eval against a provider whose
// caliper.yaml headers carry tokens, and which echoes them: no token reaches
// the store (rows, spans, judge reasons, the response cache), the terminal,
// a report or an export.
func TestProviderHeadersAreSecrets(t *testing.T) {
	t.Parallel()
	srv := headerEchoServer(t)
	defer srv.Close()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  hdr:
    type: openai
    base_url: "%s/v1"
    max_retries: 0
    headers: {Authorization: "Bearer %s", X-Custom-Token: "%s"}
`, srv.URL, hdrBearer, hdrCustom))
	writeFile(t, filepath.Join(dir, "rows.jsonl"), `{"id": "ok", "input": "hello"}
{"id": "fail", "input": "fail"}
`)
	writeFile(t, filepath.Join(dir, "h.eval.yaml"), `name: h
data: {file: rows.jsonl}
task:
  prompt:
    model: hdr/m
    messages: [{role: user, content: "{{input}}"}]
scorers:
  - use: closed_qa
    with: {model: hdr/m, criteria: "the answer is polite"}
max_concurrency: 1
`)
	texts := outputsOfTwoRuns(t, dir, nil)
	var redacted bool
	for name, out := range texts {
		redacted = redacted || strings.HasPrefix(name, "export ") && strings.Contains(out, "you sent [redacted] and [redacted]")
	}
	for _, l := range leaks(t, dir, texts, hdrBearer, hdrCustom) {
		if !strings.HasPrefix(l, filepath.Join(dir, "caliper.yaml")+" ") { // where they are written
			t.Error(l)
		}
	}
	if !redacted {
		t.Errorf("no export holds the echoed answer with both headers masked:\n%v", texts)
	}
}
