package spec

import (
	"reflect"
	"strings"
)

// The environments expressions are compiled against, one per scope. Their fields
// are what an expression can name; the pipeline runs expressions with values of
// these same types.

// FieldEnv is what data.fields expressions see: the raw row.
type FieldEnv struct {
	Row        any            `expr:"row"`
	Parameters map[string]any `expr:"parameters"`
}

// FilterEnv is what data.filter sees: the mapped case and its raw row.
type FilterEnv struct {
	Case       `expr:"-"`     // its fields are names; the struct is not
	Row        any            `expr:"row"`
	Parameters map[string]any `expr:"parameters"`
}

// TaskEnv is what an expr task or task function sees.
type TaskEnv struct {
	Input      any            `expr:"input"`
	Expected   any            `expr:"expected"`
	Metadata   map[string]any `expr:"metadata"`
	Tags       []string       `expr:"tags"`
	Trial      int            `expr:"trial"`
	Parameters map[string]any `expr:"parameters"`
}

// ScorerEnv is what an expr scorer or scorer function sees.
type ScorerEnv struct {
	Input      any                `expr:"input"`
	Output     any                `expr:"output"`
	Expected   any                `expr:"expected"`
	Metadata   map[string]any     `expr:"metadata"`
	Tags       []string           `expr:"tags"`
	Trial      int                `expr:"trial"`
	Parameters map[string]any     `expr:"parameters"`
	Metrics    map[string]float64 `expr:"metrics"`
	// HasExpected says that the case gave an expected value, which may be
	// null (see Case.HasExpected); a non-nil Expected is present anyway.
	HasExpected bool `expr:"-"`
	// Messages is the transcript of an agent or conversation task (each a
	// {role, content, ...} object); nil for a single-answer task.
	Messages []map[string]any `expr:"messages"`
	// ToolCalls are the tool calls the task made, in order; nil when none.
	ToolCalls []ToolCall `expr:"tool_calls"`
}

// HTTPOutputEnv is what http.output sees: the response and the case.
type HTTPOutputEnv struct {
	Output     any               `expr:"output"` // the task output, for http scorers
	Status     int               `expr:"status"`
	Headers    map[string]string `expr:"headers"`
	Body       any               `expr:"body"`
	Input      any               `expr:"input"`
	Expected   any               `expr:"expected"`
	Metadata   map[string]any    `expr:"metadata"`
	Tags       []string          `expr:"tags"`
	Trial      int               `expr:"trial"`
	Parameters map[string]any    `expr:"parameters"`
}

// CaseEnv is what the `pass` expression sees: one case and trial, scored.
type CaseEnv struct {
	Scores   map[string]float64 `expr:"scores"`
	Errored  bool               `expr:"errored"`
	Error    string             `expr:"error"`
	Metrics  map[string]float64 `expr:"metrics"`
	Input    any                `expr:"input"`
	Output   any                `expr:"output"`
	Expected any                `expr:"expected"`
	Metadata map[string]any     `expr:"metadata"`
	Tags     []string           `expr:"tags"`
}

// EnvOf returns the zero environment of a scope, for compiling expressions.
func EnvOf(scope Scope) any {
	switch scope {
	case ScopeField:
		return FieldEnv{}
	case ScopeFilter:
		return FilterEnv{}
	case ScopeTask:
		return TaskEnv{}
	case ScopeScorer:
		return ScorerEnv{}
	case ScopeHTTPOut:
		return HTTPOutputEnv{}
	case ScopeGate:
		return GateEnv{}
	case ScopeCase:
		return CaseEnv{}
	case ScopeErrorScore:
		return ErrorScoreEnv{}
	}
	panic("spec: unknown expression scope " + string(scope))
}

// VariablesOf lists the names a scope provides.
func VariablesOf(scope Scope) []string {
	return tagNames(reflect.TypeOf(EnvOf(scope)))
}

func tagNames(t reflect.Type) []string {
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, tagNames(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("expr"), ",")
		if name == "-" {
			continue
		}
		out = append(out, name)
	}
	return out
}
