package llm

import (
	"context"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// countingConn counts the writes to a connection: each is a syscall here and
// a segment the server must wake for.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// countingClient is an HTTP client whose connections count their writes.
func countingClient(writes *atomic.Int64) *http.Client {
	t := defaultHTTPClient().Transport.(*http.Transport)
	var d net.Dialer
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, writes: writes}, nil
	}
	return &http.Client{Transport: t}
}

// TestARequestIsOneWrite checks that each attempt's headers and body leave
// in one write, retries included: the SDKs hand net/http a body it cannot
// see is in memory, and it then flushes the headers on their own first,
// which doubles the syscalls and the server's wake-ups of a latency-bound
// run.
func TestARequestIsOneWrite(t *testing.T) {
	t.Parallel()
	refuseFirst := func(body string) func(int, received) reply {
		return func(n int, _ received) reply {
			if n == 0 {
				return reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "0"}, Body: `{"error": {"message": "slow down"}}`}
			}
			return reply{Body: body}
		}
	}
	embedding := `{"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}], "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}}`
	tests := []struct {
		name   string
		kind   string
		answer string
		call   func(*Client) error
	}{
		{"openai chat", TypeOpenAI, openaiAnswer("ok"), func(c *Client) error {
			_, err := c.Chat(context.Background(), ChatRequest{Model: "test/m", Messages: []Message{{Role: "user", Content: "hi"}}})
			return err
		}},
		{"openai embeddings", TypeOpenAI, embedding, func(c *Client) error {
			_, err := c.Embed(context.Background(), EmbeddingRequest{Model: "test/m", Input: []string{"cat"}})
			return err
		}},
		{"anthropic chat", TypeAnthropic, anthropicAnswer(`[{"type": "text", "text": "ok"}]`), func(c *Client) error {
			_, err := c.Chat(context.Background(), ChatRequest{Model: "test/claude-sonnet-4-5", Messages: []Message{{Role: "user", Content: "hi"}}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, refuseFirst(tt.answer))
			var writes atomic.Int64
			c := testClient(t, f.URL, func(cfg *Config, p *ProviderConfig) {
				cfg.HTTPClient = countingClient(&writes)
				p.Type = tt.kind
				if tt.kind == TypeAnthropic {
					p.BaseURL = f.URL
				}
			})
			for range 2 {
				if err := tt.call(c); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := writes.Load(), int64(f.calls()); got != want || want != 3 {
				t.Errorf("%d writes for %d requests (one refused, then retried), want one write each", got, want)
			}
		})
	}
}
