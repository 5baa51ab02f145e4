package datasets

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// BenchmarkJSONL streams 100,000 generated rows from a JSON Lines file and
// reports rows per second.
func BenchmarkJSONL(b *testing.B) {
	const rows = 100_000
	path := filepath.Join(b.TempDir(), "bench.jsonl")
	var sb strings.Builder
	for i := range rows {
		fmt.Fprintf(&sb, `{"id": "case-%d", "input": {"question": "What is %d + %d?", "context": ["arithmetic", "small numbers"]}, "expected": "%d", "metadata": {"lang": "en", "n": %d}, "tags": ["bench"]}`+"\n", i, i, i, 2*i, i)
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
