package scorers

import (
	"context"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// An explicit `expected: null` is a value the comparing built-ins compare
// with, as autoevals does (ExactMatch(null, null) is 1); an absent expected is
// an error.
func TestNullExpectedIsAValueAbsentIsAnError(t *testing.T) {
	t.Parallel()
	null := spec.ScorerEnv{Output: nil, Expected: nil, HasExpected: true}
	tests := []struct {
		builtin string
		env     spec.ScorerEnv
		want    float64
		wantErr string
	}{
		{"exact_match", null, 1, ""},
		{"json_diff", null, 1, ""},
		{"levenshtein", null, 1, ""},
		{"exact_match", spec.ScorerEnv{Output: "x", HasExpected: true}, 0, ""},
		{"json_diff", spec.ScorerEnv{Output: map[string]any{"a": 1.0}, HasExpected: true}, 0, ""},
		{"exact_match", spec.ScorerEnv{Output: nil}, 0, "the case has no expected value"},
		{"json_diff", spec.ScorerEnv{Output: nil}, 0, "the case has no expected value"},
		{"levenshtein", spec.ScorerEnv{Output: "a"}, 0, "the case has no expected value"},
	}
	for _, tt := range tests {
		got, err := mustBuild(t, useSpec(tt.builtin, tt.builtin, nil)).Score(context.Background(), &tt.env)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s(%v, absent) = %v, %v; want an error containing %q", tt.builtin, tt.env.Output, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(got) != 1 || got[0].Value != tt.want {
			t.Errorf("%s(%v, null) = %v, %v; want %v", tt.builtin, tt.env.Output, got, err, tt.want)
		}
	}
}

// A judge that compares with expected renders an explicit null, and refuses
// an absent one before any call.
func TestJudgeNullExpectedIsAValue(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, false, nil)
	sc := buildJudge(t, s, "factuality", nil)
	j := sc.(*judge)
	if _, err := j.request(context.Background(), &spec.ScorerEnv{Input: "q", Output: "o", HasExpected: true}); err != nil {
		t.Errorf("factuality with expected null: %v", err)
	}
	if _, err := j.request(context.Background(), &spec.ScorerEnv{Input: "q", Output: "o"}); err == nil || !strings.Contains(err.Error(), "no expected value") {
		t.Errorf("factuality with no expected: %v", err)
	}
}
