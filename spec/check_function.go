package spec

import "path/filepath"

// functionFile validates a functions/*.yaml file once per session.
func (s *session) functionFile(abs string) *Function {
	return s.funcFiles.get(abs, func() *Function {
		p := s.load(abs, "function")
		defer s.finish(p)
		if p.doc == nil {
			return nil
		}
		var raw RawFunction
		decodeInto(p.doc, &raw)
		if !raw.Slug.IsSet() || !p.clean("slug") {
			return nil
		}
		return checkFunction(s, p, filepath.Dir(abs), &raw, nil, nil)
	})
}

// checkFunction validates a function written in a function file or an eval.
func checkFunction(s *session, p *parsed, dir string, rf *RawFunction, path []string, params []string) *Function {
	f := &Function{Slug: rf.Slug.Value, SlugPos: rf.Slug.Pos, Type: orString(rf.Type.Value, "task"), Description: rf.Description, File: p.abs,
		InputSchema: rf.InputSchema, InputSchemaPos: rf.InputSchemaPos}
	if !p.clean(append(path, "slug")...) {
		return f
	}
	checkInputSchema(p, rf, path)
	role := "task"
	if f.Type == "scorer" {
		role = "scorer"
	}
	name := "function " + f.Slug
	if len(path) == 0 {
		name = f.Slug
	}
	b := bodyChecker{s: s, p: p, dir: dir, params: params, env: s.projectEnv(dir)}
	kinds := bodyOf(rf.Prompt, Scalar[string]{}, rf.Exec, rf.HTTP, rf.Expr)
	if len(kinds.kinds()) != 1 {
		if p.choiceClean(path, "prompt", "exec", "http", "expr") {
			reportExactlyOne(p, path, name, kinds.kinds(), "prompt, exec, http or expr")
		}
		return f
	}
	f.Body = b.check(path, name, kinds, role)
	return f
}
