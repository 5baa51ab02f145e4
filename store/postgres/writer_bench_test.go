package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
	"github.com/caliperhq/caliper/store/postgres/pgtest"
)

// benchRows is how many rows one BenchmarkWriter iteration persists.
const benchRows = 100_000

// benchRow is the row of the SQLite store's BenchmarkWriter: input of about
// 50 bytes, output of about 20, three scores and one metric.
func benchRow(i int) store.Row {
	return store.Row{
		CaseID:  fmt.Sprintf("case-%07d", i),
		Trial:   i % 3,
		Input:   json.RawMessage(fmt.Sprintf(`{"question":"what is %d plus %d?","lang":"en"}`, i, i+1)),
		Output:  json.RawMessage(fmt.Sprintf(`"the answer is %d"`, 2*i+1)),
		Scores:  map[string]float64{"correct": 1, "similar": 0.875, "factual": 0.5},
		Metrics: map[string]float64{"duration": 0.0123},
	}
}

// BenchmarkWriter persists 100,000 small rows to PostgreSQL through one
// Writer per iteration, from Write to the final commit of Close, and reports
// rows/s. It needs a server (CALIPER_TEST_POSTGRES):
//
//	go test -run '^$' -bench BenchmarkWriter -benchtime 5x ./store/postgres
func BenchmarkWriter(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rows := make([]store.Row, benchRows)
	for i := range rows {
		rows[i] = benchRow(i)
	}
	b.ReportAllocs()
	var elapsed time.Duration
	cpu0 := cpuTime()
	for n := 0; b.Loop(); n++ {
		e := &store.Experiment{Eval: "bench", Name: fmt.Sprintf("run-%d", n)}
		if err := s.CreateExperiment(ctx, e); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		w := s.NewWriter(e.ID, store.WriterOptions{})
		for i := range rows {
			r := rows[i] // the writer owns what it is given
			if err := w.Write(&r); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(b.N*benchRows)/elapsed.Seconds(), "rows/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		// The client's CPU time per row (the server's is not counted):
		// unlike rows/s, it hardly depends on what else the machine runs.
		b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(b.N*benchRows), "client-cpu-µs/row")
	}
}

// BenchmarkRows reads back 100,000 rows written as in BenchmarkWriter and
// reports rows/s.
func BenchmarkRows(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.DSN(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	e := &store.Experiment{Eval: "bench", Name: "read"}
	if err := s.CreateExperiment(ctx, e); err != nil {
		b.Fatal(err)
	}
	w := s.NewWriter(e.ID, store.WriterOptions{})
	for i := range benchRows {
		r := benchRow(i)
		if err := w.Write(&r); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		n := 0
		if err := s.Rows(ctx, e.ID, func(*store.Row) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/time.Since(start).Seconds(), "rows/s")
}
