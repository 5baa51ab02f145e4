package spec

import (
	"slices"
	"testing"

	"github.com/expr-lang/expr"
)

func TestFilterSeesTheCaseFieldsAsNames(t *testing.T) {
	t.Parallel()
	want := []string{"id", "input", "expected", "metadata", "tags", "row", "parameters"}
	if got := VariablesOf(ScopeFilter); !slices.Equal(got, want) {
		t.Errorf("VariablesOf(filter) = %v, want %v", got, want)
	}
	env := FilterEnv{Case: Case{ID: "c1", Input: "q", Expected: "a", Metadata: map[string]any{"lang": "en"}, Tags: []string{"x"}}, Row: 1}
	for code, want := range map[string]any{
		`id + input + expected`:   "c1qa",
		`metadata.lang + tags[0]`: "enx",
		`row`:                     1,
	} {
		p, err := expr.Compile(code, expr.Env(FilterEnv{}))
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		if got, err := expr.Run(p, env); err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", code, got, err, want)
		}
	}
	if _, err := expr.Compile(`Case`, expr.Env(FilterEnv{})); err == nil {
		t.Error("the embedded struct is a name of the filter's environment")
	}
}
