package scorers

import (
	"context"
	"reflect"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// TestAppendScoresIsScore checks that the scorers a run appends from give,
// after what dst held, exactly what Score gives, and leave dst as it was on
// an error.
func TestAppendScoresIsScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sc   spec.Scorer
		env  spec.ScorerEnv
	}{
		{"levenshtein", useSpec("lev", "levenshtein", nil), spec.ScorerEnv{Output: "kitten", Expected: "sitting"}},
		{"exact_match", useSpec("em", "exact_match", nil), spec.ScorerEnv{Output: "a", Expected: "a"}},
		{"builtin error", useSpec("em", "exact_match", nil), spec.ScorerEnv{Output: "a"}},
		{"expr bool", exprSpec("ok", "output == expected"), spec.ScorerEnv{Output: "a", Expected: "b"}},
		{"expr skipped", exprSpec("ok", "nil"), spec.ScorerEnv{}},
		{"expr list", exprSpec("ok", `[{name: "x", score: 0.5}, {name: "y", score: 1}]`), spec.ScorerEnv{}},
		{"expr empty list", exprSpec("ok", `[]`), spec.ScorerEnv{}},
		{"expr bad list", exprSpec("ok", `[{name: "x", score: 0.5}, {name: "x", score: 1}]`), spec.ScorerEnv{}},
		{"expr out of range", exprSpec("ok", "2"), spec.ScorerEnv{}},
		{"expr object", exprSpec("ok", `{score: 0.25, metadata: {why: "x"}}`), spec.ScorerEnv{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := mustBuild(t, tt.sc)
			a, ok := s.(Appender)
			if !ok {
				t.Fatalf("%T is not an Appender", s)
			}
			env := tt.env
			want, wantErr := s.Score(context.Background(), &env)
			prior := []Score{{Name: "before", Value: 1}}
			got, err := a.AppendScores(context.Background(), &env, prior[:1:1])
			if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
				t.Fatalf("AppendScores error %v, Score error %v", err, wantErr)
			}
			if !reflect.DeepEqual(got[:1], prior) {
				t.Fatalf("dst changed: %v", got)
			}
			if err != nil {
				if len(got) != 1 {
					t.Fatalf("on an error AppendScores gave %v, want dst as it was", got)
				}
				return
			}
			if !reflect.DeepEqual(got[1:], want) {
				t.Errorf("AppendScores appended %v, Score gave %v", got[1:], want)
			}
		})
	}
}
