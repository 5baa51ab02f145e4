package pipeline

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/scorers"
	"github.com/caliperhq/caliper/spec"
)

// RunSecrets lists the secrets of a run: from env, the API key of every
// provider (built in, or in the caliper.yaml of an eval) and the value of
// every variable an eval or its caliper.yaml lists in env:; and the header
// values of every provider in caliper.yaml (mask.HeaderSecrets).
func RunSecrets(evals []*spec.Eval, env map[string]string) []string {
	names := []string{"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}
	var values []string
	for _, ev := range evals {
		names = append(names, ev.Env...)
		if proj := ev.Project; proj != nil {
			for _, name := range slices.Sorted(maps.Keys(proj.Providers)) {
				p := proj.Providers[name]
				names = append(names, p.APIKeyEnv)
				values = append(values, mask.HeaderSecrets(p.Headers)...)
			}
			names = append(names, proj.Env...)
		}
	}
	var secrets []string
	for _, n := range names {
		if n != "" {
			values = append(values, env[n])
		}
	}
	for _, v := range values {
		if v != "" && !slices.Contains(secrets, v) {
			secrets = append(secrets, v)
		}
	}
	return secrets
}

// NewMasker builds the masker of a project's evals: the run's secrets
// (RunSecrets) and the masking rules of its caliper.yaml (proj may be nil).
func NewMasker(proj *spec.Project, secrets []string) *mask.Masker {
	var rules []mask.Rule
	if proj != nil {
		for _, r := range proj.Masking {
			rules = append(rules, mask.Rule{Pattern: r.Pattern, Field: r.Field, Replace: r.Replace})
		}
	}
	return mask.New(secrets, rules)
}

// Mask returns the masker of the pipeline's results.
func (p *Pipeline) Mask() *mask.Masker { return p.mask }

// maskResult returns r with the run's secrets and masking rules applied to
// everything a sink stores or shows: the case (a copy: the case is shared by
// its trials), the output, the errors, the scores' metadata and the spans.
// The values found at masked field paths are masked wherever else they
// appear in the row, such as in a prompt that quotes them.
func (p *Pipeline) maskResult(r *Result) *Result {
	m := p.mask
	if !m.Active() {
		return r
	}
	c := *r.Case
	var found, more []mask.Replacement
	c.Input, found = m.Fields("input", c.Input)
	c.Expected, more = m.Fields("expected", c.Expected)
	found = append(found, more...)
	var meta any
	meta, more = m.Fields("metadata", c.Metadata)
	found = append(found, more...)
	out, more := m.Fields("output", r.Output)
	found = append(found, more...)
	m = m.WithReplacements(found...)

	masked := *r // the case id is kept as it is: --resume matches rows by it
	c.Input, c.Expected = m.Value(c.Input), m.Value(c.Expected)
	c.Metadata, _ = m.Value(meta).(map[string]any)
	if v, ok := m.Value(anySlice(c.Tags)).([]any); ok && c.Tags != nil {
		c.Tags = make([]string, len(v))
		for i, t := range v {
			c.Tags[i], _ = t.(string)
		}
	}
	masked.Case = &c
	masked.Output = m.Value(out)
	masked.Error = m.String(r.Error)
	if len(r.ScorerErrors) > 0 {
		masked.ScorerErrors = make(map[string]string, len(r.ScorerErrors))
		for k, v := range r.ScorerErrors {
			masked.ScorerErrors[k] = m.String(v)
		}
	}
	masked.Scores = slices.Clone(r.Scores)
	for i, sc := range masked.Scores {
		if len(sc.Metadata) > 0 {
			masked.Scores[i] = maskScore(m, sc)
		}
	}
	if len(r.Messages) > 0 {
		masked.Messages = json.RawMessage(m.JSON(r.Messages))
	}
	if len(r.Spans) > 0 {
		masked.Spans = make([]functions.Span, len(r.Spans))
		for i, s := range r.Spans {
			masked.Spans[i] = maskSpan(m, s)
		}
	}
	return &masked
}

func maskScore(m *mask.Masker, sc scorers.Score) scorers.Score {
	meta, _ := m.Value(map[string]any(maps.Clone(sc.Metadata))).(map[string]any)
	sc.Metadata = meta
	return sc
}

func maskSpan(m *mask.Masker, s functions.Span) functions.Span {
	s.Name = m.String(s.Name)
	s.Error = m.String(s.Error)
	s.Input = json.RawMessage(m.JSON(s.Input))
	s.Output = json.RawMessage(m.JSON(s.Output))
	if len(s.Attributes) > 0 {
		s.Attributes, _ = m.Value(map[string]any(maps.Clone(s.Attributes))).(map[string]any)
	}
	return s
}

func anySlice(tags []string) any {
	out := make([]any, len(tags))
	for i, t := range tags {
		out[i] = t
	}
	return out
}
