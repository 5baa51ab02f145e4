package pipeline

import (
	"maps"
	"slices"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/spec"
)

// reportsHooks reports whether a task or scorer of ev can report metadata,
// metrics, tags or spans (a program, an endpoint, a function by slug), so
// that its cases need a trace even without model calls; an eval of
// expressions and built-in scorers does without one.
func reportsHooks(ev *spec.Eval) bool {
	kinds := []string{ev.Task.Kind}
	for _, sc := range ev.Scorers {
		kinds = append(kinds, sc.Kind)
	}
	for _, k := range kinds {
		switch k {
		case spec.KindExec, spec.KindHTTP, spec.KindFunction:
			return true
		}
	}
	return false
}

// withReported is c with the metadata and tags its task reported: the
// task's metadata merged over the case's, the task's keys winning (as the
// Braintrust SDK's hooks.metadata), and its tags added after the case's.
// c itself, shared by the case's trials, is not changed.
func withReported(c *datasets.Case, tr *functions.Trace) *datasets.Case {
	md, tags := tr.ReportedMetadata(), tr.ReportedTags()
	if len(md) == 0 && len(tags) == 0 {
		return c
	}
	cp := *c
	if len(md) > 0 {
		cp.Metadata = maps.Clone(c.Metadata)
		if cp.Metadata == nil {
			cp.Metadata = make(map[string]any, len(md))
		}
		maps.Copy(cp.Metadata, md)
	}
	if len(tags) > 0 {
		cp.Tags = slices.Clone(c.Tags)
		for _, t := range tags {
			if !slices.Contains(cp.Tags, t) {
				cp.Tags = append(cp.Tags, t)
			}
		}
	}
	return &cp
}
