package spec

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// badDir holds the bad files; diagnostics name files relative to it.
const badDir = "testdata/bad"

// diagCase is one bad file and the exact, complete list of diagnostics it must
// produce (sorted as Validate sorts them).
type diagCase struct {
	file string
	want []string
	// wantFixed marks a row whose output is wrong today: want is what it should
	// say once the validator is fixed, and bug says what is wrong now.
	wantFixed bool
	bug       string
}

var badCases = []diagCase{
	// Unknown, misspelled and misplaced keys.
	{file: "unknown_top.bad.yaml", want: []string{
		`unknown_top.bad.yaml:4:1: unknown key "colour" at the top level; allowed keys: base, base_required, data, description, env, error_score, experiment, functions, gates, max_concurrency, max_duration, metadata, name, parameters, pass, pass_score, reduce, scorers, tags, task, thresholds, timeout, trials`,
	}},
	{file: "unknown_data.bad.yaml", want: []string{
		`unknown_data.bad.yaml:4:3: unknown key "shuffle" in "data"; allowed keys: dataset, experiment, fields, file, files, filter, inline, limit, on_error, sample`,
	}},
	{file: "unknown_exec.bad.yaml", want: []string{
		`unknown_exec.bad.yaml:6:5: unknown key "workers" in "task.exec"; did you mean "worker"?`,
	}},
	{file: "unknown_scorer.bad.yaml", want: []string{
		`unknown_scorer.bad.yaml:7:5: unknown key "weight" in "scorers[0]"; allowed keys: exec, expr, function, http, name, prompt, reduce, use, with`,
	}},
	{file: "unknown_with.bad.yaml", want: []string{
		`unknown_with.bad.yaml:6:39: unknown key "temperature" in "scorers[0].with"; "temperature" belongs under "functions[].prompt.params" or "scorers[].prompt.params" or "task.prompt.params"`,
		`unknown_with.bad.yaml:8:12: "pattern" is not an argument of levenshtein; its arguments: expected, output`,
	}},
	{file: "unknown_sample.bad.yaml", want: []string{
		`unknown_sample.bad.yaml:4:22: unknown key "sead" in "data.sample"; did you mean "seed"?`,
	}},
	{file: "misspelled.bad.yaml", want: []string{
		`misspelled.bad.yaml:4:1: unknown key "trails" at the top level; did you mean "trials"?`,
	}},
	{file: "misplaced.bad.yaml", want: []string{
		`misplaced.bad.yaml:4:1: unknown key "filter" at the top level; "filter" belongs under "data"`,
	}},

	// Wrong types and enum values.
	{file: "type_trials.bad.yaml", want: []string{
		`type_trials.bad.yaml:4:9: "trials" must be an integer, not a string`,
	}},
	{file: "type_data.bad.yaml", want: []string{
		`type_data.bad.yaml:3:3: "data" must be a mapping, not a list`,
	}},
	{file: "type_name.bad.yaml", want: []string{
		`type_name.bad.yaml:1:7: "name" must be a string, not an integer`,
	}},
	{file: "type_gates.bad.yaml", want: []string{
		`type_gates.bad.yaml:5:3: "gates" must be a list, not a mapping`,
	}},
	{file: "enum_error_score.bad.yaml", want: []string{
		`enum_error_score.bad.yaml:4:14: "error_score" must be one of zero, skip, not "skp"; did you mean "skip"?`,
	}},
	{file: "fullwidth_key.bad.yaml", want: []string{
		`fullwidth_key.bad.yaml:4:1: unknown key "ｔｒｉａｌｓ" at the top level; did you mean "trials"?`,
	}},
	// Message content as a list of text and image parts.
	{file: "prompts/image_parts.prompt.yaml", want: []string{
		`prompts/image_parts.prompt.yaml:5:16: an image part goes in a user message, not a system one`,
		`prompts/image_parts.prompt.yaml:8:37: template: unmatched open tag: check the {{ }} tags`,
		"prompts/image_parts.prompt.yaml:9:30: \"messages[1].content[1].image\" \"input.photo\" is not valid: image parts: `{{attachment PATH}}`, where PATH names an attachment value of the case (`input.photo`): a dataset value {type: attachment, path: FILE} with FILE relative to the dataset file. PNG, JPEG, GIF or WebP, up to 5 MB",
		`prompts/image_parts.prompt.yaml:10:16: "messages[1].content[2].type" must be one of text, image, not "video"`,
	}},
	// error_score: {value: X} or {expr: ...}, checked at load.
	{file: "error_score_expr.bad.yaml", want: []string{
		`error_score_expr.bad.yaml:6:48: expression: unknown name "scorr"; did you mean "scorer"?`,
	}},
	{file: "error_score_value.bad.yaml", want: []string{
		`error_score_value.bad.yaml:6:22: "error_score.value" must be at most 1`,
	}},
	{file: "error_score_both.bad.yaml", want: []string{
		`error_score_both.bad.yaml:6:14: "error_score": must have at most 1 properties`,
		`error_score_both.bad.yaml:6:25: unknown key "exprr" in "error_score"; did you mean "expr"?`,
	}},
	{file: "enum_use.bad.yaml", want: []string{
		`enum_use.bad.yaml:5:10: "scorers[0].use" must be one of exact_match, levenshtein, numeric_diff, json_diff, valid_json, list_contains, contains, regex, json_schema, rouge_n, embedding_similarity, tool_called, tool_args_match, tool_sequence, tool_call_f1, factuality, closed_qa, battle, humor, security, sql, summary, translation, possible, conversation_judge, not "levenstein"; did you mean "levenshtein"?`,
	}},
	{file: "missing_required.bad.yaml", want: []string{
		`missing_required.bad.yaml:1:1: the file is missing the required key "data"`,
		`missing_required.bad.yaml:1:1: the file is missing the required key "name"`,
		`missing_required.bad.yaml:1:1: the file is missing the required key "task"`,
	}},

	// Data sources.
	{file: "two_data_sources.bad.yaml", want: []string{
		`two_data_sources.bad.yaml:4:3: "data" takes exactly one of file, files, dataset, experiment or inline, but sets file and inline: keep one`,
	}},
	{file: "replay_and_expr.bad.yaml", want: []string{
		`replay_and_expr.bad.yaml:3:21: "task" takes exactly one of prompt, function, exec, http, expr or replay, but sets expr and replay: keep one`,
	}},
	{file: "no_data_source.bad.yaml", want: []string{
		`no_data_source.bad.yaml:2:1: "data" needs one of file, files, dataset, experiment or inline`,
	}},
	{file: "missing_dataset.bad.yaml", want: []string{
		`missing_dataset.bad.yaml:2:14: dataset file "datasets/missing.jsonl" does not exist (looked for datasets/missing.jsonl): paths are relative to the eval file`,
	}},
	{file: "glob_nothing.bad.yaml", want: []string{
		`glob_nothing.bad.yaml:3:10: no file matches "datasets/*.csv" (relative to the eval file): check the pattern`,
	}},
	{file: "dataset_ext.bad.yaml", want: []string{
		`dataset_ext.bad.yaml:3:9: dataset file "datasets/ok.txt" has an unknown format: use one of .jsonl, .json, .csv, .yaml, .yml`,
	}},

	// Task kinds and functions.
	{file: "no_task_kind.bad.yaml", want: []string{
		`no_task_kind.bad.yaml:3:1: "task" needs one of prompt, function, exec, http or expr`,
	}},
	{file: "two_task_kinds.bad.yaml", want: []string{
		`two_task_kinds.bad.yaml:5:3: "task" takes exactly one of prompt, function, exec, http or expr, but sets function and expr: keep one`,
	}},
	{file: "unknown_function_close.bad.yaml", want: []string{
		`unknown_function_close.bad.yaml:4:13: no function with slug "ecco"; did you mean "echo"?`,
	}},
	{file: "unknown_function_far.bad.yaml", want: []string{
		"unknown_function_far.bad.yaml:4:13: no function with slug \"summarize-ticket\": define it in functions/*.yaml or in this eval's `functions`",
	}},
	{file: "task_scorer_function.bad.yaml", want: []string{
		"task_scorer_function.bad.yaml:4:13: function \"judge-len\" is a scorer function and cannot be used as a task (set `type: task` in functions/judge-len.yaml)",
	}},
	{file: "http_url.bad.yaml", want: []string{
		`http_url.bad.yaml:5:10: url "localhost:8000/answer" must start with http:// or https://`,
		`http_url.bad.yaml:7:25: expression: unexpected token EOF`,
	}},
	{file: "exec_timeout.bad.yaml", want: []string{
		`exec_timeout.bad.yaml:6:14: task.exec.timeout must be positive, not "-1s"`,
	}},

	// Expressions: the column is the offending character in the YAML file.
	{file: "expr_plain.bad.yaml", want: []string{
		`expr_plain.bad.yaml:6:22: expression: unexpected token Bracket(")")`,
	}},
	{file: "expr_single.bad.yaml", want: []string{
		`expr_single.bad.yaml:6:28: expression: unexpected token Identifier("s")`,
	}},
	{file: "expr_double.bad.yaml", want: []string{
		`expr_double.bad.yaml:6:31: expression: unexpected token Bracket(")")`,
	}},
	{file: "expr_block.bad.yaml", want: []string{
		`expr_block.bad.yaml:8:28: expression: unexpected token Bracket(")")`,
	}},
	{file: "crlf_expr.bad.yaml", want: []string{ // expr_block.bad.yaml with CRLF line ends
		`crlf_expr.bad.yaml:8:28: expression: unexpected token Bracket(")")`,
	}},
	{file: "expr_unknown_var.bad.yaml", want: []string{
		`expr_unknown_var.bad.yaml:6:11: expression: unknown name "ouput"; did you mean "output"?`,
		`expr_unknown_var.bad.yaml:8:11: expression: unknown name "response"; available: input, output, expected, metadata, tags, trial, parameters, metrics, messages, tool_calls, levenshtein, numeric_diff, json_diff, exact_match, valid_json, list_contains, rouge_n, tool_sequence, tool_call_f1, parse_json, to_json`,
	}},
	{file: "param_undeclared.bad.yaml", want: []string{
		`param_undeclared.bad.yaml:6:20: expression: no parameter named "modle"; did you mean "model"?`,
		`param_undeclared.bad.yaml:6:39: expression: no parameter named "suffix"; parameters: model`,
	}},

	// Gates, thresholds, settings and parameters.
	{file: "gate_no_scorer.bad.yaml", want: []string{
		`gate_no_scorer.bad.yaml:8:12: expression: no scorer named "corect"; did you mean "correct"?`,
		`gate_no_scorer.bad.yaml:9:12: expression: no scorer named "fluency"; scorers: correct`,
	}},
	{file: "threshold_no_scorer.bad.yaml", want: []string{
		`threshold_no_scorer.bad.yaml:8:3: threshold for "corect" names no scorer; did you mean "correct"?`,
		`threshold_no_scorer.bad.yaml:9:3: threshold for "fluency" names no scorer; scorers: correct`,
	}},
	{file: "bad_duration.bad.yaml", want: []string{
		`bad_duration.bad.yaml:4:10: timeout "30 seconds" is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m`,
	}},
	{file: "param_default_type.bad.yaml", want: []string{
		`param_default_type.bad.yaml:3:40: the default of parameter "temperature" must be a number, not a string`,
	}},

	// Scorers.
	{file: "dup_scorer.bad.yaml", want: []string{
		`dup_scorer.bad.yaml:7:11: scorer name "correct" is already used at line 5: give each scorer its own name`,
	}},
	{file: "scorer_no_name.bad.yaml", want: []string{
		"scorer_no_name.bad.yaml:5:5: scorers[0] needs a name (used in results, thresholds and gates): add `name: ...`",
	}},
	{file: "with_on_expr.bad.yaml", want: []string{
		"with_on_expr.bad.yaml:7:5: `with` only configures built-in scorers (`use:`); remove it or use a built-in",
	}},
	{file: "regex_bad_pattern.bad.yaml", want: []string{
		"regex_bad_pattern.bad.yaml:6:21: invalid regular expression: missing closing ): `^(a|b`",
	}},
	{file: "regex_no_pattern.bad.yaml", want: []string{
		"regex_no_pattern.bad.yaml:5:10: regex needs `with: {pattern: ...}`",
	}},
	{file: "inline_prompt.bad.yaml", want: []string{
		`inline_prompt.bad.yaml:10:11: template: unmatched open tag: check the {{ }} tags`,
		`inline_prompt.bad.yaml:14:7: a scorer prompt is an LLM judge and needs choice_scores (e.g. {Y: 1, N: 0})`,
		`inline_prompt.bad.yaml:17:7: use_cot only applies to LLM judges: add choice_scores or remove use_cot`,
	}},

	// The file itself.
	{file: "yaml_bad_indent.bad.yaml", want: []string{
		`yaml_bad_indent.bad.yaml:4:4: invalid YAML: mapping values are not allowed in this context`,
	}},
	{file: "empty.bad.yaml", want: []string{
		"empty.bad.yaml:1:1: the file is empty: write an eval (name, data, task, scorers) here (run `caliper init` for an example)",
	}},
	{file: "comments_only.bad.yaml", want: []string{
		"comments_only.bad.yaml:1:1: the file is empty: write an eval (name, data, task, scorers) here (run `caliper init` for an example)",
	}},
	{file: "list.bad.yaml", want: []string{
		"list.bad.yaml:1:1: the file must be a mapping of keys to values (such as `name: ...`), not a list",
	}},
	{file: "scalar.bad.yaml", want: []string{
		"scalar.bad.yaml:1:1: the file must be a mapping of keys to values (such as `name: ...`), not a single value",
	}},
	{file: "tabs.bad.yaml", want: []string{
		`tabs.bad.yaml:3:1: tab character in indentation: YAML indents with spaces only; replace the tab with spaces`,
	}},
	{file: "dup_keys.bad.yaml", want: []string{
		`dup_keys.bad.yaml:4:1: duplicate key "name" (first written at line 1): remove one of them`,
	}},

	// Prompt, function and project files, alone and through an eval.
	{file: "prompts/unknown_key.prompt.yaml", want: []string{
		`prompts/unknown_key.prompt.yaml:2:1: unknown key "temprature" at the top level; allowed keys: choice_scores, description, max_cost_total, max_tokens_total, max_tool_calls, max_turns, messages, model, on_tool_error, params, response_format, slug, strict, tool_choice, tools, use_cot, user_simulator`,
		`prompts/unknown_key.prompt.yaml:9:7: template: unmatched open tag: check the {{ }} tags`,
	}},
	{file: "prompt_ref.bad.yaml", want: []string{
		`prompts/unknown_key.prompt.yaml:2:1: unknown key "temprature" at the top level; allowed keys: choice_scores, description, max_cost_total, max_tokens_total, max_tool_calls, max_turns, messages, model, on_tool_error, params, response_format, slug, strict, tool_choice, tools, use_cot, user_simulator`,
		`prompts/unknown_key.prompt.yaml:9:7: template: unmatched open tag: check the {{ }} tags`,
	}},
	{file: "agent/agent.bad.yaml", want: []string{
		`agent/functions/bad_schema.yaml:3:3: input_schema is not a valid JSON Schema: Invalid type. Expected: string/array of strings, given: type: fix it (see https://json-schema.org)`,
		`agent/prompts/agent.prompt.yaml:5:15: tool: no function with slug "serch-orders"; did you mean "search-orders"?`,
		`agent/prompts/agent.prompt.yaml:6:15: tool: function "no-schema" has no input_schema: declare its arguments as a JSON Schema (input_schema: {type: object, properties: ...}) in agent/functions/no_schema.yaml`,
		`agent/prompts/agent.prompt.yaml:8:15: tool: function "judge" is a scorer function; a tool is a task function (type: task)`,
		`agent/prompts/agent.prompt.yaml:10:28: user_simulator: no function with slug "custmer"; did you mean "customer"?`,
	}},
	{file: "agent_judge.bad.yaml", want: []string{
		`agent_judge.bad.yaml:11:7: a scorer prompt cannot call function tools (- function: SLUG) or have a user_simulator: only a task prompt runs a loop`,
	}},
	{file: "agent_limits.bad.yaml", want: []string{
		`agent_limits.bad.yaml:7:16: max_turns only applies to a prompt whose tools name functions (- function: SLUG) or with a user_simulator: add one or remove max_turns`,
		`agent_limits.bad.yaml:8:20: on_tool_error only applies to a prompt whose tools name functions (- function: SLUG) or with a user_simulator: add one or remove on_tool_error`,
	}},
	{file: "fn/functions/two_bodies.yaml", want: []string{
		`fn/functions/two_bodies.yaml:5:1: "two-bodies" takes exactly one of prompt, exec, http or expr, but sets exec and expr: keep one`,
	}},
	{file: "fn/uses_function.bad.yaml", want: []string{
		`fn/functions/two_bodies.yaml:5:1: "two-bodies" takes exactly one of prompt, exec, http or expr, but sets exec and expr: keep one`,
	}},
	{file: "proj/caliper.yaml", want: []string{
		`proj/caliper.yaml:3:11: "providers.local.type" must be one of openai, anthropic, not "ollama"`,
		`proj/caliper.yaml:5:14: providers.local.timeout "30 secs" is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m`,
		`proj/caliper.yaml:7:12: defaults.timeout "1 minute" is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m`,
	}},
	{file: "proj/uses_project.bad.yaml", want: []string{
		`proj/caliper.yaml:3:11: "providers.local.type" must be one of openai, anthropic, not "ollama"`,
		`proj/caliper.yaml:5:14: providers.local.timeout "30 secs" is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m`,
		`proj/caliper.yaml:7:12: defaults.timeout "1 minute" is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m`,
	}},

	// Every problem of a file, not only the first.
	{file: "many_problems.bad.yaml", want: manyProblems},

	{file: "expr_output_in_task.bad.yaml", want: []string{
		"expr_output_in_task.bad.yaml:3:14: expression: unknown name \"output\"; `output` is only visible to scorers",
	}},

	{file: "glob_mixed.bad.yaml", want: []string{
		`glob_mixed.bad.yaml:2:15: "mixed/*" matches mixed/notes.txt, which is not a dataset: match only .jsonl, .json, .csv, .yaml, .yml files`,
	}},

	// Known bugs: want is the correct output; enable each row once it is fixed.
	{file: "two_docs.bad.yaml",
		bug: `says "put each an eval (name, data, task, scorers) in its own file": the kind noun with its parenthesis does not fit the sentence`,
		want: []string{
			`two_docs.bad.yaml:5:1: the file holds a second YAML document after "---": put each eval in its own file`,
		}},
	{file: "gate_not_bool.bad.yaml",
		bug: `says "invalid expression: expected bool, but got int": no "expression:" prefix like every other expression error, and no way out`,
		want: []string{
			`gate_not_bool.bad.yaml:5:5: expression: a gate must be true or false, not an integer: write a comparison such as errors == 0`,
		}},
	{file: "gate_not_string.bad.yaml",
		bug: `a gate with a schema error is still compiled: "invalid expression: expected bool, but got int" is reported on top of the type error`,
		want: []string{
			`gate_not_string.bad.yaml:5:5: "gates[0]" must be a string, not an integer`,
		}},
	{file: "yaml_unclosed_quote.bad.yaml",
		bug: `says 4:1 "invalid YAML: found unexpected end of stream": it does not say a quote is unclosed nor point at it`,
		want: []string{
			`yaml_unclosed_quote.bad.yaml:4:9: invalid YAML: this quoted string is never closed: add the closing quote`,
		}},
	{file: "tab_in_block.bad.yaml",
		bug: `a tab inside a block scalar's text (valid YAML) is blamed for the unclosed quote on line 7: reports 4:3 "tab character in indentation"`,
		want: []string{
			`tab_in_block.bad.yaml:7:9: invalid YAML: this quoted string is never closed: add the closing quote`,
		}},
	{file: "yaml_dedent.bad.yaml",
		bug: `reports 3:1: yaml.v3 prints the line of a parser error 0-based (decode.go fail() adds 1 only for scanner errors); the dedented key is on line 4`,
		want: []string{
			`yaml_dedent.bad.yaml:4:3: invalid YAML: did not find expected key`,
		}},
	{file: "yaml_unclosed_flow.bad.yaml",
		bug: `reports 1:1, the line before the unclosed "{": yaml.v3 prints parser-error lines 0-based`,
		want: []string{
			`yaml_unclosed_flow.bad.yaml:2:7: invalid YAML: did not find expected ',' or '}'`,
		}},
	{file: "task_kinds_order.bad.yaml",
		bug: `points at expr (4:3), the first key written, because it picks the second kind in schema order rather than in the file`,
		want: []string{
			`task_kinds_order.bad.yaml:5:3: "task" takes exactly one of prompt, function, exec, http or expr, but sets function and expr: keep one`,
		}},
	{file: "schema_error_hides_checks.bad.yaml",
		bug: `a schema error anywhere in task or in a scorer skips every other check there: the unknown slug "ecco" and the "===" syntax error are not reported`,
		want: []string{
			`schema_error_hides_checks.bad.yaml:4:13: no function with slug "ecco"; did you mean "echo"?`,
			`schema_error_hides_checks.bad.yaml:5:3: unknown key "retries" in "task"; allowed keys: exec, expr, function, http, prompt, replay`,
			`schema_error_hides_checks.bad.yaml:8:20: expression: unexpected token Operator("=")`,
			`schema_error_hides_checks.bad.yaml:9:5: unknown key "weight" in "scorers[0]"; allowed keys: exec, expr, function, http, name, prompt, reduce, use, with`,
		}},
	{file: "name_patterns.bad.yaml",
		bug: "the message quotes the schema description (\"The score's name in results, thresholds and gates (`scores.NAME`). Defaults to ...\"), which never says which characters are allowed",
		want: []string{
			`name_patterns.bad.yaml:5:11: "scorers[0].name" "2nd" is not valid: use letters, digits and '_', starting with a letter or '_'`,
		}},
	{file: "empty_list_item.bad.yaml",
		bug: `yaml.v3 drops null items when decoding []RawScorer, so raw indices shift against document paths: "scorers[1] needs a name" points at the named scorer (6:5) and the syntax error on line 7 is lost`,
		want: []string{
			`empty_list_item.bad.yaml:5:4: "scorers[0]" must be a mapping, not empty`,
			`empty_list_item.bad.yaml:7:18: expression: unexpected token EOF`,
			"empty_list_item.bad.yaml:8:5: scorers[2] needs a name (used in results, thresholds and gates): add `name: ...`",
		}},
	{file: "expr_escapes.bad.yaml",
		bug: `locateInScalar searches the source for decoded runes, so an escape (\t, \u00e9) in a double-quoted expression sends both errors past the end of the file (9:1), where they collapse into one`,
		want: []string{
			`expr_escapes.bad.yaml:6:33: expression: unexpected token Bracket(")")`,
			`expr_escapes.bad.yaml:8:31: expression: unexpected token Bracket(")")`,
		}},
	{file: "param_name.bad.yaml",
		bug: "a bad parameter name also yields `\"parameters\" \"\" is not valid: Typed parameters with defaults, ...` (gojsonschema's pattern error from propertyNames)",
		want: []string{
			`param_name.bad.yaml:3:3: "my-param" is not a valid name in "parameters": use letters, digits and '_' (starting with a letter or '_')`,
		}},
	{file: "timeout_number.bad.yaml",
		bug: `says "timeout" must be a string, not an integer: a bare number is the classic mistake for a duration; say to add a unit`,
		want: []string{
			`timeout_number.bad.yaml:4:10: timeout 30 is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m`,
		}},
	{file: "anyof_type.bad.yaml",
		bug: `for anyOf values only the first branch's type is named: "must be a string" although a list (files) or a mapping (an inline prompt) is allowed too`,
		want: []string{
			`anyof_type.bad.yaml:3:10: "data.files" must be a string or a list, not an integer`,
			`anyof_type.bad.yaml:5:11: "task.prompt" must be a string or a mapping, not an integer`,
		}},
	{file: "alias_scorer.bad.yaml",
		bug: `a duplicate made by an alias (*same) is reported at the anchor (5:18, "already used at line 5"), not at the alias on line 6`,
		want: []string{
			`alias_scorer.bad.yaml:6:5: scorer name "a" is already used at line 5: give each scorer its own name`,
		}},
	{file: "base_file_missing.bad.yaml",
		bug: "the message tells to run `caliper baseline save`, a command that does not exist",
		want: []string{
			`base_file_missing.bad.yaml:4:7: baseline file "baselines/main.json" does not exist: paths are relative to the eval file`,
		}},
	{file: "dupfn/uses_dup.bad.yaml",
		bug: `a duplicate slug across functions/*.yaml is reported at 1:1 instead of at the slug`,
		want: []string{
			`dupfn/functions/b.yaml:1:7: function slug "dup" is already defined in dupfn/functions/a.yaml: give one of them another slug`,
		}},
	{file: "prompts/template_columns.prompt.yaml",
		bug: `template errors point at the start of the template's line, not at the tag (4:15, 11:15); an interleaved closing tag lands past the template on 10:1; a standalone section tag is reported one line late (16:7)`,
		want: []string{
			`prompts/template_columns.prompt.yaml:4:25: template: unmatched open tag: check the {{ }} tags`,
			`prompts/template_columns.prompt.yaml:9:7: template: interleaved closing tag: input.item: check the {{ }} tags`,
			`prompts/template_columns.prompt.yaml:11:24: template: Section input.context has no closing tag: check the {{ }} tags`,
			`prompts/template_columns.prompt.yaml:15:7: template: Section input.context has no closing tag: check the {{ }} tags`,
		}},
	{file: "exec_program_missing.bad.yaml",
		bug: `says "does not exist in .:" when the exec dir is the validator's directory; say where it looked, as the dataset message does`,
		want: []string{
			`exec_program_missing.bad.yaml:5:14: program "./bin/answer" does not exist (looked for bin/answer): paths are relative to the exec dir`,
		}},
	{file: "no_scorers.bad.yaml",
		bug: `an eval with no scorers, thresholds or gates validates cleanly, so it passes while checking nothing (the promptfoo flaw DESIGN.md names)`,
		want: []string{
			`no_scorers.bad.yaml:1:1: the eval has no scorers, so it checks nothing: add at least one under "scorers"`,
		}},
}

// manyProblems is what many_problems.bad.yaml must report: ten problems, one per
// line, in every section of the file.
var manyProblems = []string{
	`many_problems.bad.yaml:1:7: "name" "many problems" is not valid: use letters, digits, '.', '_' and '-', starting with a letter or a digit`,
	`many_problems.bad.yaml:3:9: dataset file "datasets/missing.jsonl" does not exist (looked for datasets/missing.jsonl): paths are relative to the eval file`,
	`many_problems.bad.yaml:4:3: unknown key "limt" in "data"; did you mean "limit"?`,
	`many_problems.bad.yaml:6:9: expression: unknown name "inptu"; did you mean "input"?`,
	`many_problems.bad.yaml:10:11: scorer name "correct" is already used at line 8: give each scorer its own name`,
	`many_problems.bad.yaml:12:9: "trials" must be an integer, not a string`,
	`many_problems.bad.yaml:13:14: "error_score" must be one of zero, skip, not "ignore"`,
	`many_problems.bad.yaml:14:10: timeout "soon" is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m`,
	`many_problems.bad.yaml:16:3: threshold for "corect" names no scorer; did you mean "correct"?`,
	`many_problems.bad.yaml:18:33: expression: unexpected token EOF`,
}

func validateBad(file string) (*Result, []string) {
	res := NewValidator(OSFS{}, badDir, testCatalog).Validate([]string{file})
	got := make([]string, len(res.Diagnostics))
	for i, d := range res.Diagnostics {
		got[i] = d.String()
	}
	return res, got
}

func TestBadFileDiagnostics(t *testing.T) {
	t.Parallel()
	for _, tc := range badCases {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			res, got := validateBad(tc.file)
			if tc.wantFixed {
				if slices.Equal(got, tc.want) {
					t.Fatalf("known bug fixed: remove wantFixed from the row of %s", tc.file)
				}
				t.Skip("known bug: " + tc.bug)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("diagnostics of %s:\ngot:\n\t%s\nwant:\n\t%s", tc.file,
					strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
			// An eval with a problem, in its file or in one it uses, is not valid.
			if len(res.Evals) != 0 {
				t.Errorf("a file with problems returned %d valid evals", len(res.Evals))
			}
		})
	}
}

// TestEvalUsingBrokenFileIsNotValid: Result.Evals lists "the evals that have no
// problem", so an eval whose prompt, function or project file is broken must not be
// in it (LoadEval already returns nil for it).
func TestEvalUsingBrokenFileIsNotValid(t *testing.T) {
	t.Parallel()
	for _, file := range []string{"prompt_ref.bad.yaml", "fn/uses_function.bad.yaml", "proj/uses_project.bad.yaml"} {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			if ev, diags := NewValidator(OSFS{}, badDir, testCatalog).LoadEval(file); ev != nil || len(diags) == 0 {
				t.Errorf("LoadEval(%s) = %v, %d diagnostics; want nil and the problems", file, ev, len(diags))
			}
			if res, _ := validateBad(file); len(res.Evals) != 0 {
				t.Errorf("Validate(%s) returned %d valid evals; an eval whose prompt, function or project file has problems is not valid", file, len(res.Evals))
			}
		})
	}
}

// TestBadFilesHaveRows makes sure every bad file is pinned by a row, and that the
// rows cover enough ground.
func TestBadFilesHaveRows(t *testing.T) {
	t.Parallel()
	rows := map[string]bool{}
	for _, tc := range badCases {
		if rows[tc.file] {
			t.Errorf("two rows for %s", tc.file)
		}
		rows[tc.file] = true
		if len(tc.want) == 0 {
			t.Errorf("row %s expects no diagnostic", tc.file)
		}
		if tc.wantFixed && tc.bug == "" {
			t.Errorf("row %s is a known bug without a description", tc.file)
		}
	}
	n := 0
	err := filepath.WalkDir(badDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(d.Name(), ".bad.yaml") {
			return err
		}
		n++
		rel, _ := filepath.Rel(badDir, path)
		if !rows[filepath.ToSlash(rel)] {
			t.Errorf("%s has no row in badCases", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 36 {
		t.Errorf("only %d bad files, want at least 36", n)
	}
}

// TestEveryProblemReported checks that validation goes on after the first problem:
// a file with ten problems in different sections reports all ten, each on its line.
func TestEveryProblemReported(t *testing.T) {
	t.Parallel()
	ev, diags := NewValidator(OSFS{}, badDir, testCatalog).LoadEval("many_problems.bad.yaml")
	if ev != nil {
		t.Errorf("LoadEval returned an eval for a file with problems")
	}
	if len(diags) != len(manyProblems) {
		t.Fatalf("got %d diagnostics, want %d:\n%s", len(diags), len(manyProblems), diags.Error())
	}
	wantLines := []int{1, 3, 4, 6, 10, 12, 13, 14, 16, 18}
	for i, d := range diags {
		if d.File != "many_problems.bad.yaml" || d.Line != wantLines[i] {
			t.Errorf("diagnostic %d is at %s:%d, want many_problems.bad.yaml:%d", i, d.File, d.Line, wantLines[i])
		}
	}
}

const goodDir = "testdata/good"

func TestGoodFilesValidate(t *testing.T) {
	t.Parallel()
	res := NewValidator(OSFS{}, goodDir, testCatalog).Validate(nil)
	if len(res.Diagnostics) != 0 {
		t.Fatalf("valid files reported problems:\n%s", res.Diagnostics.Error())
	}
	if len(res.Evals) != 8 {
		t.Errorf("got %d valid evals, want 8", len(res.Evals))
	}
	for _, f := range []string{
		"caliper.yaml", "withdefaults/caliper.yaml", "prompts/answer.prompt.yaml", "prompts/judge.prompt.yaml",
		"functions/shout.yaml", "functions/grounded.yaml", "functions/remote.yaml",
	} {
		if !slices.Contains(res.Files, f) {
			t.Errorf("Files %v does not list %s", res.Files, f)
		}
	}
}

// loadGood loads one valid eval through a validator rooted at the absolute good
// directory, and returns it with that directory.
func loadGood(t *testing.T, name string) (*Eval, string) {
	t.Helper()
	dir, err := filepath.Abs(goodDir)
	if err != nil {
		t.Fatal(err)
	}
	ev, diags := NewValidator(OSFS{}, dir, testCatalog).LoadEval(name)
	if len(diags) > 0 {
		t.Fatalf("%s has problems:\n%s", name, diags.Error())
	}
	if ev == nil {
		t.Fatalf("%s: LoadEval returned no eval and no diagnostic", name)
	}
	return ev, dir
}

func exprCode(e *Expr) string {
	if e == nil {
		return "<nil>"
	}
	return e.Code
}

func scorerNamesOf(ev *Eval) []string {
	var out []string
	for _, s := range ev.Scorers {
		out = append(out, s.Name)
	}
	return out
}

func scorerNamed(t *testing.T, ev *Eval, name string) Scorer {
	t.Helper()
	for _, s := range ev.Scorers {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no scorer %q in %v", name, scorerNamesOf(ev))
	return Scorer{}
}

func check[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func checkList[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestLoadFullEval(t *testing.T) {
	t.Parallel()
	ev, dir := loadGood(t, "full.eval.yaml")
	abs := func(p string) string { return filepath.Join(dir, p) }

	check(t, "File", ev.File, abs("full.eval.yaml"))
	check(t, "Name", ev.Name, "full")
	check(t, "Description", ev.Description, "Every section of an eval")
	check(t, "Experiment", ev.Experiment, "{{git.branch}}")
	check(t, "Metadata.team", ev.Metadata["team"], any("support"))
	checkList(t, "Tags", ev.Tags, []string{"smoke", "full"})

	var params []string
	for _, p := range ev.Parameters {
		params = append(params, p.Name+":"+p.Type)
		if !p.HasDefault {
			t.Errorf("parameter %s has no default", p.Name)
		}
	}
	checkList(t, "Parameters", params, []string{"model:string", "temperature:number", "retries:integer", "verbose:boolean", "lang:string"})
	if len(ev.Parameters) == 5 {
		check(t, "model default", ev.Parameters[0].Default, any("openai/gpt-4o-mini"))
		check(t, "model description", ev.Parameters[0].Description, "The model that answers")
		check(t, "temperature default", ev.Parameters[1].Default, any(0.5))
		check(t, "retries default", ev.Parameters[2].Default, any(2))
		check(t, "verbose default", ev.Parameters[3].Default, any(false))
		checkList(t, "lang enum", ev.Parameters[4].Enum, []any{"en", "fr"})
	}

	d := ev.Data
	check(t, "Data.File", d.File, abs("datasets/qa.jsonl"))
	check(t, "Data.Files", len(d.Files), 0)
	check(t, "Data.Dataset", d.Dataset, "")
	check(t, "Data.Fields.ID", exprCode(d.Fields.ID), "row.id")
	check(t, "Data.Fields.Input", exprCode(d.Fields.Input), "{question: row.input.question}")
	check(t, "Data.Fields.Expected", exprCode(d.Fields.Expected), "row.expected")
	check(t, "Data.Fields.Metadata", exprCode(d.Fields.Metadata), "row.metadata")
	check(t, "Data.Fields.Tags", exprCode(d.Fields.Tags), "<nil>")
	check(t, "Data.Filter", exprCode(d.Filter), "metadata.lang == parameters.lang")
	if d.Filter != nil {
		check(t, "Data.Filter.Pos", d.Filter.Pos, Pos{Line: 20, Col: 11})
		check(t, "Data.Filter.File", d.Filter.File, "full.eval.yaml")
	}
	check(t, "Data.Limit", d.Limit, 10)
	if d.Sample == nil {
		t.Errorf("Data.Sample is nil")
	} else {
		check(t, "Data.Sample", *d.Sample, Sample{Size: 1, Seed: 7})
	}
	check(t, "Data.OnError", d.OnError, "skip")

	check(t, "Task.Kind", ev.Task.Kind, KindPrompt)
	if pr := ev.Task.Prompt; pr == nil {
		t.Errorf("Task.Prompt is nil")
	} else {
		check(t, "Task.Prompt.File", pr.File, abs("prompts/answer.prompt.yaml"))
		check(t, "Task.Prompt.Slug", pr.Slug, "answer")
		check(t, "Task.Prompt.Model", pr.Model, "{{parameters.model}}")
		check(t, "Task.Prompt.Strict", pr.Strict, true)
		check(t, "Task.Prompt.Params.max_tokens", pr.Params["max_tokens"], any(256))
		var roles []string
		for _, m := range pr.Messages {
			roles = append(roles, m.Role)
		}
		checkList(t, "Task.Prompt roles", roles, []string{"system", "user"})
		if len(pr.Messages) == 2 {
			check(t, "Task.Prompt.Messages[1].Pos", pr.Messages[1].Pos, Pos{Line: 12, Col: 14})
		}
		check(t, "Task.Prompt.ResponseFormat.type", pr.ResponseFormat["type"], any("json_schema"))
		check(t, "Task.Prompt.Tools", len(pr.Tools), 1)
		check(t, "Task.Prompt.ToolChoice", pr.ToolChoice, "auto")
		check(t, "Task.Prompt.Choices", len(pr.Choices), 0)
	}

	checkList(t, "scorer names", scorerNamesOf(ev), []string{
		"correct", "exact_match", "similar", "regex", "json_schema", "factuality", "closed_qa",
		"grounded_judge", "policy", "remote_score", "judged", "inline_judge", "local",
	})
	kinds := map[string]string{}
	for _, s := range ev.Scorers {
		kinds[s.Name] = s.Kind
	}
	for name, kind := range map[string]string{
		"correct": KindExpr, "exact_match": KindBuiltin, "similar": KindBuiltin, "grounded_judge": KindFunction,
		"policy": KindExec, "remote_score": KindHTTP, "judged": KindPrompt, "inline_judge": KindPrompt, "local": KindFunction,
	} {
		check(t, name+".Kind", kinds[name], kind)
	}
	correct := scorerNamed(t, ev, "correct")
	check(t, "correct.Expr", exprCode(correct.Expr), "lower(trim(output)) == lower(expected)")
	check(t, "correct.Pos", correct.Pos, Pos{Line: 27, Col: 11})
	em := scorerNamed(t, ev, "exact_match")
	check(t, "exact_match.Builtin", em.Builtin, "exact_match")
	check(t, "exact_match.Pos", em.Pos, Pos{Line: 29, Col: 10})
	check(t, "exact_match.With.ignore_case", em.With["ignore_case"], any(true))
	check(t, "exact_match.With.expected", em.With["expected"], any("trim(expected)"))
	check(t, "similar.Builtin", scorerNamed(t, ev, "similar").Builtin, "levenshtein")
	check(t, "regex.With.pattern", scorerNamed(t, ev, "regex").With["pattern"], any(`^\d+$`))
	check(t, "grounded_judge.Function", scorerNamed(t, ev, "grounded_judge").Function, "grounded-judge")
	if ex := scorerNamed(t, ev, "policy").Exec; ex == nil {
		t.Errorf("policy.Exec is nil")
	} else {
		checkList(t, "policy.Exec.Command", ex.Command, []string{"python3", "scorers/policy.py", "--strict"})
		check(t, "policy.Exec.Dir", ex.Dir, dir)
		check(t, "policy.Exec.MaxOutput", ex.MaxOutput, int64(DefaultMaxOutput))
		check(t, "policy.Exec.Timeout", ex.Timeout, time.Duration(0))
	}
	if h := scorerNamed(t, ev, "remote_score").HTTP; h == nil {
		t.Errorf("remote_score.HTTP is nil")
	} else {
		check(t, "remote_score.HTTP.URL", h.URL, "https://scorer.example.com/score")
		check(t, "remote_score.HTTP.Method", h.Method, "POST")
		check(t, "remote_score.HTTP.Output", exprCode(h.Output), "body.score")
	}
	if pr := scorerNamed(t, ev, "judged").Prompt; pr == nil {
		t.Errorf("judged.Prompt is nil")
	} else {
		check(t, "judged.Prompt.File", pr.File, abs("prompts/judge.prompt.yaml"))
		checkList(t, "judged.Prompt.Choices", pr.Choices, []Choice{{Name: "Y", Score: 1}, {Name: "N", Score: 0}})
		check(t, "judged.Prompt.UseCot", pr.UseCot, false)
	}
	if pr := scorerNamed(t, ev, "inline_judge").Prompt; pr == nil {
		t.Errorf("inline_judge.Prompt is nil")
	} else {
		check(t, "inline_judge.Prompt.File", pr.File, abs("full.eval.yaml"))
		checkList(t, "inline_judge.Prompt.Choices", pr.Choices, []Choice{{Name: "A", Score: 1}, {Name: "B", Score: 0}})
		check(t, "inline_judge.Prompt.UseCot", pr.UseCot, true)
	}
	check(t, "local.Function", scorerNamed(t, ev, "local").Function, "local-len")

	checkList(t, "Functions", sortedKeys(ev.Functions), []string{"grounded-judge", "local-len", "remote", "shout"})
	if f := ev.Functions["local-len"]; f != nil {
		check(t, "local-len.File", f.File, abs("full.eval.yaml"))
		check(t, "local-len.Type", f.Type, "scorer")
		check(t, "local-len.Kind", f.Kind, KindExpr)
	}
	if f := ev.Functions["shout"]; f != nil {
		check(t, "shout.File", f.File, abs("functions/shout.yaml"))
		check(t, "shout.Type", f.Type, "task")
		check(t, "shout.Description", f.Description, "Upper-cases the input")
		if f.Exec == nil {
			t.Errorf("shout.Exec is nil")
		} else {
			checkList(t, "shout.Exec.Command", f.Exec.Command, []string{"./app/run.sh", "--upper"})
			check(t, "shout.Exec.Dir", f.Exec.Dir, dir)
			check(t, "shout.Exec.Worker", f.Exec.Worker, true)
			check(t, "shout.Exec.Env.MODE", f.Exec.Env["MODE"], "test")
			check(t, "shout.Exec.Timeout", f.Exec.Timeout, 5*time.Second)
			check(t, "shout.Exec.MaxOutput", f.Exec.MaxOutput, int64(1024))
		}
	}
	if f := ev.Functions["remote"]; f != nil {
		check(t, "remote.Type", f.Type, "task")
		if f.HTTP == nil {
			t.Errorf("remote.HTTP is nil")
		} else {
			check(t, "remote.HTTP.URL", f.HTTP.URL, "http://127.0.0.1:8000/answer")
			check(t, "remote.HTTP.Headers", f.HTTP.Headers["Authorization"], "Bearer {{env.API_TOKEN}}")
			check(t, "remote.HTTP.Output", exprCode(f.HTTP.Output), "body.answer")
			check(t, "remote.HTTP.Timeout", f.HTTP.Timeout, 10*time.Second)
		}
	}
	if f := ev.Functions["grounded-judge"]; f != nil {
		check(t, "grounded-judge.Type", f.Type, "scorer")
		check(t, "grounded-judge.Expr", exprCode(f.Expr), "output == expected ? 1.0 : 0.0")
	}

	check(t, "Trials", ev.Trials, 3)
	check(t, "MaxConcurrency", ev.MaxConcurrency, 4)
	check(t, "Timeout", ev.Timeout, 90*time.Second)
	check(t, "ErrorScore", ev.ErrorScore, "skip")
	check(t, "Base", ev.Base, "main")
	checkList(t, "Thresholds", ev.Thresholds, []Threshold{{Scorer: "correct", Min: 0.8}, {Scorer: "similar", Min: 0.5}})
	var gates []string
	for _, g := range ev.Gates {
		gates = append(gates, g.Code)
	}
	checkList(t, "Gates", gates, []string{"scores.correct.regressions == 0", "errors == 0 && cases > 0"})
	if len(ev.Gates) == 2 {
		check(t, "Gates[1].Pos", ev.Gates[1].Pos, Pos{Line: 70, Col: 5})
	}
}

func TestLoadEvalDefaults(t *testing.T) {
	t.Parallel()
	ev, dir := loadGood(t, "defaults.eval.yaml")
	check(t, "Trials", ev.Trials, DefaultTrials)
	check(t, "Trials", ev.Trials, 1)
	check(t, "MaxConcurrency", ev.MaxConcurrency, 8)
	check(t, "Timeout", ev.Timeout, 60*time.Second)
	check(t, "ErrorScore", ev.ErrorScore, "zero")
	check(t, "Base", ev.Base, "")
	check(t, "Data.OnError", ev.Data.OnError, "fail")
	checkList(t, "Data.Files", ev.Data.Files, []string{filepath.Join(dir, "datasets/more-*.jsonl")})
	check(t, "Task.Kind", ev.Task.Kind, KindExec)
	if ex := ev.Task.Exec; ex == nil {
		t.Errorf("Task.Exec is nil")
	} else {
		checkList(t, "Task.Exec.Command", ex.Command, []string{"python3", "app/answer.py", "--fast"})
		check(t, "Task.Exec.Dir", ex.Dir, filepath.Join(dir, "app"))
		check(t, "Task.Exec.Worker", ex.Worker, false)
		check(t, "Task.Exec.MaxOutput", ex.MaxOutput, int64(DefaultMaxOutput))
	}
	// A scorer's name defaults to its `use`, or to its function slug with '-' as '_'.
	checkList(t, "scorer names", scorerNamesOf(ev), []string{"exact_match", "grounded_judge"})
	if len(ev.Scorers) == 2 {
		check(t, "exact_match.Pos", ev.Scorers[0].Pos, Pos{Line: 9, Col: 10})
		check(t, "grounded_judge.Function", ev.Scorers[1].Function, "grounded-judge")
	}
	check(t, "Thresholds", len(ev.Thresholds), 0)
	check(t, "Gates", len(ev.Gates), 0)
}

func TestLoadEvalDataAndTaskKinds(t *testing.T) {
	t.Parallel()
	t.Run("inline data, inline prompt", func(t *testing.T) {
		t.Parallel()
		ev, dir := loadGood(t, "inline.eval.yaml")
		check(t, "Data.Inline", len(ev.Data.Inline), 2)
		check(t, "Data.File", ev.Data.File, "")
		check(t, "Task.Kind", ev.Task.Kind, KindPrompt)
		if pr := ev.Task.Prompt; pr == nil {
			t.Errorf("Task.Prompt is nil")
		} else {
			check(t, "Task.Prompt.File", pr.File, filepath.Join(dir, "inline.eval.yaml"))
			check(t, "Task.Prompt.Model", pr.Model, "openai/gpt-4o-mini")
			check(t, "Task.Prompt.Messages", len(pr.Messages), 1)
		}
	})
	t.Run("store dataset, task function", func(t *testing.T) {
		t.Parallel()
		ev, _ := loadGood(t, "store.eval.yaml")
		check(t, "Data.Dataset", ev.Data.Dataset, "support")
		check(t, "Data.Version", ev.Data.Version, 3)
		check(t, "Task.Kind", ev.Task.Kind, KindFunction)
		check(t, "Task.Function", ev.Task.Function, "shout")
	})
	t.Run("globs, http task", func(t *testing.T) {
		t.Parallel()
		ev, dir := loadGood(t, "remote.eval.yaml")
		checkList(t, "Data.Files", ev.Data.Files, []string{filepath.Join(dir, "datasets/more-1.jsonl"), filepath.Join(dir, "datasets/more-2.jsonl")})
		check(t, "Data.Fields.Input", exprCode(ev.Data.Fields.Input), "row.input")
		check(t, "Task.Kind", ev.Task.Kind, KindHTTP)
		if h := ev.Task.HTTP; h == nil {
			t.Errorf("Task.HTTP is nil")
		} else {
			check(t, "Task.HTTP.URL", h.URL, "http://127.0.0.1:8000/answer")
			check(t, "Task.HTTP.Method", h.Method, "POST")
			check(t, "Task.HTTP.Output", exprCode(h.Output), "body.answer")
			check(t, "Task.HTTP.Timeout", h.Timeout, time.Duration(0))
		}
	})
	t.Run("csv file, expr task, inline http scorer function", func(t *testing.T) {
		t.Parallel()
		ev, dir := loadGood(t, "expr.eval.yaml")
		check(t, "Data.File", ev.Data.File, filepath.Join(dir, "datasets/tickets.csv"))
		check(t, "Task.Kind", ev.Task.Kind, KindExpr)
		check(t, "Task.Expr", exprCode(ev.Task.Expr), `input + "!"`)
		checkList(t, "scorer names", scorerNamesOf(ev), []string{"remote_check"})
		if f := ev.Functions["remote-check"]; f == nil {
			t.Errorf("no function remote-check")
		} else {
			check(t, "remote-check.Kind", f.Kind, KindHTTP)
			check(t, "remote-check.Type", f.Type, "scorer")
		}
	})
}

func TestLoadEvalProjectDefaults(t *testing.T) {
	t.Parallel()
	t.Run("applied", func(t *testing.T) {
		t.Parallel()
		ev, _ := loadGood(t, "withdefaults/project.eval.yaml")
		check(t, "Trials", ev.Trials, 2)
		check(t, "MaxConcurrency", ev.MaxConcurrency, 3)
		check(t, "Timeout", ev.Timeout, 45*time.Second)
		check(t, "ErrorScore", ev.ErrorScore, "zero")
		// functions/*.yaml above the project root are not visible.
		check(t, "Functions", len(ev.Functions), 0)
	})
	t.Run("overridden by the eval", func(t *testing.T) {
		t.Parallel()
		ev, _ := loadGood(t, "withdefaults/override.eval.yaml")
		check(t, "Trials", ev.Trials, 5)
		check(t, "MaxConcurrency", ev.MaxConcurrency, 3)
		check(t, "Timeout", ev.Timeout, 2*time.Second)
	})
}

func TestLoadProjectFiles(t *testing.T) {
	t.Parallel()
	dir, err := filepath.Abs(goodDir)
	if err != nil {
		t.Fatal(err)
	}
	s := NewValidator(OSFS{}, dir, testCatalog).newSession()
	proj := s.projectFile(filepath.Join(dir, "caliper.yaml"))
	defs := s.projectFile(filepath.Join(dir, "withdefaults", "caliper.yaml"))
	if len(s.diags) > 0 {
		t.Fatalf("valid project files reported problems:\n%s", s.diags.Error())
	}
	check(t, "File", proj.File, filepath.Join(dir, "caliper.yaml"))
	check(t, "Dir", proj.Dir, dir)
	check(t, "Store", proj.Store, ".caliper/test.db")
	check(t, "Cache", proj.Cache, true)
	check(t, "CacheTTL", proj.CacheTTL, 168*time.Hour)
	checkList(t, "Providers", sortedKeys(proj.Providers), []string{"claude", "local"})
	local := proj.Providers["local"]
	check(t, "local.Name", local.Name, "local")
	check(t, "local.Type", local.Type, "openai")
	check(t, "local.BaseURL", local.BaseURL, "http://localhost:11434/v1")
	check(t, "local.APIKeyEnv", local.APIKeyEnv, "LOCAL_API_KEY")
	check(t, "local.Headers", local.Headers["X-Team"], "evals")
	check(t, "local.MaxConcurrency", local.MaxConcurrency, 2)
	check(t, "local.RequestsPerMinute", local.RequestsPerMinute, 60)
	check(t, "local.Timeout", local.Timeout, 90*time.Second)
	check(t, "local.MaxRetries", local.MaxRetries, 2)
	claude := proj.Providers["claude"]
	check(t, "claude.Type", claude.Type, "anthropic")
	check(t, "claude.MaxRetries (default)", claude.MaxRetries, 5)
	check(t, "claude.Timeout", claude.Timeout, time.Duration(0))
	check(t, "Prices", proj.Prices["local/llama3"], Price{Input: 0.1, Output: 0.2})
	check(t, "Defaults (none)", proj.Defaults, ProjectDefaults{})

	check(t, "withdefaults Defaults", defs.Defaults, ProjectDefaults{MaxConcurrency: 3, Timeout: 45 * time.Second, Trials: 2, Model: "openai/gpt-4o-mini"})
	check(t, "withdefaults Cache (default)", defs.Cache, true)
	check(t, "withdefaults CacheTTL (default)", defs.CacheTTL, time.Duration(0))
	check(t, "withdefaults Providers", len(defs.Providers), 0)
}
