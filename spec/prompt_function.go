package spec

// callable returns the function a file of a functions/ directory defines: a
// function file's, or, for a *.prompt.yaml file, the prompt's (see
// PromptFunction). It is nil when the file has problems; a prompt there
// without a slug is one.
func (s *session) callable(path string) *Function {
	if FileKind(path) != "prompt" {
		return s.functionFile(path)
	}
	pr := s.promptFile(path)
	if pr == nil {
		return nil
	}
	if pr.Slug == "" {
		s.addDiags(Diagnostics{{File: s.v.display(path), Line: 1, Col: 1,
			Message: "a prompt in functions/ is a function and needs a slug: add `slug: NAME`, or move the file out of functions/"}})
		s.mu.Lock()
		s.files[path] = true
		s.mu.Unlock()
		return nil
	}
	return PromptFunction(pr)
}

// PromptFunction is the function a prompt with a slug defines: a task, or a
// scorer when the prompt is an LLM judge (it has choice_scores).
func PromptFunction(pr *Prompt) *Function {
	f := &Function{Slug: pr.Slug, SlugPos: pr.SlugPos, Type: "task", Description: pr.Description, File: pr.File,
		Body: Body{Kind: KindPrompt, Prompt: pr}}
	if len(pr.Choices) > 0 {
		f.Type = "scorer"
	}
	return f
}

// LoadPrompt validates one *.prompt.yaml file, returning the prompt when it
// has no problem.
func (v *Validator) LoadPrompt(path string) (*Prompt, Diagnostics) {
	abs := v.abs(path)
	if FileKind(abs) != "prompt" {
		return nil, Diagnostics{{File: v.display(abs), Line: 1, Col: 1, Message: "not a prompt file: give a *.prompt.yaml file"}}
	}
	s := v.newSession()
	pr := s.promptFile(abs)
	s.diags.Sort()
	if len(s.diags) > 0 || pr == nil {
		return nil, s.diags
	}
	return pr, nil
}
