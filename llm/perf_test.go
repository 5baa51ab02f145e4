package llm

import (
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestThroughput measures calls against a local server that answers after
// 50 ms: 5,000 calls from 64 workers should take close to the ideal
// 5000 × 50ms / 64 = 3.9 s, and with 10% of the answers 429s (Retry-After: 0)
// every call still succeeds. A plain net/http client against the same server
// gives the floor this machine allows. It takes about 15 s, so it runs only
// with CALIPER_PERF=1:
//
//	CALIPER_PERF=1 go test ./llm -run TestThroughput -v
func TestThroughput(t *testing.T) {
	if os.Getenv("CALIPER_PERF") == "" {
		t.Skip("set CALIPER_PERF=1 to measure throughput (about 10 s)")
	}
	const calls, workers, latency = 5000, 64, 50 * time.Millisecond
	ideal := time.Duration(calls) * latency / workers
	// The floor: the same load from a plain HTTP client, without the SDK,
	// retries, limits or cost.
	floor := func() time.Duration {
		f := newFake(t, func(int, received) reply { return reply{Delay: latency, Body: openaiAnswer("x")} })
		hc := defaultHTTPClient()
		took := workload(calls, workers, func(int) error {
			res, err := hc.Post(f.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"gpt-4o-mini","messages":[{"role":"user","content":"case"}]}`))
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, res.Body)
			_ = res.Body.Close()
			return err
		}, t)
		t.Logf("plain net/http: %s (ideal %s, %+.1f%%)", took.Round(time.Millisecond), ideal, 100*(float64(took)/float64(ideal)-1))
		return took
	}()
	for _, tc := range []struct {
		name     string
		rejectPc int
	}{{"all answered", 0}, {"10% 429s", 10}} {
		t.Run(tc.name, func(t *testing.T) {
			var rejected atomic.Int64
			f := newFake(t, func(n int, _ received) reply {
				if tc.rejectPc > 0 && n%100 < tc.rejectPc {
					rejected.Add(1)
					return reply{Status: 429, Header: map[string]string{"Retry-After": "0"}, Body: `{"error": {"message": "Rate limit reached"}}`}
				}
				return reply{Delay: latency, Body: openaiAnswer("x")}
			})
			c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.MaxRetries = 10 })
			var failed atomic.Int64
			took := workload(calls, workers, func(i int) error {
				req := ChatRequest{Model: "test/gpt-4o-mini", Messages: []Message{{Role: RoleUser, Content: "case"}}, Trial: i}
				_, err := c.Chat(context.Background(), req)
				if err != nil {
					failed.Add(1)
				}
				return err
			}, t)
			t.Logf("%d calls, %d workers, %s answers: %s (ideal %s, %+.1f%%; %+.1f%% over plain net/http); %d 429s retried, %d failed, %d requests",
				calls, workers, latency, took.Round(time.Millisecond), ideal, 100*(float64(took)/float64(ideal)-1),
				100*(float64(took)/float64(floor)-1), rejected.Load(), failed.Load(), f.calls())
			if failed.Load() != 0 {
				t.Errorf("%d calls failed", failed.Load())
			}
			// Typically within 2% of the floor; the bound leaves room for a
			// shared machine.
			if over := float64(took)/float64(floor) - 1; over > 0.10 {
				t.Errorf("took %s, %.1f%% over plain net/http (%s)", took, 100*over, floor)
			}
		})
	}
}

// workload runs calls of fn from workers goroutines and returns how long
// they took; errors are logged.
func workload(calls, workers int, fn func(i int) error, t *testing.T) time.Duration {
	jobs := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := fn(i); err != nil {
					t.Log(err)
				}
			}
		}()
	}
	for i := range calls {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return time.Since(start)
}

// BenchmarkChat measures the client's own cost per call (encoding, the SDK,
// decoding, cost) against a local server that answers at once, and the same
// with the SDK encoding and decoding the bodies, as the backend did before
// (sdk).
func BenchmarkChat(b *testing.B) {
	for _, sdk := range []bool{false, true} {
		name := "ours"
		if sdk {
			name = "sdk"
		}
		b.Run(name, func(b *testing.B) {
			f := newFake(b, ok("x"))
			c := testClient(b, f.URL, nil)
			if sdk {
				p := c.providers["test"]
				p.backend = newSDKOpenAI(p, c.http)
			}
			req := fullRequest("test/gpt-4o-mini")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.Chat(context.Background(), req); err != nil {
						b.Error(err)
					}
				}
			})
		})
	}
}

// BenchmarkChatBody measures encoding a prompt's request, ours and the SDK's.
func BenchmarkChatBody(b *testing.B) {
	req := ChatRequest{Messages: []Message{{Role: RoleSystem, Content: "You answer questions."}, {Role: RoleUser, Content: "What is 2+2?"}}, Params: Params{Temperature: ptr(0.0)}}
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := appendChatBody(make([]byte, 0, chatBodySize(&req)), "gpt-4o-mini", &req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sdkBody("gpt-4o-mini", &req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkChatAnswer measures reading an answer, ours and the SDK's.
func BenchmarkChatAnswer(b *testing.B) {
	body := []byte(openaiAnswer("The answer is 4."))
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := decodeChatAnswer(body, "application/json"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sdk", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := sdkAnswer(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkChatCached measures an answer from the cache.
func BenchmarkChatCached(b *testing.B) {
	f := newFake(b, ok("x"))
	c := testClient(b, f.URL, func(c *Config, _ *ProviderConfig) { c.Cache = NewMemoryCache() })
	req := fullRequest("test/gpt-4o-mini")
	if _, err := c.Chat(context.Background(), req); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Chat(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
