package functions

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/caliperhq/caliper/spec"
)

// What a task reports about itself besides its output, the Braintrust SDK's
// EvalHooks: an answer object {"output", "metadata", "metrics", "tags",
// "spans"}. A worker answers it on its response line (with "id"); a one-shot
// prints it as the JSON object on stdout that has an "output" key; an http
// function with hooks: true reads it from the body (or the value of
// http.output). A scorer function's {score, metadata} object may carry
// "metrics" and "spans" too (TakeScoreHooks).

// Keys of answer objects.
const (
	keyOutput   = "output"
	keyMetadata = "metadata"
	keyMetrics  = "metrics"
	keyTags     = "tags"
	keySpans    = "spans"
)

// answerKeys are the keys of a task's answer object.
var answerKeys = []string{keyOutput, keyMetadata, keyMetrics, keyTags, keySpans}

// scoreKeys are the keys of a scorer function's result object.
var scoreKeys = []string{"score", keyMetadata, keyMetrics, keySpans}

// spanKeys are the keys of a span an answer reports.
var spanKeys = []string{"name", "type", "input", "output", "start", "end", "duration", "attributes", "error", "children"}

// BuiltinMetrics are the metrics Caliper records itself; an answer's metrics
// may not use these names, nor any name starting with "llm_".
var BuiltinMetrics = []string{"duration", "tokens", "prompt_tokens", "completion_tokens", "estimated_cost"}

// maxReportedSpans bounds the spans of one answer, children included.
const maxReportedSpans = 1000

// maxSpanSeconds bounds a span's duration (a year), far inside time.Duration.
const maxSpanSeconds = 365 * 24 * 3600

// traceHooks is what the task and scorers of a case reported besides
// spans and metrics, which go to the Trace's own lists.
type traceHooks struct {
	metadata map[string]any
	tags     []string
}

// hooks is one parsed answer's report.
type hooks struct {
	metadata map[string]any
	metrics  map[string]float64
	tags     []string
	spans    []Span
}

// SetMetadata merges m into the metadata the case's task reported; a key
// set twice keeps its last value.
func (t *Trace) SetMetadata(m map[string]any) {
	if t == nil || len(m) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.hooks.metadata == nil {
		t.hooks.metadata = make(map[string]any, len(m))
	}
	maps.Copy(t.hooks.metadata, m)
}

// AddTags adds tags to those the case's task reported, once each.
func (t *Trace) AddTags(tags []string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tag := range tags {
		if !slices.Contains(t.hooks.tags, tag) {
			t.hooks.tags = append(t.hooks.tags, tag)
		}
	}
}

// AddMetrics adds m to the case's metrics; a metric reported twice (by the
// task and a scorer) adds up.
func (t *Trace) AddMetrics(m map[string]float64) {
	if t == nil || len(m) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.metrics == nil {
		t.metrics = map[string]float64{}
	}
	for k, v := range m {
		t.metrics[k] += v
	}
}

// ReportedMetadata returns the metadata the case's task reported; nil when none.
func (t *Trace) ReportedMetadata() map[string]any {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.hooks.metadata)
}

// ReportedTags returns the tags the case's task reported; nil when none.
func (t *Trace) ReportedTags() []string {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.hooks.tags)
}

// record adds a parsed report to t.
func (t *Trace) record(h hooks) {
	if t == nil {
		return
	}
	t.SetMetadata(h.metadata)
	t.AddTags(h.tags)
	t.AddMetrics(h.metrics)
	for _, s := range h.spans {
		t.Add(s)
	}
}

// traceOf is the trace a call records into, and the parent of its spans:
// the Request's trace, else the context's; the parent is the context's step,
// else "task" for a task.
func traceOf(ctx context.Context, req *Request, role string) (*Trace, string) {
	tr, parent := TraceFrom(ctx)
	if req != nil && req.Trace != nil {
		tr = req.Trace
	}
	if parent == "" {
		parent = role
	}
	return tr, parent
}

// isAnswer reports whether a one-shot's output v is an answer object: a
// JSON object with an "output" key.
func isAnswer(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	_, ok = m[keyOutput]
	return m, ok
}

// takeAnswer checks the answer object m of a task, records its metadata,
// metrics, tags and spans in the call's trace and returns its output. start
// is when the call began: a span without "start" begins then.
func takeAnswer(ctx context.Context, req *Request, m map[string]any, start time.Time) (any, error) {
	if err := checkKeys(m, answerKeys, "an answer object", `an answer object holds "output" and optionally "metadata", "metrics", "tags" and "spans"; to return an object that has an "output" key as the output itself, wrap it: {"output": {...}}`); err != nil {
		return nil, err
	}
	tr, parent := traceOf(ctx, req, RoleTask)
	h, err := parseHooks(m, parent, start)
	if err != nil {
		return nil, err
	}
	tr.record(h)
	return m[keyOutput], nil
}

// TakeScoreHooks reads a scorer function's result v: when it is a {score}
// object, its "metrics" join the case's metrics and its "spans" the trace
// of ctx (under the scorer's name), and it returns v without them, for
// scorers.ParseResult. Any other key than score, metadata, metrics and spans
// is an error naming it. Any other v is returned as it is.
func TakeScoreHooks(ctx context.Context, tr *Trace, v any, start time.Time) (any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return v, nil
	}
	if _, ok := m["score"]; !ok {
		return v, nil
	}
	if err := checkKeys(m, scoreKeys, "a scorer result", `a scorer result object holds "score" and optionally "metadata", "metrics" and "spans"; to give several named scores, return a list of {name, score}`); err != nil {
		return nil, err
	}
	if _, ok := m[keyMetrics]; !ok {
		if _, ok := m[keySpans]; !ok {
			return v, nil
		}
	}
	ctxTrace, parent := TraceFrom(ctx)
	if tr == nil {
		tr = ctxTrace
	}
	if parent == "" {
		parent = RoleScorer
	}
	h, err := parseHooks(map[string]any{keyMetrics: m[keyMetrics], keySpans: m[keySpans]}, parent, start)
	if err != nil {
		return nil, err
	}
	tr.record(h)
	rest := maps.Clone(m)
	delete(rest, keyMetrics)
	delete(rest, keySpans)
	return rest, nil
}

// checkKeys rejects a key of m outside allowed, naming it, with a "did you
// mean" when one is close.
func checkKeys(m map[string]any, allowed []string, what, help string) error {
	var unknown []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	hint := ""
	if s := spec.Suggest(unknown[0], allowed); s != "" {
		hint = fmt.Sprintf("; did you mean %q?", s)
	}
	return fmt.Errorf("unknown key %q in %s%s: %s", unknown[0], what, hint, help)
}
