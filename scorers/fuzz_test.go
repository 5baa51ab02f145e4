package scorers

import (
	"encoding/json"
	"math"
	"testing"
)

// FuzzHeuristics checks that the heuristic scorers never panic and always give a
// score in [0, 1] on any pair of JSON values (or texts).
func FuzzHeuristics(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"a":1}`, `["a",1]`},
		{`{"mapping":{"a":"foo"}}`, `{"mapping":{"a":"Foo"},"Extra":5}`},
		{`"[1, 2"`, `[1,2]`},
		{`-1`, `2`},
		{`"日本語"`, `"日本"`},
		{`[[],[{}]]`, `[{}, null, true]`},
		{`not json`, `"\ud800"`},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var x, y any = a, b
		_ = json.Unmarshal([]byte(a), &x)
		_ = json.Unmarshal([]byte(b), &y)
		check := func(name string, s float64) {
			if math.IsNaN(s) || s < 0 || s > 1 {
				t.Fatalf("%s(%q, %q) = %v", name, a, b, s)
			}
		}
		check("Levenshtein", Levenshtein(x, y))
		check("JSONDiff", JSONDiff(x, y))
		check("ExactMatch", ExactMatch(x, y, true))
		check("ValidJSON", ValidJSON(x, nil))
		if s, err := NumericDiff(x, y); err == nil {
			check("NumericDiff", s)
		}
		if s, err := ListContains(x, y, nil, false); err == nil {
			check("ListContains", s)
		}
		if Levenshtein(x, y) != Levenshtein(y, x) || ExactMatch(x, y, false) != ExactMatch(y, x, false) {
			t.Fatalf("not symmetric on %q, %q", a, b)
		}
		if _, err := ParseResult("s", x); err != nil && err.Error() == "" {
			t.Fatal("an empty error message")
		}
	})
}
