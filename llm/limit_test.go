package llm

import (
	"context"
	"sync"
	"testing"
	"time"
)

// run makes n calls at once and returns how long they took.
func run(t *testing.T, c *Client, n int) time.Duration {
	t.Helper()
	start := time.Now()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := chat(c, "test/gpt-4o-mini"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

func TestRequestsPerMinute(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("x"))
	const rpm, n = 3000, 21 // one start every 20ms: 20 intervals
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.RequestsPerMinute = rpm })
	took := run(t, c, n)
	// Starts are spaced by the interval, so the calls cannot be faster than
	// the ideal, however fast or loaded the machine is; how much slower a
	// loaded machine makes them is not the limiter's property, so it is not
	// bounded here.
	if ideal := time.Duration(n-1) * time.Minute / rpm; float64(took) < 0.95*float64(ideal) {
		t.Errorf("%d calls at %d/min took %s, faster than the ideal %s", n, rpm, took, ideal)
	}
	// Twice the rate spaces the starts half as far apart.
	f2 := newFake(t, ok("x"))
	c2 := testClient(t, f2.URL, func(_ *Config, p *ProviderConfig) { p.RequestsPerMinute = 2 * rpm })
	took2 := run(t, c2, n)
	if ideal2 := time.Duration(n-1) * time.Minute / (2 * rpm); float64(took2) < 0.95*float64(ideal2) {
		t.Errorf("%d calls at %d/min took %s, faster than the ideal %s", n, 2*rpm, took2, ideal2)
	}
}

func TestMaxConcurrency(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply { return reply{Delay: 20 * time.Millisecond, Body: openaiAnswer("x")} })
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.MaxConcurrency = 3 })
	run(t, c, 30)
	if m := f.maxIn.Load(); m != 3 {
		t.Errorf("at most %d requests in flight, want 3", m)
	}
}

func TestLimiterWaitEndsWithTheContext(t *testing.T) {
	t.Parallel()
	l := newLimiter(1, 0)
	release, err := l.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.acquire(ctx); err == nil {
		t.Error("acquire on a full limiter with a cancelled context succeeded")
	}
	release()
	if r, err := l.acquire(context.Background()); err != nil {
		t.Error(err)
	} else {
		r()
	}
}
