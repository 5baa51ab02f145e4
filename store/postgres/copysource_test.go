package postgres

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/caliperhq/caliper/store"
)

// copySourceRows are rows of every size around a COPY chunk: small ones, and
// one whose output alone is larger than a chunk.
func copySourceRows() []*store.Row {
	var rows []*store.Row
	for i := range 300 {
		r := &store.Row{
			CaseID:  fmt.Sprintf("case-%d", i),
			Trial:   i % 2,
			Input:   json.RawMessage(fmt.Sprintf(`{"q":"question\t%d"}`, i)),
			Output:  json.RawMessage(fmt.Sprintf(`"answer %d"`, i)),
			Scores:  map[string]float64{"correct": float64(i % 2)},
			Tags:    []string{"t"},
			Created: time.Unix(0, int64(i)),
		}
		if i == 150 {
			r.Output = json.RawMessage(`"` + strings.Repeat("x", 100<<10) + `"`)
		}
		rows = append(rows, r)
	}
	return rows
}

// readAll reads src to its end, at most size bytes a Read.
func readAll(t *testing.T, src io.Reader, size int) []byte {
	t.Helper()
	var out []byte
	p := make([]byte, size)
	for {
		n, err := src.Read(p)
		out = append(out, p[:n]...)
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("Read returned 0 bytes and no error")
		}
	}
}

func TestCopySourceIsTheRowsInOrder(t *testing.T) {
	t.Parallel()
	rows := copySourceRows()
	var want []byte
	enc := &pgBatch{experimentID: "e"}
	for _, r := range rows {
		want = enc.appendRow(want, r)
	}
	for _, size := range []int{1, 7, 4096, 65531, 1 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			t.Parallel()
			b := &pgBatch{experimentID: "e"}
			sameBytes(t, "read", readAll(t, b.source(rows), size), want)
			// A batch sent again after a COPY that stopped part-way (a
			// stored key) starts from its first row, not from what the
			// first source had encoded and not sent.
			partial := b.source(rows)
			if _, err := partial.Read(make([]byte, size)); err != nil {
				t.Fatal(err)
			}
			sameBytes(t, "sent again: read", readAll(t, b.source(rows), size), want)
		})
	}
}

// sameBytes fails the test when got is not want, saying from which byte.
func sameBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < min(len(got), len(want)) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s %d bytes, want %d; they differ from byte %d", what, len(got), len(want), i)
}
