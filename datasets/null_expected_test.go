package datasets

import (
	"context"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// An explicit `expected: null` is a value (HasExpected), an absent expected is
// not, in every format; a data.fields.expected that gives nil is absent.
func TestExplicitNullExpectedIsPresent(t *testing.T) {
	t.Parallel()
	store := fakeStore{closed: new(int), rows: map[string][]string{
		"d@1": {`{"id": "a", "input": 1, "expected": null}`, `{"id": "b", "input": 2}`},
	}}
	exps := experimentRows{`{"id": "a", "input": 1, "expected": null, "output": 3}`, `{"id": "b", "input": 2, "output": 4}`}
	tests := []struct {
		name string
		data spec.Data
		want []bool
	}{
		{"jsonl", spec.Data{File: writeFile(t, "n.jsonl", `{"id":"a","input":1,"expected":null}`+"\n"+`{"id":"b","input":2}`+"\n")}, []bool{true, false}},
		{"json", spec.Data{File: writeFile(t, "n.json", `[{"id":"a","input":1,"expected":null},{"id":"b","input":2}]`)}, []bool{true, false}},
		{"yaml", spec.Data{File: writeFile(t, "n.yaml", "- {id: a, input: 1, expected: null}\n- {id: b, input: 2, expected: ~}\n- {id: c, input: 3}\n")}, []bool{true, true, false}},
		{"csv", spec.Data{File: writeFile(t, "n.csv", "id,input,expected\na,1,\n")}, []bool{true}},
		{"csv without the column", spec.Data{File: writeFile(t, "m.csv", "id,input\na,1\n")}, []bool{false}},
		{"inline", spec.Data{Inline: []any{map[string]any{"id": "a", "input": 1, "expected": nil}, map[string]any{"id": "b", "input": 2}}}, []bool{true, false}},
		{"store dataset", spec.Data{Dataset: "d", Version: 1}, []bool{true, false}},
		{"experiment", spec.Data{Experiment: "e"}, []bool{true, false}},
		{"fields", spec.Data{File: writeFile(t, "f.jsonl", `{"q":1,"a":null}`+"\n"+`{"q":2,"a":0}`+"\n"), Fields: spec.Fields{Input: ex("row.q"), Expected: ex("row.a")}}, []bool{false, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := mustReadAll(t, tt.data, Options{Datasets: store, Experiments: exps})
			if len(got) != len(tt.want) {
				t.Fatalf("%d cases, want %d", len(got), len(tt.want))
			}
			for i, c := range got {
				if c.ExpectedPresent() != tt.want[i] {
					t.Errorf("case %s: expected present %v, want %v", c.ID, c.ExpectedPresent(), tt.want[i])
				}
			}
		})
	}
}

// experimentRows serves the same rows for any experiment.
type experimentRows []string

func (e experimentRows) OpenExperiment(context.Context, string) (RowIterator, string, error) {
	return &fakeRows{rows: e, closed: new(int)}, "e", nil
}
