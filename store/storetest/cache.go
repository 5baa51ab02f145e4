package storetest

import (
	"bytes"
	"context"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"sync"
	"testing"
	"time"
)

func testCache(t *testing.T, open Opener) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ops  func(t *testing.T, c store.Cache)
	}{
		{"miss", func(t *testing.T, c store.Cache) {
			wantGet(t, c, "nope", nil, false)
		}},
		{"put then get", func(t *testing.T, c store.Cache) {
			put(t, c, "k", []byte(`{"choices":[]}`))
			wantGet(t, c, "k", []byte(`{"choices":[]}`), true)
		}},
		{"put replaces", func(t *testing.T, c store.Cache) {
			put(t, c, "k", []byte("first"))
			put(t, c, "k", []byte("second"))
			wantGet(t, c, "k", []byte("second"), true)
		}},
		{"empty and nil values are hits", func(t *testing.T, c store.Cache) {
			put(t, c, "empty", []byte{})
			put(t, c, "nil", nil)
			wantGet(t, c, "empty", []byte{}, true)
			wantGet(t, c, "nil", []byte{}, true)
		}},
		{"binary values and odd keys", func(t *testing.T, c store.Cache) {
			v := []byte{0, 1, 2, 0xff, '\n'}
			put(t, c, "k\x00ü", v)
			wantGet(t, c, "k\x00ü", v, true)
			wantGet(t, c, "k", nil, false)
		}},
		{"clear", func(t *testing.T, c store.Cache) {
			for i := range 5 {
				put(t, c, fmt.Sprint(i), []byte("v"))
			}
			n, err := c.Clear(context.Background())
			if err != nil || n != 5 {
				t.Errorf("Clear = %d, %v; want 5", n, err)
			}
			wantGet(t, c, "3", nil, false)
			if n, err := c.Clear(context.Background()); err != nil || n != 0 {
				t.Errorf("Clear again = %d, %v; want 0", n, err)
			}
			put(t, c, "3", []byte("back"))
			wantGet(t, c, "3", []byte("back"), true)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.ops(t, open(t).Cache())
		})
	}
}

func put(t *testing.T, c store.Cache, key string, value []byte) {
	t.Helper()
	if err := c.Put(context.Background(), key, value); err != nil {
		t.Fatal(err)
	}
}

func wantGet(t *testing.T, c store.Cache, key string, want []byte, wantOK bool) {
	t.Helper()
	got, ok, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if ok != wantOK || !bytes.Equal(got, want) || ok && got == nil {
		t.Errorf("Get(%q) = %q, %v; want %q, %v", key, got, ok, want, wantOK)
	}
}

// TestCacheConcurrent puts and gets from many goroutines while a writer
// stores rows, as a run does; under -race it checks the cache is safe for
// concurrent use, and that neither makes the other fail.
func testCacheConcurrent(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	c := s.Cache()
	e := newExperiment(t, s, "x")
	w := s.NewWriter(e.ID, store.WriterOptions{BatchSize: 50, FlushInterval: time.Millisecond})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			if err := w.Write(testRow(i, 0)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var slowest time.Duration
	var mu sync.Mutex
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprintf("g%d-%d", g, i)
				start := time.Now()
				if err := c.Put(ctx, key, []byte(key)); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				slowest = max(slowest, time.Since(start))
				mu.Unlock()
				if v, ok, err := c.Get(ctx, key); err != nil || !ok || string(v) != key {
					t.Errorf("Get(%s) = %q, %v, %v", key, v, ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RowCount(ctx, e.ID); err != nil || n != 2000 {
		t.Errorf("the writer stored %d rows (%v), want 2000", n, err)
	}
	if n, err := c.Clear(ctx); err != nil || n != 400 {
		t.Errorf("Clear = %d, %v; want 400", n, err)
	}
	// No bound on it: a timing is no assertion on a shared machine; a Put
	// that waited for the writer beyond the backend's lock timeout fails.
	t.Logf("the slowest Put took %v", slowest)
}
