package view

import (
	"encoding/json"
	"time"
)

// spanJSON is a stored span (functions.Span as the row holds it).
type spanJSON struct {
	Name     string             `json:"name"`
	Kind     string             `json:"kind"`
	Parent   string             `json:"parent"`
	Start    time.Time          `json:"start"`
	Duration float64            `json:"duration"` // nanoseconds
	Input    json.RawMessage    `json:"input"`
	Output   json.RawMessage    `json:"output"`
	Metrics  map[string]float64 `json:"metrics"`
	Cached   bool               `json:"cached"`
	Error    string             `json:"error"`
}

// spanGroup is a node of the trace tree: the task or a scorer, with the
// spans (model calls, function calls) made under it.
type spanGroup struct {
	Name  string
	Spans []spanView
}

// spanView is one span as the case page shows it.
type spanView struct {
	spanJSON
	Messages []message // the request's messages, for a model call
	Response string    // the model's answer text
	Tools    string    // the model's tool calls, as JSON
	Request  string    // the whole request, pretty-printed
	Answer   string    // the whole response, pretty-printed
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// spanTree groups a row's spans by parent, the task first.
func spanTree(raw json.RawMessage) []spanGroup {
	var spans []spanJSON
	if len(raw) == 0 || json.Unmarshal(raw, &spans) != nil {
		return nil
	}
	var groups []spanGroup
	at := map[string]int{}
	add := func(name string) int {
		if i, ok := at[name]; ok {
			return i
		}
		at[name] = len(groups)
		groups = append(groups, spanGroup{Name: name})
		return at[name]
	}
	for _, s := range spans {
		if s.Parent == "task" || s.Parent == "" {
			add("task")
			break
		}
	}
	for _, s := range spans {
		parent := s.Parent
		if parent == "" {
			parent = "task"
		}
		i := add(parent)
		groups[i].Spans = append(groups[i].Spans, viewOf(s))
	}
	return groups
}

func viewOf(s spanJSON) spanView {
	v := spanView{spanJSON: s, Request: prettyJSON(s.Input), Answer: prettyJSON(s.Output)}
	var req struct {
		Messages []message `json:"messages"`
	}
	if json.Unmarshal(s.Input, &req) == nil {
		v.Messages = req.Messages
	}
	var resp struct {
		Content   string          `json:"content"`
		ToolCalls json.RawMessage `json:"tool_calls"`
	}
	if json.Unmarshal(s.Output, &resp) == nil {
		v.Response = resp.Content
		v.Tools = prettyJSON(resp.ToolCalls)
	}
	return v
}
