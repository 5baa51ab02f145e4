package pipeline

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// spinScorer computes until its context is done, then counts that it
// stopped. On the second case it first notes how many had stopped by then.
type spinScorer struct{ stopped, seen *atomic.Int64 }

func (s spinScorer) Name() string { return "spin" }

func (s spinScorer) Score(ctx context.Context, env *spec.ScorerEnv) ([]scorers.Score, error) {
	if env.Input == 2.0 {
		// A watchdog, not a measure: the first case's scorer stops within
		// microseconds of being given up on, or not before the run ends.
		for deadline := time.Now().Add(10 * time.Second); s.stopped.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		s.seen.Store(s.stopped.Load())
	}
	for ctx.Err() == nil {
	}
	s.stopped.Add(1)
	return nil, ctx.Err()
}

// TestAbandonedBuiltinIsToldToStop: an inline built-in scorer given up on by
// the eval's timeout has its context cancelled then, so one that watches it
// (as levenshtein does on long texts) stops computing at once instead of
// running on in a goroutine nobody waits for until the run ends.
func TestAbandonedBuiltinIsToldToStop(t *testing.T) {
	t.Parallel()
	var stopped, seen atomic.Int64
	reg := scorers.Builtins()
	reg.Register(scorers.Builtin{Name: "spin", Description: "spins until cancelled", New: func(spec.Scorer, scorers.Deps) (scorers.Scorer, error) {
		return spinScorer{&stopped, &seen}, nil
	}})
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"x.eval.yaml": `name: spin
data: {inline: [{id: a, input: 1}, {id: b, input: 2}]}
task: {expr: input}
scorers:
  - {name: spin, use: levenshtein}
  - {name: after, expr: "true"}
timeout: 50ms
max_concurrency: 1
`})
	ev, diags := spec.NewValidator(spec.OSFS{}, dir, scorers.Default()).LoadEval("x.eval.yaml")
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	ev.Scorers[0].Builtin = "spin" // past the schema, which knows only the registered built-ins
	_, rows := runEval(t, context.Background(), ev, Options{Registry: reg})
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for _, r := range rows {
		if r.Scores["after"] != 1 || !strings.Contains(r.ScorerErrors["spin"], "timed out after 50ms") {
			t.Errorf("case %s: scores %v, scorer errors %v", r.CaseID, r.Scores, r.ScorerErrors)
		}
	}
	if seen.Load() != 1 {
		t.Errorf("when the second case was scored, %d abandoned scorers had stopped, want 1: the first still computes", seen.Load())
	}
}
