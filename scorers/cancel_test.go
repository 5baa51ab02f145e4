package scorers

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/agnivade/levenshtein"
	"github.com/caliperhq/caliper/spec"
)

// longTexts are two different 200,000-character strings: a full edit
// distance of them is 4·10¹⁰ cells, minutes of CPU.
func longTexts() (string, string) {
	a := strings.Repeat("abcdefghij", 20_000)
	b := strings.Repeat("jihgfedcba", 20_000)
	return a, b
}

// The long built-ins watch ctx: given up on by a timeout or an abort, they
// stop computing and return the cancellation, instead of running on in a
// goroutine nobody waits for.
func TestLongBuiltinsStopWhenCancelled(t *testing.T) {
	t.Parallel()
	a, b := longTexts()
	list := func(s string) []any { return []any{s, s + "x"} }
	tests := []struct {
		builtin string
		out     any
		exp     any
	}{
		{"levenshtein", a, b},
		{"json_diff", map[string]any{"k": []any{a}}, map[string]any{"k": []any{b}}},
		{"list_contains", list(a), list(b)},
	}
	for _, tt := range tests {
		for _, when := range []string{"before", "during"} {
			t.Run(tt.builtin+" cancelled "+when, func(t *testing.T) {
				t.Parallel()
				sc := mustBuild(t, useSpec(tt.builtin, tt.builtin, nil))
				ctx, cancel := context.WithCancel(context.Background())
				if when == "before" {
					cancel()
				} else {
					defer time.AfterFunc(20*time.Millisecond, cancel).Stop()
				}
				done := make(chan error, 1)
				go func() {
					_, err := sc.Score(ctx, &spec.ScorerEnv{Output: tt.out, Expected: tt.exp})
					done <- err
				}()
				select {
				case err := <-done:
					if !errors.Is(err, context.Canceled) {
						t.Errorf("Score = %v, want an error wrapping context.Canceled", err)
					}
				case <-time.After(2 * time.Minute): // a watchdog, not a measure: the full computation takes minutes
					t.Fatal("Score did not return after its context was cancelled")
				}
			})
		}
	}
}

// The cancellable edit distance used for long texts gives the distance of
// the library it stands in for.
func TestCancellableDistanceEqualsLibrary(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("abcé👍 ")
	word := func() string {
		n := r.IntN(40)
		var s []rune
		for range n {
			s = append(s, alphabet[r.IntN(len(alphabet))])
		}
		return string(s)
	}
	for range 2000 {
		a, b := word(), word()
		if r.IntN(4) == 0 {
			b = a + b
		}
		got, err := cancellableDistance(context.Background(), []rune(a), []rune(b))
		if want := levenshtein.ComputeDistance(a, b); err != nil || got != want {
			t.Fatalf("distance(%q, %q) = %d, %v; want %d", a, b, got, err, want)
		}
	}
}

// The assignment of list_contains, O(n³) for long lists, stops too.
func TestMaxAssignmentStopsWhenCancelled(t *testing.T) {
	t.Parallel()
	w := make([][]float64, 300)
	for i := range w {
		w[i] = make([]float64, 200)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := maxAssignmentCtx(ctx, w); !errors.Is(err, context.Canceled) {
		t.Errorf("maxAssignmentCtx = %v, want context.Canceled", err)
	}
}
