package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

func (c *evalChecker) scorers() {
	seen := map[string]int{}
	b := bodyChecker{s: c.s, p: c.p, dir: c.dir, params: c.paramNames(), funcs: c.ev.Functions, refs: &c.refs, env: c.envNames()}
	for i, rs := range c.raw.Scorers {
		path := []string{"scorers", strconv.Itoa(i)}
		sc := c.scorer(b, &rs, path)
		if sc.Name == "" {
			continue
		}
		if first, dup := seen[sc.Name]; dup {
			c.p.r.at(c.p.writtenAt(sc.Pos, path...), "scorer name %q is already used at line %d: give each scorer its own name", sc.Name, first)
			continue
		}
		seen[sc.Name] = sc.Pos.Line
		c.ev.Scorers = append(c.ev.Scorers, sc)
	}
}

func (c *evalChecker) scorer(b bodyChecker, rs *RawScorer, path []string) Scorer {
	sc := Scorer{Name: rs.Name.Value, Pos: rs.Name.Pos, Reduce: rs.Reduce}
	label := fmt.Sprintf("scorers[%s]", path[1])
	rb := bodyOf(rs.Prompt, rs.Function, rs.Exec, rs.HTTP, rs.Expr)
	kinds := rb.kinds()
	if rs.Use.IsSet() {
		kinds = append([]string{KindBuiltin}, kinds...)
	}
	if len(kinds) != 1 {
		if c.p.choiceClean(path, "expr", "use", "function", "exec", "http", "prompt") {
			reportExactlyOne(c.p, path, label, kinds, "expr, use, function, exec, http or prompt")
		}
		return Scorer{Name: sc.Name, Pos: sc.Pos}
	}
	if !rs.Name.IsSet() {
		switch kinds[0] {
		case KindBuiltin:
			sc.Name, sc.Pos = rs.Use.Value, rs.Use.Pos
		case KindFunction:
			sc.Name, sc.Pos = strings.ReplaceAll(rs.Function.Value, "-", "_"), rs.Function.Pos
		default:
			c.p.r.at(c.p.posOf(path...), "%s needs a name (used in results, thresholds and gates): add `name: ...`", label)
		}
	}
	if rs.With != nil && kinds[0] != KindBuiltin {
		c.p.r.at(c.p.posOf(append(path, "with")...), "`with` only configures built-in scorers (`use:`); remove it or use a built-in")
	}
	if kinds[0] == KindBuiltin {
		sc.Body = Body{Kind: KindBuiltin}
		sc.Builtin, sc.With = rs.Use.Value, rs.With
		c.builtinArgs(rs, path)
		return sc
	}
	sc.Body = b.check(path, label, rb, "scorer")
	return sc
}

func (c *evalChecker) builtinArgs(rs *RawScorer, path []string) {
	if !c.p.clean(append(path, "use")...) {
		return
	}
	cat := c.s.v.cat
	b, ok := cat.BuiltinScorer(rs.Use.Value)
	if !ok {
		msg := fmt.Sprintf("no built-in scorer %q in this build", rs.Use.Value)
		names := cat.BuiltinScorerNames()
		if s := suggest(rs.Use.Value, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else if len(names) > 0 {
			msg += "; available: " + strings.Join(names, ", ")
		} else {
			msg += "; none is registered"
		}
		c.p.r.at(rs.Use.Pos, "%s", msg)
		return
	}
	if !c.p.clean(append(path, "with")...) {
		return
	}
	allowed := b.ArgNames()
	for _, key := range sortedKeys(rs.With) {
		if contains(allowed, key) {
			continue
		}
		msg := fmt.Sprintf("%q is not an argument of %s", key, rs.Use.Value)
		if s := suggest(key, allowed); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; its arguments: " + strings.Join(allowed, ", ")
		}
		c.p.r.at(c.p.posOf(append(path, "with", key)...), "%s", msg)
	}
	for _, arg := range b.Args {
		if _, ok := rs.With[arg.Name]; arg.Required && !ok {
			c.p.r.at(rs.Use.Pos, "%s needs `with: {%s: ...}`", rs.Use.Value, arg.Name)
		}
	}
	c.builtinArgValues(b, rs, path)
}

// builtinArgValues checks what the type of each argument given says can be
// checked before a run: expressions compile, patterns parse, schema files exist.
func (c *evalChecker) builtinArgValues(b BuiltinScorer, rs *RawScorer, path []string) {
	chk := exprCheck{parameters: c.paramNames()}
	for _, arg := range b.Args {
		at := append(append([]string(nil), path...), "with", arg.Name)
		switch v := rs.With[arg.Name].(type) {
		case string:
			n := c.p.nodeOf(at...)
			switch arg.Type {
			case ArgExpression:
				compileExpr(Expr{Code: v, File: c.p.r.file, Pos: nodePos(n), node: n, src: c.p.doc.src}, ScopeScorer, chk, c.p.r)
			case ArgPattern:
				if _, err := regexp.Compile(v); err != nil {
					c.p.r.at(nodePos(n), "invalid regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				}
			case ArgSchema:
				if _, err := c.s.v.fs.Stat(resolve(c.dir, v)); err != nil {
					c.p.r.at(nodePos(n), "schema file %q does not exist: paths are relative to the eval file", v)
				}
			}
		}
	}
}
