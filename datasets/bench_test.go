package datasets

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// BenchmarkJSONL streams 100,000 generated rows from a JSON Lines file and
// reports rows per second.
func BenchmarkJSONL(b *testing.B) {
	benchmarkJSONL(b, func(i int) string {
		return fmt.Sprintf(`{"id": "case-%d", "input": {"question": "What is %d + %d?", "context": ["arithmetic", "small numbers"]}, "expected": "%d", "metadata": {"lang": "en", "n": %d}, "tags": ["bench"]}`, i, i, i, 2*i, i)
	})
}

// BenchmarkJSONLSmallRows is BenchmarkJSONL for the rows of the W1 eval,
// small ones with a numeric input.
func BenchmarkJSONLSmallRows(b *testing.B) {
	benchmarkJSONL(b, func(i int) string {
		return fmt.Sprintf(`{"id": "c%d", "input": {"a": %d, "b": %d}, "expected": "%d"}`, i, i%1000, i*7%1000, i%1000+i*7%1000)
	})
}

func benchmarkJSONL(b *testing.B, row func(i int) string) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	var sb strings.Builder
	for i := range rows {
		sb.WriteString(row(i))
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := Open(context.Background(), spec.Data{File: path}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
		if n != rows {
			b.Fatalf("%d rows, want %d", n, rows)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkIDSet remembers a million case ids, from two files, and reports
// the heap they hold per case (bytes/case), the one cost of a stream that
// grows with its dataset, and the time an id takes (ns/id).
func BenchmarkIDSet(b *testing.B) {
	const n = 1_000_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("case-%07d", i)
	}
	benchmarkIDSet(b, n, func(i int) string { return ids[i] })
}

// BenchmarkIDSet10M is BenchmarkIDSet for ten million ids, made as they are
// added.
func BenchmarkIDSet10M(b *testing.B) {
	benchmarkIDSet(b, 10_000_000, func(i int) string { return "case-" + strconv.Itoa(i) })
}

func benchmarkIDSet(b *testing.B, n int, id func(int) string) {
	b.Setenv("TMPDIR", b.TempDir())
	var perCase float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := newIDSet()
		c := Case{}
		for i := range n {
			c.ID = id(i)
			c.Source = "a.jsonl:" + strconv.Itoa(i+1)
			if i >= n/2 {
				c.Source = "b.jsonl:" + strconv.Itoa(i-n/2+1)
			}
			if _, dup, err := s.add(&c); dup || err != nil {
				b.Fatalf("id %s: dup %v, error %v", c.ID, dup, err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		// The runs' filters are outside the heap (filterMemory): count them.
		perCase = float64(after.HeapAlloc-before.HeapAlloc+s.filterBytes()) / float64(n)
		if err := s.close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(perCase, "bytes/case")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/id")
}
