package pipeline

import (
	"context"
	"testing"
	"time"

	"github.com/caliperhq/caliper/llm"
)

func TestCacheTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inner := llm.NewMemoryCache()
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := WithTTL(inner, time.Hour, func() time.Time { return clock })
	if err := c.Put(ctx, "k", []byte("answer")); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := c.Get(ctx, "k"); err != nil || !ok || string(v) != "answer" {
		t.Fatalf("fresh value: %q %v %v", v, ok, err)
	}
	clock = clock.Add(59 * time.Minute)
	if _, ok, _ := c.Get(ctx, "k"); !ok {
		t.Error("a value younger than the ttl must be served")
	}
	clock = clock.Add(2 * time.Minute)
	if _, ok, _ := c.Get(ctx, "k"); ok {
		t.Error("a value older than the ttl must not be served")
	}
	if err := inner.Put(ctx, "old", []byte("written without a time")); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := c.Get(ctx, "old"); ok {
		t.Error("a value written without a time counts as expired")
	}
	if WithTTL(inner, 0, nil) != llm.Cache(inner) {
		t.Error("no ttl: the cache itself")
	}
}
