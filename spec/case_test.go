package spec

import (
	"encoding/json"
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

// A case encodes as the row object, writing an explicit null expected and no
// key for an absent one, and decodes back with the difference kept.
func TestCaseJSONKeepsAnExplicitNullExpected(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		c    Case
		want string
	}{
		{Case{ID: "a", Input: 1, HasExpected: true}, `{"id":"a","input":1,"expected":null}`},
		{Case{ID: "b", Input: 1}, `{"id":"b","input":1}`},
		{Case{ID: "c", Input: "<&>", Expected: "x", Tags: []string{"t"}}, `{"id":"c","input":"<&>","expected":"x","tags":["t"]}`},
	} {
		b, err := tt.c.MarshalJSON()
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tt.c, b, err, tt.want)
		}
		var back Case
		if err := json.Unmarshal(b, &back); err != nil || back.ExpectedPresent() != tt.c.ExpectedPresent() || back.ID != tt.c.ID {
			t.Errorf("Unmarshal(%s) = %+v, %v", b, back, err)
		}
	}
}
