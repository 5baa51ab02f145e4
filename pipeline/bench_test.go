package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// writeCases writes n JSONL cases of two small numbers and their sum as text,
// one in ten wrong, the shape of the throughput benchmark in the issue.
func writeCases(tb testing.TB, path string, n int) {
	tb.Helper()
	var b strings.Builder
	for i := range n {
		a, c := i%997, (i*7)%991
		sum := a + c
		if i%10 == 0 {
			sum++
		}
		fmt.Fprintf(&b, `{"id": "c%d", "input": {"a": %d, "b": %d}, "expected": "%d"}`+"\n", i, a, c, sum)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkRunPersisted runs 100,000 JSONL cases through an expr task and three
// scorers (expr, exact_match, levenshtein), persisting every row to SQLite.
func BenchmarkRunPersisted(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	writeCases(b, filepath.Join(dir, "cases.jsonl"), n)
	ev := loadEvalIn(b, dir, `name: bench
data: {file: cases.jsonl}
task: {expr: 'string(input.a + input.b)'}
scorers:
  - {name: correct, expr: output == expected}
  - use: exact_match
  - use: levenshtein
`)
	p, err := Compile(ev, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	db, err := store.Open(context.Background(), filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		out, err := p.RunExperiment(context.Background(), ExperimentOptions{Store: db, Name: fmt.Sprintf("run-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		if out.Summary.Rows != n {
			b.Fatalf("%d rows", out.Summary.Rows)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "cases/s")
}

// BenchmarkGuardedCase measures what watching the in-process calls of a case
// costs: four calls begun and ended under a worker's guard.
func BenchmarkGuardedCase(b *testing.B) {
	for _, timeout := range []time.Duration{0, 30 * time.Second} {
		b.Run(timeout.String(), func(b *testing.B) {
			calls, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			w := &runner{p: &Pipeline{Timeout: timeout}, calls: calls}
			g := newGuard(w)
			defer g.stop()
			for b.Loop() {
				c := &caseRun{p: w.p, w: w, guard: g}
				for range 4 {
					g, step := c.watch(func(error) bool { return true })
					if !g.end(step) {
						b.Fatal("abandoned")
					}
				}
			}
		})
	}
}

// BenchmarkBoundedCall measures what bounding a slow in-process call costs: a
// goroutine and a channel, with a timeout and an abort context as in a run.
func BenchmarkBoundedCall(b *testing.B) {
	abort, cancel := context.WithCancel(context.Background())
	defer cancel()
	call := func(context.Context) (int, error) { return 1, nil }
	for b.Loop() {
		if _, err := bounded(abort, 30*time.Second, call); err != nil {
			b.Fatal(err)
		}
	}
}
