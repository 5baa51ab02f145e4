package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestLLMThroughput is the performance check, run by hand:
//
//	CALIPER_PERF=1 go test ./cmd/caliper -run TestLLMThroughput -v
//
// 5,000 prompt cases at max_concurrency 64 against a local OpenAI-compatible
// server that answers after 50 ms: ideally 5000 × 50 ms / 64 = 3.9 s. Then the
// same with one answer in ten a 429 (Retry-After: 0): every case must still be
// scored. It logs the figures; it asserts no timing, only that nothing is lost.
func TestLLMThroughput(t *testing.T) {
	if os.Getenv("CALIPER_PERF") == "" {
		t.Skip("set CALIPER_PERF=1 to measure the LLM throughput")
	}
	for _, rejectEvery := range []int64{0, 10} {
		var n, rejected atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(50 * time.Millisecond)
			if i := n.Add(1); rejectEvery > 0 && i%rejectEvery == 0 {
				rejected.Add(1)
				w.Header().Set("Retry-After", "0")
				http.Error(w, `{"error": {"message": "rate limited"}}`, http.StatusTooManyRequests)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"id": "x", "object": "chat.completion", "model": "m",
				"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": "ok"}, "finish_reason": "stop"}},
				"usage":   map[string]any{"prompt_tokens": 10, "completion_tokens": 1, "total_tokens": 11}})
		}))
		dir := t.TempDir()
		var rows strings.Builder
		for i := range 5000 {
			fmt.Fprintf(&rows, `{"id": "c%d", "input": "q%d", "expected": "ok"}`+"\n", i, i)
		}
		writeFile(t, filepath.Join(dir, "cases.jsonl"), rows.String())
		writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf("store: s.db\nproviders:\n  local: {type: openai, base_url: %q}\n", srv.URL+"/v1"))
		writeFile(t, filepath.Join(dir, "load.eval.yaml"), `name: load
data: {file: cases.jsonl}
task:
  prompt:
    model: local/m
    messages: [{role: user, content: "{{input}}"}]
scorers: [{name: ok, expr: output == expected}]
max_concurrency: 64
gates: ["errors == 0", "scores.ok.count == 5000"]
`)
		start := time.Now()
		code, out, errOut := run(t, dir, "run", "--no-cache")
		took := time.Since(start)
		srv.Close()
		if code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		ideal := 5000 * 50 * time.Millisecond / 64
		t.Logf("429 every %d: %v for 5,000 cases (ideal %v, +%.1f%%), %d requests, %d rejected",
			rejectEvery, took.Round(time.Millisecond), ideal, 100*(took.Seconds()/ideal.Seconds()-1), n.Load(), rejected.Load())
	}
}
