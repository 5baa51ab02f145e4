package spec

import (
	"slices"
	"strings"
	"testing"
)

// noHTTP is a catalog whose builds cannot run http bodies.
type noHTTP struct{ Catalog }

func (noHTTP) BodyKind(kind string) bool { return kind != KindHTTP }

// TestValidationUsesTheCatalogPassedIn: what validation accepts is what the
// catalog it is given can build, nothing more.
func TestValidationUsesTheCatalogPassedIn(t *testing.T) {
	t.Parallel()
	const eval = `name: x
data: {inline: [{input: a, expected: a}]}
task: {http: {url: "http://127.0.0.1:1/"}}
scorers:
  - use: levenshtein
  - name: s
    expr: levenshtein(output, expected) > 0.5
`
	fsys := newMemFS(map[string]string{"/p/x.eval.yaml": eval})
	tests := []struct {
		name string
		cat  Catalog
		want []string
	}{
		{"the real registry", testCatalog, nil},
		{"an empty catalog", EmptyCatalog{}, []string{
			`x.eval.yaml:5:10: no built-in scorer "levenshtein" in this build; none is registered`,
			`x.eval.yaml:7:11: expression: unknown name "levenshtein"; available: input, output, expected, metadata, tags, trial, parameters, metrics, messages, tool_calls`,
		}},
		{"nil is the empty catalog", nil, []string{
			`x.eval.yaml:5:10: no built-in scorer "levenshtein" in this build; none is registered`,
			`x.eval.yaml:7:11: expression: unknown name "levenshtein"; available: input, output, expected, metadata, tags, trial, parameters, metrics, messages, tool_calls`,
		}},
		{"a body kind the build lacks", noHTTP{testCatalog}, []string{
			`x.eval.yaml:3:8: task: this build of caliper cannot run http bodies; use another kind`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := NewValidator(fsys, "/p", tt.cat).Validate([]string{"x.eval.yaml"})
			var got []string
			for _, d := range res.Diagnostics {
				got = append(got, d.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("diagnostics:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestCatalogArgumentsAreChecked: with: arguments come from the catalog's
// records, their required ones and their types.
func TestCatalogArgumentsAreChecked(t *testing.T) {
	t.Parallel()
	b, ok := testCatalog.BuiltinScorer("regex")
	if !ok {
		t.Fatal("the registry has no regex")
	}
	if a, ok := b.Arg("pattern"); !ok || !a.Required || a.Type != ArgPattern {
		t.Errorf("regex's pattern = %+v, %v; want a required pattern", a, ok)
	}
	if _, ok := b.Arg("nope"); ok {
		t.Error("Arg found an argument regex does not have")
	}
}
