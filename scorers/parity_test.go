package scorers

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

// The cases below are the differences from autoevals 0.3.0 that issue 9 lists;
// each gives the number autoevals computes.

func TestJSONDiffOfDifferentTypesComparesJSONTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string // JSON
		want float64
	}{
		{`"42"`, `42`, 0.5},                       // '"42"' against '42'
		{`{"a":"1"}`, `{"a":1}`, 0.33333},         // '"1"' against '1'
		{`"true"`, `true`, 0.66667},               // '"true"' against 'true'
		{`["x"]`, `"[\"x\"]"`, 1},                 // the string is parsed first
		{`{"a":"b"}`, `"x"`, 0.22222},             // '{"a":"b"}' against '"x"'
		{`"null"`, `null`, 0},                     // one null
		{`"{\"a\":1}"`, `"{\"a\":1}"`, 1},         // both parsed
		{`{"k":[1,"2"]}`, `{"k":[1,2]}`, 0.66667}, // (1 + 1/3) / 2
	}
	for _, tt := range tests {
		if got := round5(JSONDiff(js(t, tt.a), js(t, tt.b))); got != tt.want {
			t.Errorf("JSONDiff(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNegativeZeroIsWrittenZero(t *testing.T) {
	t.Parallel()
	negZero := math.Copysign(0, -1)
	if got := ExactMatch(negZero, 0, false); got != 1 {
		t.Errorf("ExactMatch(-0, 0) = %v, want 1", got)
	}
	if got := ExactMatch(negZero, "0", false); got != 1 {
		t.Errorf(`ExactMatch(-0, "0") = %v, want 1`, got)
	}
	if got := Levenshtein(negZero, 0); got != 1 {
		t.Errorf("Levenshtein(-0, 0) = %v, want 1", got)
	}
	if got := Levenshtein(js(t, `[-0]`), "[0]"); got != 1 {
		t.Errorf(`Levenshtein([-0], "[0]") = %v, want 1`, got)
	}
	if got, _ := canonicalJSON(map[string]any{"z": negZero}, true); got != `{"z":0}` {
		t.Errorf("canonicalJSON({z: -0}) = %s, want {\"z\":0}", got)
	}
}

func TestLineAndParagraphSeparatorsAreWrittenRaw(t *testing.T) {
	t.Parallel()
	got, _ := canonicalJSON([]any{"a\u2028b\u2029c"}, true)
	if want := "[\"a\u2028b\u2029c\"]"; got != want {
		t.Errorf("canonicalJSON = %q, want %q (JSON.stringify does not escape U+2028/U+2029)", got, want)
	}
	// JSON.stringify(["\u2028"]) is 5 characters; escaped it would be 10.
	if got := round5(Levenshtein([]any{"\u2028"}, `[""]`)); got != 0.8 {
		t.Errorf(`Levenshtein(["\u2028"], '[""]') = %v, want 0.8`, got)
	}
}

func TestOnlyJSONWhitespaceIsTrimmedBeforeParsing(t *testing.T) {
	t.Parallel()
	obj := js(t, `{"a":1}`)
	tests := []struct {
		s    string
		want float64
	}{
		{" \t\r\n{\"a\":1}\n", 1},
		{"\u00a0{\"a\":1}", 0.58333}, // not JSON: '"\u00a0{\"a\":1}"' against '{"a":1}'
		{"\u3000{\"a\":1}", 0.58333},
		{"\v{\"a\":1}", 0.41176}, // \v is written \u000b
		{"{\"a\":1}\u00a0", 0.58333},
	}
	for _, tt := range tests {
		if got := round5(JSONDiff(tt.s, obj)); got != tt.want {
			t.Errorf("JSONDiff(%q, {a: 1}) = %v, want %v", tt.s, got, tt.want)
		}
	}
	for _, s := range []string{"\u00a0[1]", "[1]\u3000", "\v[1]", "\f[1]"} {
		if got := ValidJSON(s, nil); got != 0 {
			t.Errorf("ValidJSON(%q) = %v, want 0: JSON.parse refuses it", s, got)
		}
		if _, err := ListContains(s, []any{1.0}, nil, false); err == nil {
			t.Errorf("ListContains(%q, [1]) took the string as a list", s)
		}
	}
	if got := ValidJSON(" \t\r\n[1] \n", nil); got != 1 {
		t.Errorf("ValidJSON with JSON whitespace = %v, want 1", got)
	}
}

func TestNumbersBeyondFloat64AreJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"[1e400]", `{"a":-1e400}`, "[1e-400]", `[123456789012345678901234567890e300]`} {
		if got := ValidJSON(s, nil); got != 1 {
			t.Errorf("ValidJSON(%s) = %v, want 1", s, got)
		}
	}
	// JSON.parse reads 1e400 as Infinity, which JSON.stringify writes null.
	if got := round5(JSONDiff("[1e400]", "[nul]")); got != 0.57143 {
		t.Errorf(`JSONDiff("[1e400]", "[nul]") = %v, want 0.57143 ('[null]' against '"[nul]"')`, got)
	}
}

func TestValidJSONWithSchemaValidatesAnyParsedValue(t *testing.T) {
	t.Parallel()
	number, err := loadSchema(map[string]any{"type": "number"}, "")
	if err != nil {
		t.Fatal(err)
	}
	anything, err := loadSchema(map[string]any{}, "")
	if err != nil {
		t.Fatal(err)
	}
	nullable, err := loadSchema(map[string]any{"type": "null"}, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		v      any
		schema string
		want   float64
	}{
		{"numeric text", "1", "number", 1},
		{"number", 5.0, "{}", 1},
		{"number against number", 5.0, "number", 1},
		{"string text", `"x"`, "number", 0},
		{"not JSON", "x", "{}", 0},
		{"null", nil, "null", 1},
		{"null text", "null", "null", 1},
		{"true", true, "{}", 1},
	}
	schemas := map[string]*gojsonschema.Schema{"number": number, "{}": anything, "null": nullable}
	for _, tt := range tests {
		if got := ValidJSON(tt.v, schemas[tt.schema]); got != tt.want {
			t.Errorf("%s: ValidJSON(%#v, %s) = %v, want %v", tt.name, tt.v, tt.schema, got, tt.want)
		}
	}
}

func TestNullIsAValue(t *testing.T) {
	t.Parallel()
	if got := ExactMatch(nil, nil, false); got != 1 {
		t.Errorf("ExactMatch(null, null) = %v, want 1", got)
	}
	if got := JSONDiff(nil, nil); got != 1 {
		t.Errorf("JSONDiff(null, null) = %v, want 1", got)
	}
	// ExactMatch parses the text on the other side of a null, as it does
	// opposite an object: JSON.stringify(JSON.parse(" null ")) is "null".
	for s, want := range map[string]float64{" null ": 1, "null": 1, `"null"`: 0, "": 0, "nul": 0} {
		if got := ExactMatch(nil, s, false); got != want {
			t.Errorf("ExactMatch(null, %q) = %v, want %v", s, got, want)
		}
	}
}

func TestObjectKeysAreOrderedAsJavaScriptDoes(t *testing.T) {
	t.Parallel()
	// JSON.stringify writes integer keys first in numeric order; autoevals sorts
	// the other keys by UTF-16 code units.
	v := map[string]any{"b": 1.0, "10": 2.0, "2": 3.0, "a": 4.0, "\uff01": 5.0, "😀": 6.0, "01": 7.0}
	got, _ := canonicalJSON(v, true)
	if want := `{"2":3,"10":2,"01":7,"a":4,"b":1,"😀":6,"！":5}`; got != want {
		t.Errorf("canonicalJSON = %s, want %s", got, want)
	}
	if !strings.HasPrefix(got, `{"2"`) {
		t.Error("integer keys do not come first")
	}
}

func TestJSONNumbersAreWrittenAsNumbers(t *testing.T) {
	t.Parallel()
	if got := ExactMatch(json.Number("1.0"), "1", false); got != 1 {
		t.Errorf(`ExactMatch(json.Number("1.0"), "1") = %v, want 1 as for the number 1.0`, got)
	}
	if got := Levenshtein(json.Number("1e400"), "Infinity"); got != 1 {
		t.Errorf(`Levenshtein(json.Number("1e400"), "Infinity") = %v, want 1`, got)
	}
	if got, err := NumericDiff(json.Number("1e400"), math.Inf(1)); err != nil || got != 1 {
		t.Errorf(`NumericDiff(json.Number("1e400"), +Inf) = %v, %v; want 1`, got, err)
	}
}
