package functions

import (
	"encoding/json"
	"sync"
	"time"
)

// Span is one step of a case worth recording on its own, such as a model call:
// what went in, what came out, how long it took and what it cost.
type Span struct {
	Name     string             `json:"name"`             // e.g. "openai/gpt-4o-mini"
	Kind     string             `json:"kind"`             // llm, function, http, ...
	Parent   string             `json:"parent,omitempty"` // "task" or the scorer's name
	Start    time.Time          `json:"start"`
	Duration time.Duration      `json:"duration"`
	Input    json.RawMessage    `json:"input,omitempty"`  // e.g. the request: model, params, messages
	Output   json.RawMessage    `json:"output,omitempty"` // e.g. the response
	Metrics  map[string]float64 `json:"metrics,omitempty"`
	Cached   bool               `json:"cached,omitempty"`
	Error    string             `json:"error,omitempty"`
	// Attributes are what a span an answer reported says about itself.
	Attributes map[string]any `json:"attributes,omitempty"`
}

// Trace collects the spans and metrics of one case and trial. A function adds
// to the Trace of its Request when it has one; it is safe for concurrent use,
// since a case's scorers run at the same time.
type Trace struct {
	mu      sync.Mutex
	spans   []Span
	metrics map[string]float64
	hooks   traceHooks // what the task reported (trace_hooks.go)
	agent   *AgentRun  // the tool loop of an agent task (trace_agent.go)
}

// Add records a span and adds its metrics to the case's totals: prompt_tokens,
// completion_tokens, tokens, llm_duration, estimated_cost, llm_calls, ...
func (t *Trace) Add(s Span) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.spans = append(t.spans, s)
	if t.metrics == nil {
		t.metrics = map[string]float64{}
	}
	for k, v := range s.Metrics {
		t.metrics[k] += v
	}
}

// Spans returns the spans recorded so far.
func (t *Trace) Spans() []Span {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Span(nil), t.spans...)
}

// Metrics returns the summed metrics of the spans recorded so far.
func (t *Trace) Metrics() map[string]float64 {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]float64, len(t.metrics))
	for k, v := range t.metrics {
		out[k] = v
	}
	return out
}
