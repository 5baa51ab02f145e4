package scorers

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// FuzzTrajectoryScorers feeds any pair of JSON values (or texts) to every
// trajectory scorer as the output (the calls made) and the expected value,
// and to Transcript as messages: none may panic, and every score is in [0, 1].
func FuzzTrajectoryScorers(f *testing.F) {
	for _, seed := range [][2]string{
		{`[{"name":"a","arguments":{"x":1}}]`, `{"tool_calls":[{"name":"a","arguments":{"x":1}},"b"]}`},
		{`{"tool_calls":[{"function":{"name":"a","arguments":"{\"x\": 1}"}}]}`, `["a"]`},
		{`[{"type":"text","text":"hi"},{"type":"tool_use","name":"a","input":{}}]`, `{"tool_calls":[]}`},
		{`"[{\"name\":\"a\"}]"`, `[{"name":"a"},{"name":"a"}]`},
		{`{"type":"function_call","name":"b","arguments":"[1"}`, `[{"arguments":{}}]`},
		{`[1, null, {}]`, `null`},
	} {
		f.Add(seed[0], seed[1])
	}
	var built []Scorer
	for _, sc := range []spec.Scorer{
		useSpec("called", "tool_called", map[string]any{"name": "a", "arguments": map[string]any{"x": 1}}),
		useSpec("strict", "tool_args_match", nil),
		useSpec("unordered", "tool_args_match", map[string]any{"mode": "unordered", "compare": "json_diff"}),
		useSpec("superset", "tool_args_match", map[string]any{"mode": "superset", "compare": "subset"}),
		useSpec("sequence", "tool_sequence", nil),
		useSpec("f1", "tool_call_f1", nil),
		useSpec("f1args", "tool_call_f1", map[string]any{"compare": "exact"}),
	} {
		s, err := Build(sc, Builtins(), Deps{File: "x.eval.yaml"})
		if err != nil {
			f.Fatal(err)
		}
		built = append(built, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		var out, exp any = a, b
		_ = json.Unmarshal([]byte(a), &out)
		_ = json.Unmarshal([]byte(b), &exp)
		for _, s := range built {
			got, err := s.Score(context.Background(), &spec.ScorerEnv{Output: out, Expected: exp})
			if err != nil {
				if err.Error() == "" {
					t.Fatalf("%s: an empty error", s.Name())
				}
				continue
			}
			if v := got[0].Value; math.IsNaN(v) || v < 0 || v > 1 {
				t.Fatalf("%s(%q, %q) = %v", s.Name(), a, b, v)
			}
		}
		var msgs []map[string]any
		if json.Unmarshal([]byte(a), &msgs) == nil {
			_ = Transcript(msgs)
		}
	})
}
