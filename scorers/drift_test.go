package scorers

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/schema"
	"github.com/caliperhq/caliper/spec"
)

// TestSchemaMatchesRegistry is the drift test between the schema editors and
// `caliper schema` show (schema/definitions.json) and the registry a run
// builds scorers from: the enum of `scorers[].use` holds exactly the registered
// names, and `scorers[].with` exactly their arguments, each with the type its
// records declare. Adding a scorer to the schema only, or removing one from the
// registry only, fails here.
func TestSchemaMatchesRegistry(t *testing.T) {
	t.Parallel()
	for _, p := range schemaDrift(schema.Definitions(), Default()) {
		t.Error(p)
	}
}

// TestSchemaDriftIsCaught proves the drift test fails on each kind of drift.
func TestSchemaDriftIsCaught(t *testing.T) {
	t.Parallel()
	withBleu := schema.Definitions()
	use := withBleu["scorer"].(map[string]any)["properties"].(map[string]any)["use"].(map[string]any)
	use["enum"] = append(use["enum"].([]any), "bleu")

	noLevenshtein := NewRegistry()
	for _, b := range builtinRecords {
		if b.Name != "levenshtein" {
			noLevenshtein.Register(b)
		}
	}
	RegisterJudges(noLevenshtein)

	wrongType := Default()
	wrongType.builtins["regex"] = Builtin{Name: "regex", New: newRegex, Args: []spec.Arg{{Name: "pattern", Type: spec.ArgBool}}}

	tests := []struct {
		name string
		defs map[string]any
		reg  *Registry
		want string
	}{
		{"added to the schema only", withBleu, Default(), `the schema's scorers[].use names "bleu", which no built-in scorer of the registry is`},
		{"removed from the registry", schema.Definitions(), noLevenshtein, `the schema's scorers[].use names "levenshtein", which no built-in scorer of the registry is`},
		{"argument type", schema.Definitions(), wrongType, `regex's argument "pattern" is boolean in the registry; the schema's scorers[].with.pattern is {"minLength":1,"type":"string"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := schemaDrift(tt.defs, tt.reg)
			if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, tt.want) }) {
				t.Errorf("drift problems %q; want one of them to be %q", got, tt.want)
			}
		})
	}
}

// schemaDrift lists every difference between the schema's built-in scorers and
// the registry's.
func schemaDrift(defs map[string]any, reg *Registry) []string {
	var problems []string
	props := func(def string) map[string]any {
		m, _ := defs[def].(map[string]any)
		p, _ := m["properties"].(map[string]any)
		return p
	}
	use, _ := props("scorer")["use"].(map[string]any)
	enum := stringsOf(use["enum"])
	for _, name := range enum {
		if _, ok := reg.Builtin(name); !ok {
			problems = append(problems, fmt.Sprintf("the schema's scorers[].use names %q, which no built-in scorer of the registry is: register it, or remove it from schema/definitions.json", name))
		}
	}
	for _, name := range reg.Names() {
		if !slices.Contains(enum, name) {
			problems = append(problems, fmt.Sprintf("the registry has the built-in scorer %q, which the schema's scorers[].use does not list: add it to the enum in schema/definitions.json and run go test ./schema -update", name))
		}
	}
	with := props("scorer_args")
	takers := map[string][]string{} // argument -> the scorers that take it
	for _, name := range reg.Names() {
		b, _ := reg.Builtin(name)
		for _, arg := range b.Args {
			takers[arg.Name] = append(takers[arg.Name], name)
			prop, ok := with[arg.Name].(map[string]any)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s's argument %q is not in the schema's scorers[].with: add it to scorer_args in schema/definitions.json", name, arg.Name))
				continue
			}
			if !schemaHasType(prop, arg) {
				problems = append(problems, fmt.Sprintf("%s's argument %q is %s in the registry; the schema's scorers[].with.%s is %s", name, arg.Name, arg.Type, arg.Name, compact(prop)))
			}
		}
	}
	for _, key := range sortedKeys(with) {
		if _, ok := takers[key]; !ok {
			problems = append(problems, fmt.Sprintf("the schema's scorers[].with.%s is an argument of no registered scorer: remove it from scorer_args", key))
			continue
		}
		if p := describedTakers(with[key], takers[key], reg); p != "" {
			problems = append(problems, fmt.Sprintf("the schema's scorers[].with.%s: %s", key, p))
		}
	}
	return problems
}

// schemaHasType reports whether a scorer_args property declares the type of arg.
func schemaHasType(prop map[string]any, arg spec.Arg) bool {
	ref, _ := prop["$ref"].(string)
	typ := prop["type"]
	switch arg.Type {
	case spec.ArgExpression, spec.ArgStrings, spec.ArgModel:
		return schema.RefName(ref) == map[spec.ArgType]string{spec.ArgExpression: "expression", spec.ArgStrings: "string_list", spec.ArgModel: "model"}[arg.Type]
	case spec.ArgString, spec.ArgPattern:
		return typ == "string"
	case spec.ArgBool:
		return typ == "boolean"
	case spec.ArgInteger:
		return typ == "integer"
	case spec.ArgNumber:
		return typ == "number"
	case spec.ArgObject:
		return typ == "object"
	case spec.ArgSchema:
		return reflect.DeepEqual(stringsOf(typ), []string{"object", "string"})
	case spec.ArgEnum:
		got := stringsOf(prop["enum"])
		sort.Strings(got)
		want := slices.Clone(arg.Enum)
		sort.Strings(want)
		return typ == "string" && slices.Equal(got, want)
	}
	return false
}

// describedTakers checks the scorers a description names before its colon
// ("contains, regex: ...") against those that take the argument. "LLM judges"
// stands for every judge. A description with no such list is not checked.
func describedTakers(prop any, takers []string, reg *Registry) string {
	m, _ := prop.(map[string]any)
	desc, _ := m["description"].(string)
	head, _, ok := strings.Cut(desc, ": ")
	if !ok || strings.ContainsAny(head, ".`(") {
		return ""
	}
	var named []string
	for _, n := range strings.Split(head, ",") {
		n = strings.TrimSpace(n)
		if n == "LLM judges" {
			for _, name := range reg.Names() {
				if b, _ := reg.Builtin(name); b.Judge {
					named = append(named, name)
				}
			}
			continue
		}
		named = append(named, n)
	}
	sort.Strings(named)
	want := slices.Clone(takers)
	sort.Strings(want)
	if !slices.Equal(slices.Compact(named), want) {
		return fmt.Sprintf("its description names %s, but the scorers that take it are %s", strings.Join(named, ", "), strings.Join(want, ", "))
	}
	return ""
}

func stringsOf(v any) []string {
	switch l := v.(type) {
	case string:
		return []string{l}
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func compact(v any) string {
	m, _ := v.(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "description" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%q:%s", k, jsonish(m[k]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func jsonish(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("%q", x)
	case float64:
		return fmt.Sprintf("%g", x)
	}
	return fmt.Sprint(v)
}
