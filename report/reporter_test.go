package report

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// TestBuiltinReporters: each format is registered once and writes the runs
// it is given.
func TestBuiltinReporters(t *testing.T) {
	t.Parallel()
	if got, want := Reporters.Names(), []string{"json", "jsonl", "junit", "markdown", "terminal"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("registered reporters %v, want %v", got, want)
	}
	rows := []*store.Row{{CaseID: "a", Scores: map[string]float64{"ok": 1}}, {CaseID: "b", Scores: map[string]float64{"ok": 0}}}
	run := Run{Eval: "qa", Experiment: "exp-1", Summary: &Summary{Eval: "qa", Experiment: "exp-1", Cases: 2, Rows: 2,
		Scores: []ScoreSummary{{Name: "ok", Mean: 0.5, Count: 2}}}, Rows: RowSlice(rows)}
	for _, rep := range Reporters.All() {
		t.Run(rep.Name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			if err := rep.Write(&buf, []Run{run}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), "qa") {
				t.Errorf("the %s report does not name the eval:\n%s", rep.Name, buf.String())
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	t.Parallel()
	var r Registry
	if _, err := r.Lookup("json"); err == nil {
		t.Error("an empty registry found json")
	}
	r.Register(Reporter{Name: "x", Write: func(io.Writer, []Run) error { return nil }})
	if _, err := r.Lookup("y"); err == nil || !strings.Contains(err.Error(), "[x]") {
		t.Errorf("unknown format: %v; want the known ones listed", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering x twice must panic")
		}
	}()
	r.Register(Reporter{Name: "x"})
}
