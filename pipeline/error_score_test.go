package pipeline

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// errorScoreEval has a case whose task fails (bad: its text is not JSON) and a
// scorer that fails on the other (fragile: numeric_diff of an object).
const errorScoreEval = `name: error-score
data:
  inline:
    - {id: ok, input: {text: '{"a": 1}'}, expected: {a: 1}}
    - {id: bad, input: {text: '{bad'}, expected: {a: 1}}
task: {expr: parse_json(input.text)}
scorers:
  - {name: exact, use: exact_match}
  - {name: fragile, expr: 'numeric_diff(output, 1)'}
error_score: `

func TestErrorScoreHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy  string
		want    map[string]map[string]float64 // case -> scores
		wantErr map[string]string             // case -> substring of fragile's error
	}{
		{"zero", map[string]map[string]float64{"ok": {"exact": 1, "fragile": 0}, "bad": {"exact": 0, "fragile": 0}}, nil},
		{"skip", map[string]map[string]float64{"ok": {"exact": 1}, "bad": nil}, nil},
		{"{value: 0.25}", map[string]map[string]float64{"ok": {"exact": 1, "fragile": 0.25}, "bad": {"exact": 0.25, "fragile": 0.25}}, nil},
		{`{expr: 'scorer == "fragile" ? nil : (stage == "task" ? 0 : 1)'}`,
			map[string]map[string]float64{"ok": {"exact": 1}, "bad": {"exact": 0}}, nil},
		{`{expr: 'error contains "not a number" || error contains "numeric" ? 0.5 : input.text == "{bad"'}`,
			map[string]map[string]float64{"ok": {"exact": 1, "fragile": 0.5}, "bad": {"exact": 1, "fragile": 1}}, nil},
		{`{expr: 'scorer == "fragile" ? 2 : nil'}`,
			map[string]map[string]float64{"ok": {"exact": 1}, "bad": nil},
			map[string]string{"ok": "error_score.expr for fragile: it gave 2: give a score in [0, 1]", "bad": "error_score.expr for fragile: it gave 2"}},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			t.Parallel()
			_, rows := runEval(t, context.Background(), loadEval(t, errorScoreEval+tt.policy+"\n", nil), Options{})
			if len(rows) != 2 {
				t.Fatalf("%d rows, want 2", len(rows))
			}
			for _, r := range rows {
				if (r.CaseID == "bad") != (r.Error != "") {
					t.Errorf("case %s: task error %q", r.CaseID, r.Error)
				}
				if got := r.Scores; !reflect.DeepEqual(got, tt.want[r.CaseID]) && !(len(got) == 0 && len(tt.want[r.CaseID]) == 0) {
					t.Errorf("case %s: scores %v, want %v", r.CaseID, got, tt.want[r.CaseID])
				}
				if want := tt.wantErr[r.CaseID]; want != "" && !strings.Contains(r.ScorerErrors["fragile"], want) {
					t.Errorf("case %s: fragile's error %q, want %q", r.CaseID, r.ScorerErrors["fragile"], want)
				}
			}
		})
	}
}
