package spec

import (
	"strconv"

	"github.com/xeipuuv/gojsonschema"
)

// checkTools splits a prompt's tools into the ones written out and the ones
// backed by functions, and reads the limits of the tool loop. Slugs are
// resolved later, against the functions an eval sees (checkFunctionTools).
func checkTools(p *parsed, raw *RawPrompt, pr *Prompt, at func(...string) []string) {
	seen := map[string]bool{}
	for i, t := range raw.Tools {
		if t.Function.IsSet() {
			if seen[t.Function.Value] {
				p.r.at(t.Function.Pos, "tool %q is listed twice: keep one", t.Function.Value)
				continue
			}
			seen[t.Function.Value] = true
			pr.FunctionTools = append(pr.FunctionTools, ToolRef{Slug: t.Function.Value, Pos: t.Function.Pos})
			continue
		}
		if n, ok := t.Fields["name"].(string); ok && seen[n] && p.clean(at("tools", strconv.Itoa(i))...) {
			p.r.at(p.posOf(at("tools", strconv.Itoa(i), "name")...), "tool %q is listed twice: give one of them another name", n)
		} else if ok {
			seen[n] = true
		}
		pr.Tools = append(pr.Tools, t.Fields)
	}
	lim := AgentLimits{MaxTurns: DefaultMaxTurns, OnToolError: OnToolErrorReturn}
	if raw.MaxTurns.IsSet() {
		lim.MaxTurns = raw.MaxTurns.Value
	}
	lim.MaxToolCalls, lim.MaxTokensTotal, lim.MaxCostTotal = raw.MaxToolCalls.Value, raw.MaxTokensTotal.Value, raw.MaxCostTotal.Value
	if raw.OnToolError.IsSet() {
		lim.OnToolError = raw.OnToolError.Value
	}
	if u := raw.UserSimulator; u != nil && u.Function.IsSet() {
		lim.User = &UserSimulator{Function: u.Function.Value, Pos: u.Function.Pos, MaxTurns: DefaultMaxUserTurns, Stop: u.Stop}
		if u.MaxTurns.IsSet() {
			lim.User.MaxTurns = u.MaxTurns.Value
		}
	}
	pr.Agent = lim
	if pr.IsAgent() {
		return
	}
	for _, k := range []struct {
		name string
		pos  Pos
	}{{"max_turns", raw.MaxTurns.Pos}, {"max_tool_calls", raw.MaxToolCalls.Pos}, {"max_tokens_total", raw.MaxTokensTotal.Pos}, {"max_cost_total", raw.MaxCostTotal.Pos}, {"on_tool_error", raw.OnToolError.Pos}} {
		if k.pos.IsKnown() {
			p.r.at(k.pos, "%s only applies to a prompt whose tools name functions (- function: SLUG) or with a user_simulator: add one or remove %s", k.name, k.name)
		}
	}
}

// checkInputSchema reports an input_schema that is not a valid JSON Schema
// of an object.
func checkInputSchema(p *parsed, rf *RawFunction, path []string) {
	if rf.InputSchema == nil || !p.clean(append(append([]string(nil), path...), "input_schema")...) {
		return
	}
	if t, ok := rf.InputSchema["type"]; ok && t != "object" {
		p.r.at(rf.InputSchemaPos, "input_schema describes the tool's arguments, which are an object: set type: object (not %v)", t)
		return
	}
	if _, err := gojsonschema.NewSchema(gojsonschema.NewGoLoader(rf.InputSchema)); err != nil {
		p.r.at(rf.InputSchemaPos, "input_schema is not a valid JSON Schema: %v: fix it (see https://json-schema.org)", err)
	}
}

// checkFunctionTools resolves the function tools of a prompt against the
// functions the eval sees: each must exist, be a task function and declare
// an input_schema. Problems are reported in the file the prompt is written
// in.
func (b bodyChecker) checkFunctionTools(pr *Prompt) {
	if b.funcs == nil || pr == nil {
		return
	}
	for _, t := range pr.FunctionTools {
		f, ok := b.funcs[t.Slug]
		switch {
		case !ok:
			msg := "tool: no function with slug " + quote(t.Slug)
			if s := suggest(t.Slug, sortedKeys(b.funcs)); s != "" {
				msg += "; did you mean " + quote(s) + "?"
			} else {
				msg += ": define it in functions/*.yaml (with an input_schema) or in this eval's `functions`"
			}
			b.reportIn(pr.File, t.Pos, msg)
		case f.Type != "task":
			b.reportIn(pr.File, t.Pos, "tool: function "+quote(t.Slug)+" is a scorer function; a tool is a task function (type: task)")
		case f.InputSchema == nil:
			b.reportIn(pr.File, t.Pos, "tool: function "+quote(t.Slug)+" has no input_schema: declare its arguments as a JSON Schema (input_schema: {type: object, properties: ...}) in "+b.s.v.display(f.File))
		case f.Body.Kind == KindPrompt && f.Body.Prompt.IsAgent():
			b.reportIn(pr.File, t.Pos, "tool: function "+quote(t.Slug)+" is itself an agent prompt; a tool cannot run a tool loop of its own")
		default:
			b.uses(f.File)
		}
	}
}

// checkUserSimulator resolves the function of a prompt's user_simulator:
// it must exist and be a task function.
func (b bodyChecker) checkUserSimulator(pr *Prompt) {
	if b.funcs == nil || pr == nil || pr.Agent.User == nil {
		return
	}
	u := pr.Agent.User
	f, ok := b.funcs[u.Function]
	switch {
	case !ok:
		msg := "user_simulator: no function with slug " + quote(u.Function)
		if s := suggest(u.Function, sortedKeys(b.funcs)); s != "" {
			msg += "; did you mean " + quote(s) + "?"
		} else {
			msg += ": define it in functions/*.yaml or in this eval's `functions`"
		}
		b.reportIn(pr.File, u.Pos, msg)
	case f.Type != "task":
		b.reportIn(pr.File, u.Pos, "user_simulator: function "+quote(u.Function)+" is a scorer function; the user simulator is a task function (type: task)")
	default:
		b.uses(f.File)
	}
}

// reportIn reports a problem at pos of file: in the file being checked, or
// in another one (a prompt file), which is then marked as having problems.
func (b bodyChecker) reportIn(file string, pos Pos, msg string) {
	if file == "" || file == b.p.abs {
		b.p.r.at(pos, "%s", msg)
		return
	}
	if !pos.IsKnown() {
		pos = Pos{Line: 1, Col: 1}
	}
	b.s.addDiags(Diagnostics{{File: b.s.v.display(file), Line: pos.Line, Col: pos.Col, Message: msg}})
	b.s.mu.Lock()
	b.s.files[file] = true
	b.s.mu.Unlock()
	b.uses(file)
}
