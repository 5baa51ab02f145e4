package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
// scorers (expr, exact_match, levenshtein), persisting every row to SQLite,
// and measures in the same run the limit it is judged by: the store writer
// alone, writing the same rows (read back from the store, outside the timing)
// into another experiment. It reports both rates and run/writer, which the
// throughput issue sets at 0.9 or more:
//
//	go test -run '^$' -bench RunPersisted -benchtime 5x ./pipeline
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
	// With a model client, as caliper run compiles every eval.
	client, err := NewLLMClient(nil, nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	p, err := Compile(ev, Options{LLM: client})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var runTime, writerTime, newStoreTime, runCPU, writerCPU time.Duration
	var runAllocs uint64
	var ratios []float64 // of each run and the writer right after it
	for i := 0; b.Loop(); i++ {
		start, cpu, allocs := time.Now(), cpuTime(), mallocs()
		out, err := p.RunExperiment(ctx, ExperimentOptions{Store: db, Name: fmt.Sprintf("run-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		ran := time.Since(start)
		runTime += ran
		runCPU += cpuTime() - cpu
		runAllocs += mallocs() - allocs
		if out.Summary.Rows != n {
			b.Fatalf("%d rows", out.Summary.Rows)
		}
		rows := storedRows(b, db, out.Experiment.ID)
		took, cpuTook := writeRows(b, db, rows, fmt.Sprintf("writer-%d", i))
		ratios = append(ratios, took.Seconds()/ran.Seconds())
		writerTime += took
		writerCPU += cpuTook
		newStoreTime += writeNewStore(b, filepath.Join(dir, fmt.Sprintf("new-%d.db", i)), rows)
	}
	b.ReportMetric(float64(n*b.N)/runTime.Seconds(), "cases/s")
	b.ReportMetric(float64(n*b.N)/writerTime.Seconds(), "writer-rows/s")
	// The writer's rate into a store of its own, from opening the new file to
	// closing it: what any run of n cases costs at least, since a store is not
	// closed before SQLite has copied its write-ahead log into the database
	// and synced both, which a run of 100,000 cases does once, at the end.
	b.ReportMetric(float64(n*b.N)/newStoreTime.Seconds(), "new-store-writer-rows/s")
	// The median of the iterations' ratios: the machines here change speed
	// from one minute to the next, and a run and the writer measured back to
	// back see the same machine.
	slices.Sort(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "run/writer")
	// Allocations per case, which, unlike time, do not depend on the load.
	b.ReportMetric(float64(runAllocs)/float64(n*b.N), "run-allocs/case")
	if runCPU > 0 {
		// CPU time per case, of the whole process: unlike the rates, it
		// hardly depends on what else the machine is running.
		b.ReportMetric(float64(runCPU.Nanoseconds())/1e3/float64(n*b.N), "run-cpu-µs/case")
		b.ReportMetric(float64(writerCPU.Nanoseconds())/1e3/float64(n*b.N), "writer-cpu-µs/row")
	}
}

// mallocs is the number of heap allocations of the process so far.
func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}

// storedRows reads the rows of experiment id in the order they were stored.
// The store reads them back sorted by case id, and ids in that order only
// ever append to the end of the case id index, while a run's (a file's c1,
// c2, ... c10 ...) land all over it, which costs the writer more.
func storedRows(b *testing.B, db store.Store, id string) []*store.Row {
	b.Helper()
	var rows []*store.Row
	if err := db.Rows(context.Background(), id, func(r *store.Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	slices.SortStableFunc(rows, func(a, b *store.Row) int { return a.Created.Compare(b.Created) })
	return rows
}

// writeRows writes rows through a store writer into a new experiment named
// name of db, returning the wall and CPU time from the first Write to the end
// of the writer's Close.
func writeRows(b *testing.B, db store.Store, rows []*store.Row, name string) (time.Duration, time.Duration) {
	b.Helper()
	for _, r := range rows {
		r.Created = time.Time{} // the writer sets it, as in a run
	}
	e := &store.Experiment{Eval: "bench", Name: name}
	if err := db.CreateExperiment(context.Background(), e); err != nil {
		b.Fatal(err)
	}
	start, cpu := time.Now(), cpuTime()
	w := db.NewWriter(e.ID, store.WriterOptions{})
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start), cpuTime() - cpu
}

// writeNewStore creates a store at path, writes rows into it and closes it,
// returning the wall time from the start of the Open to the end of the Close.
func writeNewStore(b *testing.B, path string, rows []*store.Row) time.Duration {
	b.Helper()
	start := time.Now()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	writeRows(b, db, rows, "new-store")
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
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
					g, step := c.watch(0)
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
