package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"path/filepath"
	"testing"
	"time"
)

// benchDatasetRows are 100,000 rows of about 110 bytes each, as a question
// and answer dataset has; version changes the answers of every tenth row.
func benchDatasetRows(version int) []store.DatasetRow {
	rows := make([]store.DatasetRow, benchRows)
	for i := range rows {
		id := fmt.Sprintf("case-%07d", i)
		answer := 2*i + 1
		if i%10 == 0 {
			answer += version
		}
		rows[i] = store.DatasetRow{ID: id, Data: json.RawMessage(fmt.Sprintf(
			`{"id":%q,"input":{"question":"what is %d plus %d?","lang":"en"},"expected":"%d"}`, id, i, i+1, answer))}
	}
	return rows
}

// BenchmarkPushDataset pushes 100,000 rows to a new dataset per iteration
// and reports rows/s; the target is well under 2 s per push:
//
//	go test -run '^$' -bench 'Dataset' -benchtime 5x ./store
func BenchmarkPushDataset(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rows := benchDatasetRows(0)
	b.ReportAllocs()
	start := time.Now()
	for n := 0; b.Loop(); n++ {
		res, err := s.PushDataset(ctx, fmt.Sprintf("bench-%d", n), store.DatasetRowsOf(rows), false)
		if err != nil {
			b.Fatal(err)
		}
		if res.Added != benchRows {
			b.Fatalf("added %d rows, want %d", res.Added, benchRows)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkPushDatasetUpdate pushes 100,000 rows onto a dataset of the same
// ids, with 10% of them changed (the 90% unchanged cost a hash each), and
// reports rows/s.
func BenchmarkPushDatasetUpdate(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.PushDataset(ctx, "bench", store.DatasetRowsOf(benchDatasetRows(0)), false); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var elapsed time.Duration
	for n := 1; b.Loop(); n++ {
		b.StopTimer()
		rows := benchDatasetRows(n)
		b.StartTimer()
		start := time.Now()
		res, err := s.PushDataset(ctx, "bench", store.DatasetRowsOf(rows), true)
		elapsed += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if res.Updated != benchRows/10 || res.Unchanged != benchRows-benchRows/10 {
			b.Fatalf("push %d: %+v", n, res)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/elapsed.Seconds(), "rows/s")
}

// BenchmarkDatasetRows reads back the latest of 3 versions of a dataset of
// 100,000 rows and reports rows/s.
func BenchmarkDatasetRows(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for v := range 3 {
		if _, err := s.PushDataset(ctx, "bench", store.DatasetRowsOf(benchDatasetRows(v)), false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		n := 0
		if err := s.DatasetRows(ctx, "bench", 0, func(string, json.RawMessage) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != benchRows {
			b.Fatalf("read %d rows, want %d", n, benchRows)
		}
	}
	b.ReportMetric(float64(b.N*benchRows)/time.Since(start).Seconds(), "rows/s")
}
