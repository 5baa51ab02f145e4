package functions

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// The parsing and checking of what an answer object reports (trace_hooks.go):
// every key and value is checked, and an error names its path.

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

// describeJSON names a value's JSON type for an error, with the value when
// it is a short scalar.
func describeJSON(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "..."
		}
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %v", x)
	}
	if f, ok := toFloat(v); ok {
		return fmt.Sprintf("the number %v", f)
	}
	return kindOf(v)
}
