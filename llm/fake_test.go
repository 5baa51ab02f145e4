package llm

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// received is one request the fake server got.
type received struct {
	Method string
	Path   string
	Header http.Header
	Body   map[string]any
	Raw    string
}

// reply is what the fake server answers.
type reply struct {
	Status int
	Header map[string]string
	Body   string
	Delay  time.Duration // wait before answering (or until the client gives up)
}

// fakeServer is an httptest server that records requests and answers with
// replies chosen by a function of the request's index (0-based).
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	reqs     []received
	count    atomic.Int64
	inflight atomic.Int64
	maxIn    atomic.Int64
	answer   func(n int, r received) reply
}

func newFake(t testing.TB, answer func(n int, r received) reply) *fakeServer {
	f := &fakeServer{answer: answer}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) serve(w http.ResponseWriter, r *http.Request) {
	in := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		m := f.maxIn.Load()
		if in <= m || f.maxIn.CompareAndSwap(m, in) {
			break
		}
	}
	raw, _ := io.ReadAll(r.Body)
	rec := received{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Raw: string(raw)}
	_ = json.Unmarshal(raw, &rec.Body)
	n := int(f.count.Add(1) - 1)
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	f.mu.Unlock()
	rep := f.answer(n, rec)
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	if rep.Status == 0 {
		rep.Status = http.StatusOK
	}
	w.WriteHeader(rep.Status)
	_, _ = io.WriteString(w, rep.Body)
}

func (f *fakeServer) requests() []received {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]received(nil), f.reqs...)
}

func (f *fakeServer) calls() int { return int(f.count.Load()) }

// openaiAnswer is a chat completion as the OpenAI API writes it.
func openaiAnswer(content string) string {
	return `{
  "id": "chatcmpl-abc123",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4o-mini-2024-07-18",
  "choices": [
    {
      "index": 0,
      "message": {"role": "assistant", "content": ` + quote(content) + `, "refusal": null, "annotations": []},
      "logprobs": null,
      "finish_reason": "stop"
    }
  ],
  "usage": {
    "prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
    "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
  },
  "service_tier": "default",
  "system_fingerprint": "fp_06737a9306"
}`
}

// openaiToolAnswer is a chat completion whose message calls a tool.
func openaiToolAnswer(name, args string) string {
	return `{
  "id": "chatcmpl-tool1",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4o-mini-2024-07-18",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": null,
        "tool_calls": [
          {"id": "call_abc", "type": "function", "function": {"name": ` + quote(name) + `, "arguments": ` + quote(args) + `}}
        ],
        "refusal": null,
        "annotations": []
      },
      "logprobs": null,
      "finish_reason": "tool_calls"
    }
  ],
  "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99}
}`
}

// anthropicAnswer is a message as the Anthropic API writes it.
func anthropicAnswer(blocks string) string {
	return `{
  "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
  "type": "message",
  "role": "assistant",
  "model": "claude-sonnet-4-5-20250929",
  "content": ` + blocks + `,
  "stop_reason": "end_turn",
  "stop_sequence": null,
  "usage": {"input_tokens": 2095, "output_tokens": 503, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
}`
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// ok answers every request with the same OpenAI answer.
func ok(content string) func(int, received) reply {
	return func(int, received) reply { return reply{Body: openaiAnswer(content)} }
}

// testClient builds a client with one OpenAI-compatible provider "test" at
// the fake server, fast backoff and the settings of mod.
func testClient(t testing.TB, url string, mod func(*Config, *ProviderConfig)) *Client {
	t.Helper()
	pc := ProviderConfig{Type: TypeOpenAI, BaseURL: url + "/v1", APIKeyEnv: "TEST_KEY", MaxRetries: 5}
	cfg := Config{Env: map[string]string{"TEST_KEY": "sk-test-secret"}, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}
	if mod != nil {
		mod(&cfg, &pc)
	}
	cfg.Providers = map[string]ProviderConfig{"test": pc}
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ptr[T any](v T) *T { return &v }
