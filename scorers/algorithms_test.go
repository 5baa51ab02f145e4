package scorers

import (
	"encoding/json"
	"math"
	"regexp"
	"strings"
	"testing"
)

// round5 rounds to the 5 decimals REFERENCE.md gives.
func round5(f float64) float64 { return math.Round(f*1e5) / 1e5 }

// js decodes a JSON literal, as values arrive from datasets.
func js(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

func TestLevenshtein(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b any
		want float64
	}{
		{"ab", "ac", 0.5},
		{"abc", "axc", 0.66667},
		{"xabxcdxxefxgx", "1ab2cd34ef5g6", 0.53846},
		{"", "a", 0},
		{"a", "", 0},
		{"", "", 1},
		{"same", "same", 1},
		// Runes, not bytes: "é" is one edit, not two.
		{"café", "cafe", 0.75},
		{"日本語", "日本", 0.66667},
		{"👍", "👎", 0},
		{"naïve café", "naive cafe", 0.8},
		// Non-strings are compared as canonical JSON.
		{123, "123", 1},
		{123.0, "123", 1},
		{map[string]any{"b": 1, "a": 2}, `{"a":2,"b":1}`, 1},
		{[]any{"a", 1.0}, `["a",1]`, 1},
		{nil, "null", 1},
		{true, "true", 1},
	}
	for _, tt := range tests {
		if got := round5(Levenshtein(tt.a, tt.b)); got != tt.want {
			t.Errorf("Levenshtein(%#v, %#v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestNumericDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b any
		want float64
	}{
		{1, 2, 0.66667},
		{-1, 2, 0},
		{0, 1, 0},
		{105, 100, 0.97561},
		{0, 0, 1},
		{0.0, math.Copysign(0, -1), 1},
		{3.5, 3.5, 1},
		{int64(10), uint8(10), 1},
		{json.Number("2"), 1.0, 0.66667},
		{" 105 ", "100", 0.97561}, // numbers in text, as models answer
		{math.Inf(1), 1.0, 0},
		{math.NaN(), 1.0, 0},
	}
	for _, tt := range tests {
		got, err := NumericDiff(tt.a, tt.b)
		if err != nil {
			t.Errorf("NumericDiff(%v, %v): %v", tt.a, tt.b, err)
			continue
		}
		if round5(got) != tt.want {
			t.Errorf("NumericDiff(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	for _, bad := range [][2]any{{"abc", 1}, {1, nil}, {[]any{1.0}, 1}, {true, 1}} {
		if _, err := NumericDiff(bad[0], bad[1]); err == nil || !strings.Contains(err.Error(), "is not a number") {
			t.Errorf("NumericDiff(%#v, %#v) error = %v, want a not-a-number error", bad[0], bad[1], err)
		}
	}
}

func TestJSONDiff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string // JSON
		want float64
	}{
		{`{"a":1}`, `{"a":2}`, 0.66667},
		{`{"a":1}`, `["a",1]`, 0.57143},
		{`{"mapping":{"a":"foo","b":"bar"}}`, `{"mapping":{"a":"Foo","b":"Bar"},"Extra":5}`, 0.33333},
		{`[]`, `{}`, 0},
		{`{}`, `{}`, 1},
		{`[]`, `[]`, 1},
		{`null`, `null`, 1},
		{`null`, `1`, 0},
		{`{"a":null}`, `{}`, 1},
		{`[1,2,3]`, `[1,2]`, 0.66667},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, 1},
		{`"abc"`, `"axc"`, 0.66667},
		// Booleans are not numbers (as in autoevals JS; Python's gives 0 here).
		{`true`, `false`, 0.2},
		// Strings that hold JSON objects or arrays are parsed first.
		{`"{\"a\": 1}"`, `{"a":2}`, 0.66667},
		{`"[1, 2]"`, `[1,2]`, 1},
		// A string holding a scalar stays a string, compared as JSON text with
		// the number: '"1"' against '1'.
		{`"1"`, `1`, 0.33333},
	}
	for _, tt := range tests {
		if got := round5(JSONDiff(js(t, tt.a), js(t, tt.b))); got != tt.want {
			t.Errorf("JSONDiff(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
	// Go values that are not in the JSON model are brought to it.
	if got := JSONDiff(map[string]any{"tags": []string{"a", "b"}}, js(t, `{"tags":["a","b"]}`)); got != 1 {
		t.Errorf("JSONDiff of []string = %v, want 1", got)
	}
}

func TestExactMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b any
		fold bool
		want float64
	}{
		{123, "123", false, 1},
		{"123", 123, false, 1},
		{123.0, "123", false, 1},
		{"abc", "abc", false, 1},
		{"abc", "ABC", false, 0},
		{"abc", "ABC", true, 1},
		{true, "true", false, 1},
		{nil, nil, false, 1},
		{nil, "", false, 0},
		{1, 1.0, false, 1},
		{123, "123.0", false, 0},
		// Structured values compare by JSON equality: key order does not matter.
		{js(t, `{"a":1,"b":2}`), js(t, `{"b":2,"a":1}`), false, 1},
		{js(t, `{"a":1,"b":2}`), `{"b": 2, "a": 1.0}`, false, 1},
		{`{"b":2,"a":1}`, js(t, `{"a":1,"b":2}`), false, 1},
		{js(t, `{"a":1}`), js(t, `{"a":1,"b":2}`), false, 0},
		{js(t, `[1,2]`), js(t, `[2,1]`), false, 0},
		{js(t, `{"a":[1,{"b":"x"}]}`), map[string]any{"a": []any{1, map[string]any{"b": "x"}}}, false, 1},
		{js(t, `{"a":"X"}`), js(t, `{"a":"x"}`), false, 0},
		{js(t, `{"a":"X"}`), js(t, `{"a":"x"}`), true, 1},
		{js(t, `{"A":1}`), js(t, `{"a":1}`), true, 0}, // keys are not folded
		{js(t, `{"a":1}`), "not json", false, 0},
		{[]string{"a"}, `["a"]`, false, 1},
	}
	for _, tt := range tests {
		if got := ExactMatch(tt.a, tt.b, tt.fold); got != tt.want {
			t.Errorf("ExactMatch(%#v, %#v, %v) = %v, want %v", tt.a, tt.b, tt.fold, got, tt.want)
		}
	}
}

func TestValidJSON(t *testing.T) {
	t.Parallel()
	schema, err := loadSchema(map[string]any{
		"type":     "object",
		"required": []any{"a"},
		"properties": map[string]any{
			"a": map[string]any{"type": "string"},
		},
	}, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		v      any
		schema bool
		want   float64
	}{
		{"1", false, 0},
		{`[{ "a": 1 }`, false, 0},
		{100, false, 0},
		{map[string]any{"a": "1"}, false, 1},
		{`{"a": "1"}`, false, 1},
		{`[]`, false, 1},
		{[]any{}, false, 1},
		{`"a string"`, false, 0},
		{nil, false, 0},
		{"not json", false, 0},
		{`{"a": 1} trailing`, false, 0},
		{map[string]any{"a": "1"}, true, 1},
		{`{"a": "1"}`, true, 1},
		{map[string]any{"a": 1}, true, 0},
		{`{"b": "1"}`, true, 0},
		{`["a"]`, true, 0},
	}
	for _, tt := range tests {
		s := schema
		if !tt.schema {
			s = nil
		}
		if got := ValidJSON(tt.v, s); got != tt.want {
			t.Errorf("ValidJSON(%#v, schema=%v) = %v, want %v", tt.v, tt.schema, got, tt.want)
		}
	}
}

func TestListContains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		out, exp   any
		allowExtra bool
		want       float64
	}{
		{[]any{"a"}, []any{"a", "b"}, false, 0.5},
		{[]any{"a", "b"}, []any{"b"}, true, 1},
		{[]any{"a", "b"}, []any{"b"}, false, 0.5},
		{[]any{}, []any{}, false, 1},
		{[]any{"a"}, []any{}, false, 0},
		{[]any{}, []any{"a"}, false, 0},
		{[]any{"b", "a"}, []any{"a", "b"}, false, 1},
		{[]string{"a", "b"}, `["b", "a"]`, false, 1},
		{[]any{"ab"}, []any{"ac"}, false, 0.5},
		// Greedy matching (each output its best remaining expected item) pairs
		// abcd-abce (0.75) then zbce-abxx (0.25): 0.5. The best assignment pairs
		// abcd-abxx (0.5) and zbce-abce (0.75): 0.625.
		{[]any{"abcd", "zbce"}, []any{"abce", "abxx"}, false, 0.625},
	}
	for _, tt := range tests {
		got, err := ListContains(tt.out, tt.exp, nil, tt.allowExtra)
		if err != nil {
			t.Errorf("ListContains(%v, %v, %v): %v", tt.out, tt.exp, tt.allowExtra, err)
			continue
		}
		if round5(got) != tt.want {
			t.Errorf("ListContains(%v, %v, %v) = %v, want %v", tt.out, tt.exp, tt.allowExtra, got, tt.want)
		}
	}
	num := func(o, e any) (float64, error) { return NumericDiff(o, e) }
	if got, err := ListContains([]any{1, 100}, []any{100, 1}, num, false); err != nil || got != 1 {
		t.Errorf("ListContains with numeric_diff = %v, %v; want 1", got, err)
	}
	if _, err := ListContains("abc", []any{"a"}, nil, false); err == nil || !strings.Contains(err.Error(), "not a list") {
		t.Errorf("ListContains of a string: error %v, want not a list", err)
	}
	bad := func(o, e any) (float64, error) { return 2, nil }
	if _, err := ListContains([]any{"a"}, []any{"a"}, bad, false); err == nil {
		t.Error("a pairwise score of 2 is accepted")
	}
}

func TestContainsAndRegex(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v      any
		values []string
		fold   bool
		want   float64
	}{
		{"the answer is 42", []string{"42"}, false, 1},
		{"the answer is 42", []string{"42", "answer"}, false, 1},
		{"the answer is 42", []string{"42", "question"}, false, 0},
		{"The Answer", []string{"answer"}, false, 0},
		{"The Answer", []string{"answer"}, true, 1},
		{map[string]any{"id": 7.0}, []string{`"id":7`}, false, 1},
		{"anything", nil, false, 1},
	}
	for _, tt := range tests {
		if got := Contains(tt.v, tt.values, tt.fold); got != tt.want {
			t.Errorf("Contains(%#v, %q, %v) = %v, want %v", tt.v, tt.values, tt.fold, got, tt.want)
		}
	}
	re := regexp.MustCompile(`^\d+$`)
	for v, want := range map[any]float64{"123": 1, "12a": 0, 42: 1, "": 0} {
		if got := Regex(re, v); got != want {
			t.Errorf("Regex(%q, %#v) = %v, want %v", re, v, got, want)
		}
	}
}

func TestJSONSchema(t *testing.T) {
	t.Parallel()
	schema, err := loadSchema("testdata/answer.schema.json", ".")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		v        any
		want     float64
		problems int
	}{
		{map[string]any{"answer": "yes", "confidence": 0.9}, 1, 0},
		{`{"answer": "yes", "confidence": 0.9}`, 1, 0},
		{map[string]any{"answer": "yes"}, 0, 1},
		{map[string]any{"answer": 1, "confidence": 2}, 0, 2},
		{"plain text", 0, 1},
	}
	for _, tt := range tests {
		got, problems, err := JSONSchema(schema, tt.v)
		if err != nil {
			t.Errorf("JSONSchema(%#v): %v", tt.v, err)
			continue
		}
		if got != tt.want || len(problems) != tt.problems {
			t.Errorf("JSONSchema(%#v) = %v, %q; want %v with %d problems", tt.v, got, problems, tt.want, tt.problems)
		}
	}
	text, err := loadSchema(map[string]any{"type": "string", "maxLength": 5}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := JSONSchema(text, "short"); got != 1 {
		t.Errorf("a plain string against a string schema = %v, want 1", got)
	}
}

func TestCanonicalJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    any
		want string
	}{
		{map[string]any{"b": 1, "a": []any{true, nil, "x"}}, `{"a":[true,null,"x"],"b":1}`},
		{"<é>\n\"\x01", `"<é>\n\"\u0001"`},
		{1e21, `1e+21`},
		{1e-7, `1e-7`},
		{0.1, `0.1`},
		{int64(-3), `-3`},
		{uint16(7), `7`},
		{float32(0.5), `0.5`},
		{json.Number("12.50"), `12.5`}, // as JSON.stringify(12.50)
		{map[any]any{"k": 1}, `{"k":1}`},
		{struct {
			A int `json:"a"`
		}{A: 1}, `{"a":1}`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
	}
	for _, tt := range tests {
		got, err := canonicalJSON(tt.v, true)
		if err != nil || got != tt.want {
			t.Errorf("canonicalJSON(%#v) = %s, %v; want %s", tt.v, got, err, tt.want)
		}
	}
	if _, err := canonicalJSON(map[string]any{"x": math.NaN()}, true); err == nil {
		t.Error("canonicalJSON(NaN) in strict mode: no error")
	}
	if got := text(math.Inf(-1)); got != "-Infinity" {
		t.Errorf("text(-Inf) = %q", got)
	}
}
