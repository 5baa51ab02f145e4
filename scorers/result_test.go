package scorers

import (
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestParseResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		want []Score
	}{
		{"true", true, []Score{{Name: "s", Value: 1}}},
		{"false", false, []Score{{Name: "s", Value: 0}}},
		{"float", 0.25, []Score{{Name: "s", Value: 0.25}}},
		{"int", 1, []Score{{Name: "s", Value: 1}}},
		{"zero", 0, []Score{{Name: "s", Value: 0}}},
		{"json.Number", json.Number("0.5"), []Score{{Name: "s", Value: 0.5}}},
		{"nil", nil, []Score{{Name: "s", Skipped: true}}},
		{"object", map[string]any{"score": 0.5, "metadata": map[string]any{"why": "x"}},
			[]Score{{Name: "s", Value: 0.5, Metadata: map[string]any{"why": "x"}}}},
		{"object bool", map[string]any{"score": true}, []Score{{Name: "s", Value: 1}}},
		{"object nil score", map[string]any{"score": nil, "metadata": map[string]any{"why": "n/a"}},
			[]Score{{Name: "s", Skipped: true, Metadata: map[string]any{"why": "n/a"}}}},
		{"list", []any{
			map[string]any{"name": "tone", "score": 1.0},
			map[string]any{"name": "length", "score": false, "metadata": map[string]any{"n": 3.0}},
			map[string]any{"name": "style", "score": nil},
		}, []Score{
			{Name: "tone", Value: 1},
			{Name: "length", Value: 0, Metadata: map[string]any{"n": 3.0}},
			{Name: "style", Skipped: true},
		}},
		{"empty list", []any{}, []Score{{Name: "s", Skipped: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseResult("s", tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseResult(%#v) = %#v, want %#v", tt.v, got, tt.want)
			}
		})
	}
}

func TestParseResultFromJSON(t *testing.T) {
	t.Parallel()
	// What an exec or HTTP scorer answers, decoded as the functions package does.
	for _, tt := range []struct {
		json string
		want []Score
	}{
		{`0.75`, []Score{{Name: "s", Value: 0.75}}},
		{`true`, []Score{{Name: "s", Value: 1}}},
		{`null`, []Score{{Name: "s", Skipped: true}}},
		{`{"score": 1, "metadata": {"k": "v"}}`, []Score{{Name: "s", Value: 1, Metadata: map[string]any{"k": "v"}}}},
		{`[{"name": "a", "score": 0}, {"name": "b", "score": 1}]`, []Score{{Name: "a"}, {Name: "b", Value: 1}}},
	} {
		got, err := ParseResult("s", js(t, tt.json))
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseResult(%s) = %#v, %v; want %#v", tt.json, got, err, tt.want)
		}
	}
}

func TestParseResultErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"above 1", 1.5, "score 1.5 is outside [0, 1]"},
		{"below 0", -0.1, "score -0.1 is outside [0, 1]"},
		{"int above 1", 2, "score 2 is outside [0, 1]"},
		{"NaN", math.NaN(), "score is NaN"},
		{"infinity", math.Inf(1), "outside [0, 1]"},
		{"string", "x", `a scorer must return a number in [0, 1], a bool, nil, {score, metadata} or a list of {name, score}, not string "x"`},
		{"numeric string", "0.5", `not string "0.5"`},
		{"object without score", map[string]any{"metadata": map[string]any{}}, `needs a "score"`},
		{"object score string", map[string]any{"score": "1"}, `not string "1"`},
		{"object score list", map[string]any{"score": []any{1.0}}, `"score" must be a number`},
		{"object score out of range", map[string]any{"score": 3.0}, "score 3 is outside [0, 1]"},
		{"object unknown key", map[string]any{"score": 1.0, "reason": "x"}, `unknown key "reason"`},
		{"object with a name", map[string]any{"score": 1.0, "name": "x"}, "return a list of {name, score}"},
		{"object bad metadata", map[string]any{"score": 1.0, "metadata": "x"}, `"metadata" must be an object`},
		{"list of numbers", []any{1.0}, "scores[0]: a list of scores holds {name, score} objects"},
		{"list item without name", []any{map[string]any{"score": 1.0}}, "scores[0]: a score in a list needs a name"},
		{"list item bad score", []any{map[string]any{"name": "a", "score": 1.0}, map[string]any{"name": "b", "score": 7.0}}, "scores[1]: score 7 is outside [0, 1]"},
		{"list duplicate names", []any{map[string]any{"name": "a", "score": 1.0}, map[string]any{"name": "a", "score": 0.0}}, `scores[1]: the name "a" is used twice`},
		{"other type", struct{}{}, "not a value of type struct {}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseResult("s", tt.v)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseResult(%#v) = %v, %v; want an error containing %q", tt.v, got, err, tt.want)
			}
		})
	}
}
