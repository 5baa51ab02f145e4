package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// TestExampleWorkers runs the Python and Node example workers of the README
// and reads a stored row back: the output, the metadata and tags the worker
// reported, its metric and its span. A worker whose interpreter is not on
// PATH is skipped.
func TestExampleWorkers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ dir, interpreter, classifier string }{
		{"examples/python-worker", "python3", "rules-v1"},
		{"examples/node-worker", "node", "rules-v1-node"},
	} {
		t.Run(tt.interpreter, func(t *testing.T) {
			t.Parallel()
			if _, err := exec.LookPath(tt.interpreter); err != nil {
				t.Skipf("%s is not on PATH: skipping %s", tt.interpreter, tt.dir)
			}
			db := filepath.Join(t.TempDir(), "s.db")
			if code, out, errOut := run(t, repoRoot(t), "run", tt.dir, "--store", db); code != ExitOK {
				t.Fatalf("run %s: exit %d\n%s%s", tt.dir, code, out, errOut)
			}
			s, err := store.Open(context.Background(), db)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			exps, err := s.Experiments(context.Background(), store.ListOptions{})
			if err != nil || len(exps) != 1 {
				t.Fatalf("experiments %v, %v", exps, err)
			}
			var row *store.Row
			err = s.Rows(context.Background(), exps[0].ID, func(r *store.Row) error {
				if r.CaseID == "t01" {
					row = r
				}
				return nil
			})
			if err != nil || row == nil {
				t.Fatalf("row t01: %v", err)
			}
			var md map[string]any
			_ = json.Unmarshal(row.Metadata, &md)
			if string(row.Output) != `"billing"` || md["classifier"] != tt.classifier || !slices.Contains(row.Tags, "rules") || row.Metrics["matched_words"] != 2 {
				t.Errorf("row t01: output %s metadata %s tags %v metrics %v", row.Output, row.Metadata, row.Tags, row.Metrics)
			}
			var spans []struct{ Name, Kind, Parent string }
			if err := json.Unmarshal(row.Spans, &spans); err != nil || len(spans) != 1 || spans[0].Name != "match_rules" || spans[0].Parent != "task" {
				t.Errorf("spans %s", row.Spans)
			}
		})
	}
}
