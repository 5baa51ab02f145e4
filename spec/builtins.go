package spec

// BuiltinArgs describes the `with` arguments of one built-in scorer.
type BuiltinArgs struct {
	Allowed  []string
	Required []string
	Judge    bool // an LLM judge: it calls a model
}

var (
	compareArgs = []string{"expected", "output"}
	judgeArgs   = []string{"model", "use_cot", "vars", "expected", "output"}
)

// Builtins lists every built-in scorer by the name `use:` gives it. The schema's
// enum of `use` holds exactly these names (a test checks it).
var Builtins = map[string]BuiltinArgs{
	"exact_match":   {Allowed: append([]string{"ignore_case"}, compareArgs...)},
	"levenshtein":   {Allowed: compareArgs},
	"numeric_diff":  {Allowed: compareArgs},
	"json_diff":     {Allowed: compareArgs},
	"valid_json":    {Allowed: []string{"output", "schema"}},
	"list_contains": {Allowed: append([]string{"allow_extra", "pairwise"}, compareArgs...)},
	"contains":      {Allowed: append([]string{"value", "values", "ignore_case"}, compareArgs...)},
	"regex":         {Allowed: []string{"output", "pattern", "ignore_case"}, Required: []string{"pattern"}},
	"json_schema":   {Allowed: []string{"output", "schema"}, Required: []string{"schema"}},
	"factuality":    {Allowed: judgeArgs, Judge: true},
	"closed_qa":     {Allowed: append([]string{"criteria"}, judgeArgs...), Required: []string{"criteria"}, Judge: true},
	"battle":        {Allowed: append([]string{"instructions"}, judgeArgs...), Judge: true},
	"humor":         {Allowed: judgeArgs, Judge: true},
	"security":      {Allowed: judgeArgs, Judge: true},
	"sql":           {Allowed: judgeArgs, Judge: true},
	"summary":       {Allowed: judgeArgs, Judge: true},
	"translation":   {Allowed: append([]string{"language"}, judgeArgs...), Required: []string{"language"}, Judge: true},
	"possible":      {Allowed: judgeArgs, Judge: true},
}
