package datasets

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// FuzzJSONL feeds arbitrary bytes to the JSON Lines reader and maps every row
// it yields: nothing may panic, a malformed row must be a *RowError naming its
// line, and every case must have an id.
func FuzzJSONL(f *testing.F) {
	for _, name := range []string{"qa.jsonl", "bad.jsonl", "multi/a.jsonl"} {
		b, err := os.ReadFile(testdata(f, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\xef\xbb\xbf{\"input\": 1}\r\n\n"))
	f.Add([]byte(`{"id": 1e400, "input": 1}`))
	f.Add([]byte(`{"id": -0, "input": {"a": [1, {"b": null}]}, "tags": ["x"], "metadata": {}}`))
	f.Add([]byte("{\"input\": \"\xff\"}\n[]\nnull\n\"s\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := newJSONLSource(bytes.NewReader(data), "fuzz.jsonl")
		m, err := newMapper(spec.Fields{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for range bytes.Count(data, []byte{'\n'}) + 2 {
			r, err := src.next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var re *RowError
				if !errors.As(err, &re) || !strings.HasPrefix(re.Source, "fuzz.jsonl:") {
					t.Fatalf("error %v is not a row error", err)
				}
				continue
			}
			c, _, err := m.mapRow(r)
			if err != nil {
				continue
			}
			if c.ID == "" || c.Input == nil || !strings.HasPrefix(c.Source, "fuzz.jsonl:") {
				t.Fatalf("bad case %#v", c)
			}
		}
		if _, err := src.next(); err != io.EOF {
			t.Fatalf("more rows than lines: %v", err)
		}
	})
}
