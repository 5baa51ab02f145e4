package functions

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
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

// parseHooks reads and checks the metadata, metrics, tags and spans of an
// answer object; a key absent or null is nothing reported.
func parseHooks(m map[string]any, parent string, start time.Time) (hooks, error) {
	var h hooks
	var err error
	if v := m[keyMetadata]; v != nil {
		md, ok := v.(map[string]any)
		if !ok {
			return h, fmt.Errorf(`"metadata" must be an object, not %s`, describeJSON(v))
		}
		h.metadata = md
	}
	if v := m[keyMetrics]; v != nil {
		if h.metrics, err = parseMetrics(v); err != nil {
			return h, err
		}
	}
	if v := m[keyTags]; v != nil {
		if h.tags, err = parseTags(v); err != nil {
			return h, err
		}
	}
	if v := m[keySpans]; v != nil {
		list, ok := v.([]any)
		if !ok {
			return h, fmt.Errorf(`"spans" must be a list of span objects {name, type, input, output, start, end, duration, attributes, children}, not %s`, describeJSON(v))
		}
		p := spanParser{start: start}
		if err := p.list(list, parent, "spans"); err != nil {
			return h, err
		}
		h.spans = p.out
	}
	return h, nil
}

// parseMetrics reads {"name": number}; a built-in metric's name is refused.
func parseMetrics(v any) (map[string]float64, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf(`"metrics" must be an object of numbers, e.g. {"retrieved_docs": 3}, not %s`, describeJSON(v))
	}
	out := make(map[string]float64, len(obj))
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k == "" {
			return nil, fmt.Errorf(`"metrics" has an empty name: name each metric`)
		}
		if slices.Contains(BuiltinMetrics, k) || strings.HasPrefix(k, "llm_") {
			return nil, fmt.Errorf(`metrics.%s is a metric Caliper records itself (%s, llm_*): rename yours, e.g. "app_%s"`, k, strings.Join(BuiltinMetrics, ", "), k)
		}
		f, ok := toFloat(obj[k])
		if !ok {
			return nil, fmt.Errorf("metrics.%s must be a number, not %s", k, describeJSON(obj[k]))
		}
		out[k] = f
	}
	return out, nil
}

// parseTags reads a list of non-empty strings.
func parseTags(v any) ([]string, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf(`"tags" must be a list of strings, not %s`, describeJSON(v))
	}
	out := make([]string, 0, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("tags[%d] must be a non-empty string, not %s", i, describeJSON(e))
		}
		out = append(out, s)
	}
	return out, nil
}

// spanParser flattens reported spans, children after their parent: a
// child's parent is the path of its ancestors, "task/retrieve".
type spanParser struct {
	start time.Time
	out   []Span
}

func (p *spanParser) list(list []any, parent, path string) error {
	for i, e := range list {
		at := fmt.Sprintf("%s[%d]", path, i)
		m, ok := e.(map[string]any)
		if !ok {
			return fmt.Errorf("%s must be a span object {name, type, ...}, not %s", at, describeJSON(e))
		}
		if len(p.out) >= maxReportedSpans {
			return fmt.Errorf("%s: more than %d spans in one answer: report fewer", at, maxReportedSpans)
		}
		if err := p.span(m, parent, at); err != nil {
			return err
		}
	}
	return nil
}

func (p *spanParser) span(m map[string]any, parent, at string) error {
	if err := checkKeys(m, spanKeys, at, "a span holds name, type, input, output, start, end, duration, attributes, error and children"); err != nil {
		return err
	}
	name, ok := m["name"].(string)
	if !ok || name == "" {
		return fmt.Errorf("%s.name must be a non-empty string, not %s", at, describeJSON(m["name"]))
	}
	s := Span{Name: name, Kind: "function", Parent: parent, Start: p.start}
	if v, ok := m["type"]; ok && v != nil {
		if s.Kind, ok = v.(string); !ok || !isWord(s.Kind) {
			return fmt.Errorf("%s.type must be a lower-case word such as llm, tool, function, task or score, not %s", at, describeJSON(v))
		}
	}
	var err error
	if s.Input, err = rawOf(m, "input"); err != nil {
		return fmt.Errorf("%s.input: %w", at, err)
	}
	if s.Output, err = rawOf(m, "output"); err != nil {
		return fmt.Errorf("%s.output: %w", at, err)
	}
	if err := p.timing(&s, m, at); err != nil {
		return err
	}
	if v, ok := m["attributes"]; ok && v != nil {
		if s.Attributes, ok = v.(map[string]any); !ok {
			return fmt.Errorf("%s.attributes must be an object, not %s", at, describeJSON(v))
		}
	}
	if v, ok := m["error"]; ok && v != nil {
		if s.Error, ok = v.(string); !ok {
			return fmt.Errorf("%s.error must be a string, not %s", at, describeJSON(v))
		}
	}
	p.out = append(p.out, s)
	if v, ok := m["children"]; ok && v != nil {
		kids, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s.children must be a list of spans, not %s", at, describeJSON(v))
		}
		return p.list(kids, parent+"/"+name, at+".children")
	}
	return nil
}

// timing reads start, end and duration: start defaults to when the call
// began; the duration is end - start, or "duration" in seconds.
func (p *spanParser) timing(s *Span, m map[string]any, at string) error {
	if v, ok := m["start"]; ok && v != nil {
		t, err := parseTime(v)
		if err != nil {
			return fmt.Errorf("%s.start: %w", at, err)
		}
		s.Start = t
	}
	end, hasEnd := m["end"]
	dur, hasDur := m["duration"]
	hasEnd, hasDur = hasEnd && end != nil, hasDur && dur != nil
	switch {
	case hasEnd && hasDur:
		return fmt.Errorf("%s: give end or duration, not both", at)
	case hasEnd:
		t, err := parseTime(end)
		if err != nil {
			return fmt.Errorf("%s.end: %w", at, err)
		}
		if t.Before(s.Start) {
			return fmt.Errorf("%s.end is before its start (%s < %s): check the clock values", at, t.Format(time.RFC3339Nano), s.Start.Format(time.RFC3339Nano))
		}
		s.Duration = t.Sub(s.Start)
	case hasDur:
		f, ok := toFloat(dur)
		if !ok || f < 0 || f > maxSpanSeconds {
			return fmt.Errorf("%s.duration must be a number of seconds, from 0 to %d, not %s", at, maxSpanSeconds, describeJSON(dur))
		}
		s.Duration = time.Duration(f * float64(time.Second))
	}
	return nil
}

// parseTime reads a time: seconds since 1970 (as Python's time.time() and
// the Braintrust SDK's span metrics give) or an RFC 3339 string.
func parseTime(v any) (time.Time, error) {
	if f, ok := toFloat(v); ok {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	if s, ok := v.(string); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("must be seconds since 1970 (a number) or an RFC 3339 time (\"2026-12-02T10:00:00Z\"), not %s", describeJSON(v))
}

// rawOf encodes m[key] as JSON; nil when absent.
func rawOf(m map[string]any, key string) (json.RawMessage, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot be encoded as JSON: %w", err)
	}
	return b, nil
}

// toFloat is the number v, from JSON or from an expression.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n) && !math.IsInf(n, 0)
	case float32:
		return toFloat(float64(n))
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// isWord reports whether s is a lower-case word: letters, digits and _.
func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// describeJSON names a value's JSON type for an error, with the value when short.
func describeJSON(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	if f, ok := toFloat(v); ok {
		return fmt.Sprintf("the number %v", f)
	}
	return fmt.Sprintf("%T", v)
}
