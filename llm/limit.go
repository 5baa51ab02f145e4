package llm

import (
	"context"
	"sync"
	"time"
)

// limiter bounds the calls to one provider: at most n in flight (a
// semaphore) and a start rate (a token bucket of capacity one, so that no
// window of a minute holds more than requests_per_minute + 1 starts).
type limiter struct {
	slots    chan struct{} // nil: no bound on concurrency
	interval time.Duration // 0: no bound on the rate

	mu   sync.Mutex
	next time.Time // when the next request may start
}

func newLimiter(concurrency, perMinute int) *limiter {
	l := &limiter{}
	if concurrency > 0 {
		l.slots = make(chan struct{}, concurrency)
	}
	if perMinute > 0 {
		l.interval = time.Minute / time.Duration(perMinute)
	}
	return l
}

// acquire waits for a slot, then for the rate, and returns the function that
// releases the slot. It returns ctx's error when ctx ends first.
func (l *limiter) acquire(ctx context.Context) (func(), error) {
	release := func() {}
	if l.slots != nil {
		select {
		case l.slots <- struct{}{}:
			release = func() { <-l.slots }
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	if l.interval > 0 {
		if err := sleep(ctx, l.reserve()); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}

// reserve takes the next start time and returns how long to wait for it.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	wait := l.next.Sub(now)
	l.next = l.next.Add(l.interval)
	return wait
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
