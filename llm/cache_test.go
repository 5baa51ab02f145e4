package llm

import (
	"context"
	"strings"
	"sync"
	"testing"
)

func TestCacheAnswersIdenticalRequests(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("cached answer"))
	cache := NewMemoryCache()
	c := testClient(t, f.URL, func(c *Config, _ *ProviderConfig) { c.Cache = cache })
	req := fullRequest("test/gpt-4o-mini")
	first, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls() != 1 {
		t.Fatalf("%d requests for two identical calls, want 1", f.calls())
	}
	if first.Cached || !second.Cached {
		t.Errorf("Cached: first %v, second %v", first.Cached, second.Cached)
	}
	if second.Content != first.Content || second.Usage != first.Usage || second.Model != first.Model {
		t.Errorf("the cached answer differs: %+v vs %+v", second, first)
	}
	if second.Latency != 0 || second.Cost != 0 || second.Attempts != 0 || !second.Priced {
		t.Errorf("a cached answer costs nothing: %+v", second)
	}
	for _, v := range cache.m {
		if strings.Contains(string(v), "sk-test-secret") {
			t.Errorf("the cache holds the key: %s", v)
		}
	}

	other := req
	other.Trial = 1
	if r, err := c.Chat(context.Background(), other); err != nil || r.Cached {
		t.Errorf("another trial is another request: %+v %v", r, err)
	}
	other = req
	other.Params.Temperature = ptr(0.3)
	if r, err := c.Chat(context.Background(), other); err != nil || r.Cached {
		t.Errorf("other params are another request: %+v %v", r, err)
	}
	if f.calls() != 3 {
		t.Errorf("%d requests, want 3", f.calls())
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, _ received) reply {
		if n == 0 {
			return reply{Status: 400, Body: `{"error": {"message": "bad request"}}`}
		}
		return reply{Body: openaiAnswer("now fine")}
	})
	cache := NewMemoryCache()
	c := testClient(t, f.URL, func(c *Config, _ *ProviderConfig) { c.Cache = cache })
	if _, err := chat(c, "test/gpt-4o-mini"); err == nil {
		t.Fatal("want the 400")
	}
	if cache.Len() != 0 {
		t.Fatalf("an error was cached")
	}
	resp, err := chat(c, "test/gpt-4o-mini")
	if err != nil || resp.Cached || resp.Content != "now fine" || f.calls() != 2 {
		t.Errorf("after an error the call is sent again: %+v %v (%d calls)", resp, err, f.calls())
	}
}

func TestCacheKeys(t *testing.T) {
	t.Parallel()
	c := testClient(t, "http://127.0.0.1:1", func(c *Config, _ *ProviderConfig) { c.Env = nil }) // no key needed for keys
	base := fullRequest("test/gpt-4o-mini")
	k0, err := c.CacheKey(base)
	if err != nil {
		t.Fatal(err)
	}
	if len(k0) != 64 {
		t.Errorf("key %q is not a hex sha256", k0)
	}
	same := fullRequest("test/gpt-4o-mini")
	same.Params.Extra = map[string]any{"user": "caliper"} // a new map with the same content
	if k, _ := c.CacheKey(same); k != k0 {
		t.Errorf("equal requests have different keys")
	}
	variants := map[string]func(*ChatRequest){
		"model":    func(r *ChatRequest) { r.Model = "test/gpt-4o" },
		"provider": func(r *ChatRequest) { r.Model = "openai/gpt-4o-mini" },
		"message":  func(r *ChatRequest) { r.Messages[1].Content += " " },
		"role":     func(r *ChatRequest) { r.Messages[2].Role = RoleUser },
		"param":    func(r *ChatRequest) { r.Params.MaxTokens = ptr(301) },
		"extra":    func(r *ChatRequest) { r.Params.Extra = map[string]any{"user": "other"} },
		"tool":     func(r *ChatRequest) { r.Tools[0].Description = "other" },
		"choice":   func(r *ChatRequest) { r.ToolChoice = "auto" },
		"format":   func(r *ChatRequest) { r.ResponseFormat = &ResponseFormat{Type: FormatJSONObject} },
		"trial":    func(r *ChatRequest) { r.Trial = 2 },
	}
	seen := map[string]string{k0: "base"}
	for name, change := range variants {
		r := fullRequest("test/gpt-4o-mini")
		r.Tools = []Tool{judgeTool}
		change(&r)
		k, err := c.CacheKey(r)
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := seen[k]; dup {
			t.Errorf("changing %s gives the key of %s", name, prev)
		}
		seen[k] = name
	}
}

func TestCacheUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("x"))
	c := testClient(t, f.URL, func(c *Config, _ *ProviderConfig) { c.Cache = NewMemoryCache() })
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := ChatRequest{Model: "test/gpt-4o-mini", Messages: []Message{{Role: RoleUser, Content: "hi"}}, Trial: i % 5}
			if _, err := c.Chat(context.Background(), req); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i := range 5 {
		req := ChatRequest{Model: "test/gpt-4o-mini", Messages: []Message{{Role: RoleUser, Content: "hi"}}, Trial: i}
		if r, err := c.Chat(context.Background(), req); err != nil || !r.Cached {
			t.Errorf("trial %d not cached: %v", i, err)
		}
	}
}
