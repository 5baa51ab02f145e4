package scorers

import "github.com/caliperhq/caliper/spec"

// The records of the heuristic built-in scorers whose algorithms live in their
// own files (levenshtein.go, json_diff.go, ...), with the numbers of the
// autoevals library. A scorer written from scratch keeps its record next to its
// algorithm instead, as rouge_n.go does.

var (
	argOutput   = spec.Arg{Name: "output", Type: spec.ArgExpression, Description: "Score this value instead of the task output (an expression)."}
	argExpected = spec.Arg{Name: "expected", Type: spec.ArgExpression, Description: "Compare with this value instead of the case's `expected` (an expression)."}
	argFold     = spec.Arg{Name: "ignore_case", Type: spec.ArgBool, Description: "Compare case-insensitively."}
	compareArgs = []spec.Arg{argExpected, argOutput}
)

var exactMatchBuiltin = Builtin{
	Name:        "exact_match",
	Description: "1 when the output equals the expected value (strings as they are, other values by JSON equality), else 0.",
	Args:        append([]spec.Arg{argFold}, compareArgs...),
	New:         newExactMatch,
	Helper: &spec.Helper{
		Name: "exact_match", Signature: "exact_match(a, b) float",
		Description: "1 when a equals b (by JSON equality), else 0.",
		Func:        func(p ...any) (any, error) { return ExactMatch(p[0], p[1], false), nil },
		Types:       []any{new(func(any, any) float64)},
	},
}

var levenshteinBuiltin = Builtin{
	Name:        "levenshtein",
	Description: "1 minus the edit distance divided by the longer length, counting code points.",
	Args:        compareArgs,
	New:         newLevenshtein,
	Helper: &spec.Helper{
		Name: "levenshtein", Signature: "levenshtein(a, b) float",
		Description: "The Levenshtein similarity of the texts of a and b.",
		Func:        func(p ...any) (any, error) { return Levenshtein(p[0], p[1]), nil },
		Types:       []any{new(func(any, any) float64)},
	},
}

var numericDiffBuiltin = Builtin{
	Name:        "numeric_diff",
	Description: "1 minus the relative difference of two numbers.",
	Args:        compareArgs,
	New:         newNumericDiff,
	Helper: &spec.Helper{
		Name: "numeric_diff", Signature: "numeric_diff(a, b) float",
		Description: "The numeric similarity of a and b; an error for values that are not numbers.",
		Func:        func(p ...any) (any, error) { return NumericDiff(p[0], p[1]) },
		Types:       []any{new(func(any, any) float64)},
	},
}

var jsonDiffBuiltin = Builtin{
	Name:        "json_diff",
	Description: "The structural similarity of two JSON values: objects key by key, strings by Levenshtein, numbers by numeric_diff.",
	Args:        compareArgs,
	New:         newJSONDiff,
	Helper: &spec.Helper{
		Name: "json_diff", Signature: "json_diff(a, b) float",
		Description: "The structural similarity of the JSON values a and b.",
		Func:        func(p ...any) (any, error) { return JSONDiff(p[0], p[1]), nil },
		Types:       []any{new(func(any, any) float64)},
	},
}

var validJSONBuiltin = Builtin{
	Name:        "valid_json",
	Description: "1 when the output is JSON (or a value JSON can hold) and, with a schema, matches it.",
	Args: []spec.Arg{argOutput,
		{Name: "schema", Type: spec.ArgSchema, Description: "A JSON Schema the value must match, inline or as a file path relative to this eval file."}},
	New: newValidJSON,
	Helper: &spec.Helper{
		Name: "valid_json", Signature: "valid_json(v[, schema]) float",
		Description: "1 when v is valid JSON and matches schema (a map or its JSON text), if given.",
		Func:        validJSONHelper,
		Types:       []any{new(func(any) float64), new(func(any, any) float64)},
	},
}

var listContainsBuiltin = Builtin{
	Name:        "list_contains",
	Description: "How well the items of the output list match those of the expected list, pairing them optimally.",
	Args: append([]spec.Arg{
		{Name: "allow_extra", Type: spec.ArgBool, Description: "Extra items in the output are not penalised."},
		{Name: "pairwise", Type: spec.ArgEnum, Description: "The scorer used for pairs of items (default levenshtein).", Enum: pairwiseNames()},
	}, compareArgs...),
	New: newListContains,
	Helper: &spec.Helper{
		Name: "list_contains", Signature: "list_contains(out, exp[, allow_extra]) float",
		Description: "list_contains with Levenshtein pairs.",
		Func: func(p ...any) (any, error) {
			allowExtra := len(p) == 3 && p[2] == true
			return ListContains(p[0], p[1], nil, allowExtra)
		},
		Types: []any{new(func(any, any) float64), new(func(any, any, bool) float64)},
	},
}

var containsBuiltin = Builtin{
	Name:        "contains",
	Description: "1 when the output contains the expected text (or every one of with.values), else 0.",
	Args: append([]spec.Arg{
		{Name: "value", Type: spec.ArgString, Description: "The text that must appear (default the case's expected)."},
		{Name: "values", Type: spec.ArgStrings, Description: "Texts that must all appear."},
		argFold,
	}, compareArgs...),
	New: newContains,
}

var regexBuiltin = Builtin{
	Name:        "regex",
	Description: "1 when the output matches the RE2 pattern anywhere, else 0.",
	Args: []spec.Arg{argOutput,
		{Name: "pattern", Type: spec.ArgPattern, Required: true, Description: "The RE2 regular expression the output must match."},
		argFold},
	New: newRegex,
}

var jsonSchemaBuiltin = Builtin{
	Name:        "json_schema",
	Description: "1 when the output matches the JSON Schema, else 0 with the problems in the metadata.",
	Args: []spec.Arg{argOutput,
		{Name: "schema", Type: spec.ArgSchema, Required: true, Description: "A JSON Schema the value must match, inline or as a file path relative to this eval file."}},
	New: newJSONSchema,
}
