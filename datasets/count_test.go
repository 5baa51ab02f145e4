package datasets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// CountCases gives the number of cases reading the data gives, where it says
// it can count them without reading.
func TestCountCasesIsTheNumberOfCasesRead(t *testing.T) {
	t.Parallel()
	long := func(id string) string {
		return `{"id": "` + id + `", "input": "` + strings.Repeat("x", 3*jsonlReadSize) + `"}`
	}
	tests := []struct {
		name, content string
		limit, sample int
	}{
		{"one row a line", "{\"input\": 1}\n{\"input\": 2}\n{\"input\": 3}\n", 0, 0},
		{"no newline at the end", "{\"input\": 1}\n{\"input\": 2}", 0, 0},
		{"blank and white-space lines", "\n{\"input\": 1}\n   \n\t\r\n{\"input\": 2}\r\n\u00a0\n\n", 0, 0},
		{"byte order mark", "\xef\xbb\xbf{\"input\": 1}\n{\"input\": 2}\n", 0, 0},
		{"lines longer than the read buffer", long("a") + "\n" + long("b") + "\n{\"input\": 1}\n" + long("c"), 0, 0},
		{"empty file", "", 0, 0},
		{"limit", "{\"input\": 1}\n{\"input\": 2}\n{\"input\": 3}\n", 2, 0},
		{"limit past the end", "{\"input\": 1}\n", 5, 0},
		{"sample", "{\"input\": 1}\n{\"input\": 2}\n{\"input\": 3}\n", 0, 2},
		{"sample and limit", "{\"input\": 1}\n{\"input\": 2}\n{\"input\": 3}\n", 1, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := spec.Data{File: writeFile(t, "cases.jsonl", tc.content), Limit: tc.limit}
			if tc.sample > 0 {
				d.Sample = &spec.Sample{Size: tc.sample, Seed: 1}
			}
			cases, _, err := readAll(t, d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			n, ok := CountCases(context.Background(), d)
			if !ok || n != len(cases) {
				t.Errorf("CountCases = %d, %v; the data has %d cases", n, ok, len(cases))
			}
		})
	}
}

// Several JSON Lines files are counted together, each once.
func TestCountCasesOfFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{"a.jsonl": "{\"id\": \"a1\", \"input\": 1}\n{\"id\": \"a2\", \"input\": 2}\n", "b.jsonl": "{\"id\": \"b1\", \"input\": 1}\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := spec.Data{Files: []string{filepath.Join(dir, "*.jsonl"), filepath.Join(dir, "a.jsonl")}}
	cases, _, err := readAll(t, d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := CountCases(context.Background(), d); !ok || n != len(cases) || n != 3 {
		t.Errorf("CountCases = %d, %v; the data has %d cases", n, ok, len(cases))
	}
}

// Where only reading the rows tells how many cases there are, CountCases
// says it cannot count them.
func TestCountCasesDeclines(t *testing.T) {
	t.Parallel()
	jsonl := writeFile(t, "cases.jsonl", "{\"input\": 1}\n{\"input\": 2}\n")
	tests := []struct {
		name string
		d    spec.Data
	}{
		{"a filter", spec.Data{File: jsonl, Filter: ex("input > 1")}},
		{"rows that may be skipped", spec.Data{File: jsonl, OnError: "skip"}},
		{"a CSV file, whose records may span lines", spec.Data{File: writeFile(t, "cases.csv", "input\n1\n")}},
		{"a JSON array", spec.Data{File: writeFile(t, "cases.json", `[{"input": 1}]`)}},
		{"inline rows", spec.Data{Inline: []any{map[string]any{"input": 1}}}},
		{"a store dataset", spec.Data{Dataset: "d"}},
		{"a missing file", spec.Data{File: filepath.Join(t.TempDir(), "none.jsonl")}},
		{"a blank line longer than the read buffer", spec.Data{File: writeFile(t, "blank.jsonl", strings.Repeat(" ", 2*jsonlReadSize)+"\n{\"input\": 1}\n")}},
		{"a cancelled context", spec.Data{File: jsonl}},
		{"a named pipe, which opening would wait on", spec.Data{File: fifo(t)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if strings.HasPrefix(tc.name, "a cancelled") {
				cancel()
			}
			if n, ok := CountCases(ctx, tc.d); ok {
				t.Errorf("CountCases = %d, true; want false", n)
			}
		})
	}
}

// fifo makes a named pipe called cases.jsonl that nothing writes to.
func fifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cases.jsonl")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("cannot make a named pipe here: %v", err)
	}
	return p
}
