package llm

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// openaiEmbeddings is an embeddings answer as the OpenAI API writes it, with
// the vectors listed in the order given (their index says which input).
func openaiEmbeddings(vectors map[int]string, order ...int) string {
	var data []string
	for _, i := range order {
		data = append(data, `{"object": "embedding", "index": `+strconv.Itoa(i)+`, "embedding": `+vectors[i]+`}`)
	}
	return `{"object": "list", "data": [` + strings.Join(data, ",") + `], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 8, "total_tokens": 8}}`
}

func TestEmbedWireFormat(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply {
		return reply{Body: openaiEmbeddings(map[int]string{0: "[1, 0]", 1: "[0.6, 0.8]"}, 1, 0)}
	})
	c := testClient(t, f.URL, nil)
	resp, err := c.Embed(context.Background(), EmbeddingRequest{Model: "test/text-embedding-3-small", Input: []string{"cat", "dog"}})
	if err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Method != "POST" || r.Path != "/v1/embeddings" {
		t.Errorf("sent %s %s, want POST /v1/embeddings", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sk-test-secret" {
		t.Errorf("Authorization = %q", got)
	}
	jsonEqual(t, "body", r.Body, `{"model": "text-embedding-3-small", "input": ["cat", "dog"], "encoding_format": "float"}`)
	if want := [][]float64{{1, 0}, {0.6, 0.8}}; !reflect.DeepEqual(resp.Vectors, want) {
		t.Errorf("vectors %v, want %v (in the order of the input, not of the answer)", resp.Vectors, want)
	}
	if resp.Usage.PromptTokens != 8 || resp.Model != "text-embedding-3-small" || resp.Attempts != 1 || resp.Cached {
		t.Errorf("response %+v", resp)
	}
}

func TestEmbedIsCachedAndRetried(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(n int, _ received) reply {
		if n == 0 {
			return reply{Status: 429, Body: `{"error": {"message": "slow down", "type": "rate_limit"}}`}
		}
		return reply{Body: openaiEmbeddings(map[int]string{0: "[0.5, 0.5]"}, 0)}
	})
	cache := NewMemoryCache()
	c := testClient(t, f.URL, func(cfg *Config, _ *ProviderConfig) {
		cfg.Cache = cache
		cfg.Prices = map[string]Price{"text-embedding-3-small": {Input: 1e6}}
	})
	req := EmbeddingRequest{Model: "test/text-embedding-3-small", Input: []string{"same text"}}
	first, err := c.Embed(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if first.Attempts != 2 || first.Cached || first.Cost != 8 || !first.Priced {
		t.Errorf("first answer %+v: want 2 attempts, not cached, cost 8", first)
	}
	second, err := c.Embed(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Cached || second.Cost != 0 || !reflect.DeepEqual(second.Vectors, first.Vectors) {
		t.Errorf("second answer %+v: want the cached vectors at no cost", second)
	}
	if f.calls() != 2 || cache.Len() != 1 {
		t.Errorf("%d calls and %d cache entries, want 2 and 1", f.calls(), cache.Len())
	}
	other := req
	other.Model = "test/text-embedding-3-large"
	k1, k2 := embeddingCacheKey(c.providers["test"], "text-embedding-3-small", req), embeddingCacheKey(c.providers["test"], "text-embedding-3-large", other)
	if k1 == k2 {
		t.Error("two models share a cache key")
	}
}

func TestEmbedErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply {
		return reply{Body: openaiEmbeddings(map[int]string{0: "[1]"}, 0)}
	})
	c := testClient(t, f.URL, nil)
	anthropic := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.Type = TypeAnthropic })
	tests := []struct {
		name   string
		client *Client
		req    EmbeddingRequest
		want   string
	}{
		{"anthropic has none", anthropic, EmbeddingRequest{Model: "test/voyage", Input: []string{"a"}}, "use an OpenAI-compatible provider"},
		{"no input", c, EmbeddingRequest{Model: "test/e"}, "has no input"},
		{"fewer vectors than inputs", c, EmbeddingRequest{Model: "test/e", Input: []string{"a", "b"}}, "no embedding for input 1 of 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.client.Embed(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := anthropic.Embed(context.Background(), EmbeddingRequest{Model: "test/voyage", Input: []string{"a"}}); !errors.Is(err, ErrNoEmbeddings) {
		t.Errorf("error %v, want ErrNoEmbeddings", err)
	}
}
