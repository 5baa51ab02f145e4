package store

import (
	"encoding/json"
	"testing"
)

func TestRowSucceeded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		row       Row
		succeeded bool
		first     string
	}{
		{"clean", Row{}, true, ""},
		{"metadata with an error key is no failure", Row{ScoreMeta: map[string]json.RawMessage{"a": json.RawMessage(`{"error":"none"}`)}}, true, ""},
		{"task error", Row{Error: "boom"}, false, ""},
		{"scorer errors, first by name", Row{ScorerErrors: map[string]string{"b": "x", "a": "y"}}, false, "a: y"},
	} {
		if got := tc.row.Succeeded(); got != tc.succeeded {
			t.Errorf("%s: Succeeded = %v, want %v", tc.name, got, tc.succeeded)
		}
		if got := tc.row.FirstScorerError(); got != tc.first {
			t.Errorf("%s: FirstScorerError = %q, want %q", tc.name, got, tc.first)
		}
	}
}
