package spec

import (
	"path/filepath"
	"strings"
)

// rawBody gathers the alternative implementations a task, scorer or function may set.
type rawBody struct {
	prompt   *PromptRef
	function Scalar[string]
	exec     *RawExec
	http     *RawHTTP
	expr     Scalar[string]
}

func bodyOf(prompt *PromptRef, function Scalar[string], exec *RawExec, http *RawHTTP, ex Scalar[string]) rawBody {
	return rawBody{prompt: prompt, function: function, exec: exec, http: http, expr: ex}
}

// kinds lists the implementations that are set, in schema order.
func (rb rawBody) kinds() []string {
	var out []string
	if rb.prompt != nil {
		out = append(out, KindPrompt)
	}
	if rb.function.IsSet() {
		out = append(out, KindFunction)
	}
	if rb.exec != nil {
		out = append(out, KindExec)
	}
	if rb.http != nil {
		out = append(out, KindHTTP)
	}
	if rb.expr.IsSet() {
		out = append(out, KindExpr)
	}
	return out
}

// bodyChecker validates one implementation in the context of a file.
type bodyChecker struct {
	s      *session
	p      *parsed
	dir    string
	params []string             // declared parameters, nil when unknown
	funcs  map[string]*Function // callable functions, nil when slugs are not resolved
	refs   *[]string            // collects the files used, when not nil
	env    []string             // the variables templates may read as {{env.NAME}}
}

func (b bodyChecker) uses(file string) {
	if b.refs != nil {
		*b.refs = append(*b.refs, file)
	}
}

// check validates rb at path; role is "task" or "scorer" and decides what an
// expression sees and which functions may be called.
func (b bodyChecker) check(path []string, name string, rb rawBody, role string) Body {
	kinds := rb.kinds()
	if len(kinds) != 1 {
		if b.p.choiceClean(path, KindPrompt, KindFunction, KindExec, KindHTTP, KindExpr) {
			reportExactlyOne(b.p, path, name, kinds, "prompt, function, exec, http or expr")
		}
		return Body{}
	}
	body := Body{Kind: kinds[0]}
	at := func(k string) []string { return append(append([]string(nil), path...), k) }
	if !b.p.clean(at(body.Kind)...) {
		return body
	}
	if bk, ok := b.s.v.cat.(BodyKinds); ok && body.Kind != KindFunction && !bk.BodyKind(body.Kind) {
		b.p.r.at(b.p.posOf(at(body.Kind)...), "%s: this build of caliper cannot run %s bodies; use another kind", name, body.Kind)
		return body
	}
	switch body.Kind {
	case KindPrompt:
		body.Prompt = b.prompt(rb.prompt, at("prompt"), role == "scorer")
	case KindFunction:
		body.Function = b.function(rb.function, role)
	case KindExec:
		body.Exec = b.exec(rb.exec, at("exec"))
	case KindHTTP:
		body.HTTP = b.http(rb.http, at("http"))
	case KindExpr:
		e := b.p.expr(rb.expr)
		scope := ScopeTask
		if role == "scorer" {
			scope = ScopeScorer
		}
		compileExpr(e, scope, exprCheck{parameters: b.params}, b.p.r)
		body.Expr = &e
	}
	return body
}

func (b bodyChecker) prompt(ref *PromptRef, path []string, judge bool) *Prompt {
	var pr *Prompt
	if ref.Inline != nil {
		if !b.p.clean(path...) {
			return nil
		}
		pr = checkPrompt(b.p, ref.Inline, path)
		pr.File = b.p.abs
	} else {
		abs := resolve(b.dir, ref.Path.Value)
		if info, err := b.s.v.fs.Stat(abs); err != nil || info.IsDir() {
			b.p.r.at(ref.Path.Pos, "prompt file %q does not exist (looked for %s): paths are relative to this file", ref.Path.Value, b.s.v.display(abs))
			return nil
		}
		b.uses(abs)
		pr = b.s.promptFile(abs)
		if pr == nil {
			return nil
		}
	}
	b.checkFunctionTools(pr)
	b.checkUserSimulator(pr)
	if judge && pr.IsAgent() {
		b.p.r.at(ref.Pos, "a scorer prompt cannot call function tools (- function: SLUG) or have a user_simulator: only a task prompt runs a loop")
	}
	if judge && len(pr.Choices) == 0 {
		b.p.r.at(ref.Pos, "a scorer prompt is an LLM judge and needs choice_scores (e.g. {Y: 1, N: 0})")
	}
	return pr
}

func (b bodyChecker) function(slug Scalar[string], role string) string {
	if b.funcs == nil {
		return slug.Value
	}
	f, ok := b.funcs[slug.Value]
	if !ok {
		msg := "no function with slug " + quote(slug.Value)
		if s := suggest(slug.Value, sortedKeys(b.funcs)); s != "" {
			msg += "; did you mean " + quote(s) + "?"
		} else {
			msg += ": define it in functions/*.yaml or in this eval's `functions`"
		}
		b.p.r.at(slug.Pos, "%s", msg)
		return slug.Value
	}
	b.uses(f.File)
	if f.Type != role {
		b.p.r.at(slug.Pos, "function %q is a %s function and cannot be used as a %s (set `type: %s` in %s)", slug.Value, f.Type, role, role, b.s.v.display(f.File))
	}
	return slug.Value
}

func (b bodyChecker) exec(re *RawExec, path []string) *Exec {
	ex := &Exec{Command: re.Command.Values, Worker: re.Worker, Env: re.Env, MaxOutput: re.MaxOutput, Dir: b.dir}
	if ex.MaxOutput == 0 {
		ex.MaxOutput = DefaultMaxOutput
	}
	if !re.Command.IsList && len(ex.Command) == 1 {
		ex.Command = strings.Fields(ex.Command[0])
	}
	if re.Dir.IsSet() {
		ex.Dir = resolve(b.dir, re.Dir.Value)
		if info, err := b.s.v.fs.Stat(ex.Dir); err != nil || !info.IsDir() {
			b.p.r.at(re.Dir.Pos, "exec dir %q is not a directory: paths are relative to this file", re.Dir.Value)
		}
	}
	if len(ex.Command) > 0 && b.p.clean(append(path, "command")...) {
		prog := ex.Command[0]
		if strings.ContainsRune(prog, '/') && !filepath.IsAbs(prog) {
			if _, err := b.s.v.fs.Stat(filepath.Join(ex.Dir, prog)); err != nil {
				b.p.r.at(re.Command.Pos, "program %q does not exist (looked for %s): paths are relative to the exec dir", prog, b.s.v.display(filepath.Join(ex.Dir, prog)))
			}
		}
	}
	if d, ok := parseDuration(b.p, re.Timeout, append(path, "timeout")...); ok {
		ex.Timeout = d
	}
	return ex
}

func (b bodyChecker) http(rh *RawHTTP, path []string) *HTTP {
	h := &HTTP{URL: rh.URL.Value, Method: orString(rh.Method, "POST"), Headers: rh.Headers, Body: rh.Body, Hooks: rh.Hooks}
	if e := b.p.exprPtr(rh.Output); e != nil {
		compileExpr(*e, ScopeHTTPOut, exprCheck{parameters: b.params}, b.p.r)
		h.Output = e
	}
	if d, ok := parseDuration(b.p, rh.Timeout, append(path, "timeout")...); ok {
		h.Timeout = d
	}
	b.checkEnvTemplates(rh, path)
	if rh.URL.IsSet() && !strings.Contains(rh.URL.Value, "{{") && !strings.HasPrefix(rh.URL.Value, "http://") && !strings.HasPrefix(rh.URL.Value, "https://") {
		b.p.r.at(rh.URL.Pos, "url %q must start with http:// or https://", rh.URL.Value)
	}
	return h
}
