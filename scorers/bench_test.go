package scorers

import (
	"context"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// The benchmarks score one case the way the pipeline does, on its hot path.

func benchScorer(b *testing.B, sc spec.Scorer, env *spec.ScorerEnv) {
	s, err := Build(sc, Builtins(), Deps{})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Score(ctx, env); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Score(ctx, env); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkExprScorer(b *testing.B) {
	env := &spec.ScorerEnv{Output: " Paris ", Expected: "paris", Trial: 1, Metadata: map[string]any{"lang": "en"}}
	b.Run("bool", func(b *testing.B) {
		benchScorer(b, exprSpec("s", `lower(trim(output)) == expected`), env)
	})
	b.Run("helper", func(b *testing.B) {
		benchScorer(b, exprSpec("s", `levenshtein(output, expected)`), env)
	})
	b.Run("object", func(b *testing.B) {
		benchScorer(b, exprSpec("s", `{score: metadata.lang == "en" ? 1 : 0, metadata: {trial: trial}}`), env)
	})
}

func BenchmarkLevenshteinScorer(b *testing.B) {
	b.Run("short", func(b *testing.B) {
		benchScorer(b, useSpec("lev", "levenshtein", nil), &spec.ScorerEnv{Output: "The capital of France is Paris.", Expected: "Paris is the capital of France."})
	})
	b.Run("unicode", func(b *testing.B) {
		benchScorer(b, useSpec("lev", "levenshtein", nil), &spec.ScorerEnv{Output: "La capitale de la France est Paris, évidemment.", Expected: "Paris est la capitale de la France, bien sûr."})
	})
}

func BenchmarkExactMatch(b *testing.B) {
	b.Run("strings", func(b *testing.B) {
		benchScorer(b, useSpec("em", "exact_match", nil), &spec.ScorerEnv{Output: "Paris", Expected: "Paris"})
	})
	b.Run("number_string", func(b *testing.B) {
		benchScorer(b, useSpec("em", "exact_match", nil), &spec.ScorerEnv{Output: "123", Expected: 123.0})
	})
	b.Run("objects", func(b *testing.B) {
		benchScorer(b, useSpec("em", "exact_match", nil), &spec.ScorerEnv{
			Output:   map[string]any{"a": 1.0, "b": []any{"x", "y"}},
			Expected: map[string]any{"b": []any{"x", "y"}, "a": 1.0},
		})
	})
}
