package scorers

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// rougeReference is one case of testdata/rouge_n.json, scored by js-rouge 3.2.3
// (scripts/rouge/generate.js).
type rougeReference struct {
	Cand       string  `json:"cand"`
	Ref        string  `json:"ref"`
	N          int     `json:"n"`
	IgnoreCase bool    `json:"ignore_case"`
	Score      float64 `json:"score"`
}

func TestRougeNMatchesJSRouge(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/rouge_n.json")
	if err != nil {
		t.Fatal(err)
	}
	var refs []rougeReference
	if err := json.Unmarshal(raw, &refs); err != nil {
		t.Fatal(err)
	}
	if len(refs) < 30 {
		t.Fatalf("only %d reference cases", len(refs))
	}
	for _, r := range refs {
		got, _, _ := RougeN(r.Cand, r.Ref, r.N, r.IgnoreCase)
		if math.Abs(got-r.Score) > 1e-12 {
			t.Errorf("RougeN(%q, %q, n=%d, ignore_case=%v) = %.17g; js-rouge %.17g", r.Cand, r.Ref, r.N, r.IgnoreCase, got, r.Score)
		}
	}
}

func TestRougeN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		out, exp any
		n        int
		want     float64
	}{
		{"identical", "a b c", "a b c", 2, 1},
		{"fewer tokens than n", "a", "a b", 2, 0},
		{"empty output", "", "a b", 1, 0},
		{"clipped counts", "the the the", "the", 1, 0.5},
		{"punctuation split at the edges", "(yes), sir...", "yes sir", 1, 0.5},
		{"numbers as text", 42, "42", 1, 1},
		{"non-string values as canonical JSON", map[string]any{"b": 1, "a": 2}, `{"a":2,"b":1}`, 1, 1},
		{"n below 1 is 1", "a b", "a c", 0, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _, _ := RougeN(tt.out, tt.exp, tt.n, false)
			if math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("RougeN(%v, %v, %d) = %v, want %v", tt.out, tt.exp, tt.n, got, tt.want)
			}
		})
	}
}

func TestRougeNScorerAndHelper(t *testing.T) {
	t.Parallel()
	env := &spec.ScorerEnv{Output: "The cat sat on the mat", Expected: "the cat was sitting on the mat"}
	s := mustBuild(t, useSpec("r", "rouge_n", map[string]any{"n": 2, "ignore_case": true}))
	got, err := s.Score(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	want, p, r := RougeN(env.Output, env.Expected, 2, true)
	if got[0].Value != want || got[0].Metadata["precision"] != p || got[0].Metadata["recall"] != r {
		t.Errorf("scorer = %+v, want %v (precision %v, recall %v)", got[0], want, p, r)
	}
	v, err := evalScorerExpr(t, "rouge_n(output, expected, 2)", env)
	if err != nil {
		t.Fatal(err)
	}
	if caseSensitive, _, _ := RougeN(env.Output, env.Expected, 2, false); v != caseSensitive {
		t.Errorf("rouge_n helper = %v, want %v", v, caseSensitive)
	}
	if _, err := evalScorerExpr(t, "rouge_n(output, expected, 0)", env); err == nil {
		t.Error("rouge_n with n 0: want an error")
	}
	for _, with := range []map[string]any{{"n": 0}, {"n": 1.5}, {"n": "2"}} {
		if _, err := Build(useSpec("r", "rouge_n", with), Builtins(), Deps{}); err == nil {
			t.Errorf("rouge_n with %v: want an error", with)
		}
	}
}

// FuzzRougeN: any two texts score in [0, 1], the same both ways round (F1 is
// symmetric), and a text scores 1 against itself when it has n tokens.
func FuzzRougeN(f *testing.F) {
	f.Add("the cat sat on the mat", "the cat was sitting on the mat", 2)
	f.Add("(yes), sir...", "", 1)
	f.Add("ｔｈｅ\u00a0cat", "the\tcat!", 3)
	f.Fuzz(func(t *testing.T, a, b string, n int) {
		n = n%5 + 1
		if n < 1 {
			n += 5
		}
		ab, _, _ := RougeN(a, b, n, false)
		ba, _, _ := RougeN(b, a, n, false)
		if ab < 0 || ab > 1 || math.IsNaN(ab) {
			t.Fatalf("RougeN(%q, %q, %d) = %v", a, b, n, ab)
		}
		if math.Abs(ab-ba) > 1e-12 {
			t.Fatalf("RougeN is not symmetric: %v vs %v", ab, ba)
		}
		if self, _, _ := RougeN(a, a, n, false); len(rougeTokens(a, false)) >= n && self != 1 {
			t.Fatalf("RougeN(%q, itself, %d) = %v", a, n, self)
		}
	})
}
