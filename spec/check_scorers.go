package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

func (c *evalChecker) scorers() {
	seen := map[string]int{}
	b := bodyChecker{s: c.s, p: c.p, dir: c.dir, params: c.paramNames(), funcs: c.ev.Functions, refs: &c.refs}
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
	args, ok := Builtins[rs.Use.Value]
	if !ok || !c.p.clean(append(path, "with")...) {
		return
	}
	for _, key := range sortedKeys(rs.With) {
		if contains(args.Allowed, key) {
			continue
		}
		msg := fmt.Sprintf("%q is not an argument of %s", key, rs.Use.Value)
		if s := suggest(key, args.Allowed); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; its arguments: " + strings.Join(args.Allowed, ", ")
		}
		c.p.r.at(c.p.posOf(append(path, "with", key)...), "%s", msg)
	}
	for _, req := range args.Required {
		if _, ok := rs.With[req]; !ok {
			c.p.r.at(rs.Use.Pos, "%s needs `with: {%s: ...}`", rs.Use.Value, req)
		}
	}
	chk := exprCheck{parameters: c.paramNames()}
	for _, key := range []string{"expected", "output"} {
		if code, ok := rs.With[key].(string); ok {
			n := c.p.nodeOf(append(path, "with", key)...)
			compileExpr(Expr{Code: code, File: c.p.r.file, Pos: nodePos(n), node: n, src: c.p.doc.src}, ScopeScorer, chk, c.p.r)
		}
	}
	if pat, ok := rs.With["pattern"].(string); ok {
		if _, err := regexp.Compile(pat); err != nil {
			c.p.r.at(nodePos(c.p.nodeOf(append(path, "with", "pattern")...)), "invalid regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
	}
	if file, ok := rs.With["schema"].(string); ok {
		abs := resolve(c.dir, file)
		if _, err := c.s.v.fs.Stat(abs); err != nil {
			c.p.r.at(nodePos(c.p.nodeOf(append(path, "with", "schema")...)), "schema file %q does not exist: paths are relative to the eval file", file)
		}
	}
}
