package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
