package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// durationValue matches the duration metric, the one part of a stored row
// that differs from run to run.
var durationValue = regexp.MustCompile(`"duration":[-+.0-9e]+`)

// TestStoredRowsAreGolden runs cases of every JSON value type through an
// expr task and the scorers of the throughput benchmark, and compares the
// stored columns byte for byte, and the summary's scores, with
// testdata/rows.golden (go test -run StoredRowsAreGolden -update rewrites it).
func TestStoredRowsAreGolden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join("testdata", "rows_golden.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"cases.jsonl": string(data)})
	ev := loadEvalIn(t, dir, `name: golden
data: {file: cases.jsonl}
trials: 2
task: {expr: 'input.out ?? (input.s != nil ? len(input.s) : string(input.a + input.b))'}
scorers:
  - {name: correct, expr: output == expected}
  - use: exact_match
  - use: levenshtein
`)
	p, err := Compile(ev, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	path := filepath.Join(dir, "golden.db")
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out, err := p.RunExperiment(ctx, ExperimentOptions{Store: db, Name: "golden"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeStoredRows(t, &b, path)
	summary, err := json.Marshal(out.Summary.Scores)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "summary scores %s\nrows %d errors %d\n", summary, out.Summary.Rows, out.Summary.Errors)
	golden := filepath.Join("testdata", "rows.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("stored rows differ from %s:\n%s", golden, lineDiff(got, string(want)))
	}
}

// writeStoredRows writes every stored column of the rows in the store at
// path, as SQLite holds them, but the experiment id and creation time, and
// the duration metric's value.
func writeStoredRows(t *testing.T, b *strings.Builder, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT * FROM rows ORDER BY case_id, trial`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, c := range cols {
			if c == "experiment_id" || c == "created" {
				continue
			}
			v := vals[i]
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			text := durationValue.ReplaceAllString(fmt.Sprint(v), `"duration":D`)
			fmt.Fprintf(b, "%s=%s\n", c, text)
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// lineDiff lists the lines where got and want differ.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "line %d:\n  got  %s\n  want %s\n", i+1, gl, wl)
		}
	}
	return b.String()
}
