package llm

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/internal/mask"
)

// TestEchoedKeyIsMaskedBeforeTheCut: a provider that echoes its key in an
// error body, in an answer and in a tool call leaks no part of it, in the
// error (even when the key straddles the 300-character cut), the answer or
// the cache; a secret of the run's masker is masked the same way.
func TestEchoedKeyIsMaskedBeforeTheCut(t *testing.T) {
	t.Parallel()
	const key = "sk-test-secret" // testClient's key
	const runSecret = "tok-of-the-run-42"
	tests := []struct {
		name string
		body string
		code int
	}{
		{"a text body cut at 300 characters", strings.Repeat("x", 290) + key + " trailing text", 400},
		{"a JSON error message", `{"error": {"message": "bad key ` + key + `"}}`, 401},
		{"an answer that is not a response", strings.Repeat("y", 295) + key, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newFake(t, func(int, received) reply { return reply{Status: tt.code, Body: tt.body} })
			c := testClient(t, srv.URL, func(_ *Config, pc *ProviderConfig) { pc.MaxRetries = 0 })
			_, err := c.Chat(context.Background(), ChatRequest{Model: "test/m", Messages: []Message{{Role: RoleUser, Content: "hi"}}})
			var aerr *APIError
			if !errors.As(err, &aerr) {
				t.Fatalf("want an *APIError, got %v", err)
			}
			if strings.Contains(err.Error(), key[:6]) || strings.Contains(aerr.Message, key[:6]) {
				t.Errorf("the error holds a part of the key: %s", err)
			}
		})
	}
	t.Run("answers and the cache", func(t *testing.T) {
		t.Parallel()
		srv := newFake(t, func(int, received) reply {
			return reply{Body: openaiToolAnswer("f", `{"a": "`+key+`", "b": "`+runSecret+`"}`)}
		})
		cache := NewMemoryCache()
		c := testClient(t, srv.URL, func(cfg *Config, _ *ProviderConfig) {
			cfg.Cache = cache
			cfg.Mask = mask.New([]string{runSecret}, nil)
		})
		req := ChatRequest{Model: "test/m", Messages: []Message{{Role: RoleUser, Content: "hi"}}}
		for i := range 2 {
			resp, err := c.Chat(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			args := string(resp.ToolCalls[0].Arguments)
			if strings.Contains(args, key) || strings.Contains(args, runSecret) || strings.Count(args, mask.Redacted) != 2 {
				t.Errorf("call %d: arguments %s", i, args)
			}
			if resp.Attempts != 1-i {
				t.Errorf("call %d: attempts %d", i, resp.Attempts)
			}
		}
		k, _ := c.CacheKey(req)
		v, _, _ := cache.Get(context.Background(), k)
		if strings.Contains(string(v), key) || strings.Contains(string(v), runSecret) {
			t.Errorf("the cache holds a secret: %s", v)
		}
	})
}
