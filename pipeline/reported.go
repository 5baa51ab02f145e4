package pipeline

import (
	"maps"
	"slices"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/functions"
)

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
