package functions

import (
	"encoding/json"
	"strings"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

// SpanKindTool is the kind of the spans of tool calls made by an agent task.
const SpanKindTool = "tool"

// Stop reasons of an agent task: why its tool loop ended.
const (
	StopAnswer         = "answer"           // the model answered without calling a tool
	StopMaxTurns       = "max_turns"        // the prompt's max_turns model calls were made
	StopMaxToolCalls   = "max_tool_calls"   // the next turn's calls would pass max_tool_calls
	StopMaxTokensTotal = "max_tokens_total" // the turns used max_tokens_total tokens
	StopMaxCostTotal   = "max_cost_total"   // the turns cost max_cost_total USD
	StopError          = "error"            // a model call failed, or a tool with on_tool_error: fail
	StopUserDone       = "user_done"        // the user simulator answered nothing
	StopUserStop       = "user_stop"        // the user simulator wrote its stop text
	StopMaxUserTurns   = "max_user_turns"   // the user simulator wrote its max_turns messages
)

// AgentRun is what the tool loop of an agent task leaves on its case's
// trace: the whole transcript (the prompt's messages, each answer of the
// model with its tool calls, each tool result), the tool calls as scorers
// see them, why the loop stopped and how many model turns it took.
type AgentRun struct {
	Messages   []map[string]any
	ToolCalls  []spec.ToolCall
	StopReason string
	Turns      int
}

// SetAgentRun records the tool loop of the case's task and sets the case's
// metrics turns, tool_calls and tool_errors.
func (t *Trace) SetAgentRun(r AgentRun) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.agent = &r
	if t.metrics == nil {
		t.metrics = map[string]float64{}
	}
	r.SetMetrics(t.metrics)
}

// SetMetrics sets the metrics of an agent run in m: its model turns, its tool
// calls and how many of them failed, each also when it is 0, so that a mean
// over the rows counts every agent case.
func (r AgentRun) SetMetrics(m map[string]float64) {
	errs := 0
	for _, c := range r.ToolCalls {
		if c.Error != "" {
			errs++
		}
	}
	m["turns"], m["tool_calls"], m["tool_errors"] = float64(r.Turns), float64(len(r.ToolCalls)), float64(errs)
}

// AgentRun returns the tool loop recorded by SetAgentRun; false when the
// case's task was not an agent.
func (t *Trace) AgentRun() (AgentRun, bool) {
	if t == nil {
		return AgentRun{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.agent == nil {
		return AgentRun{}, false
	}
	return *t.agent, true
}

// transcriptOf is the transcript of a message list as scorers see it: each
// message a {role, content, tool_calls?, tool_call_id?, is_error?} object,
// tool-call arguments decoded. Image bytes are left out (their parts keep
// type, media type, size and hash).
func transcriptOf(msgs []llm.Message) []map[string]any {
	b, err := json.Marshal(msgs)
	if err != nil {
		return nil
	}
	var out []map[string]any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

// AgentRunOf rebuilds the AgentRun of a stored transcript (a row's messages
// and stop reason), for a rescore: the turns are its assistant messages, and
// each tool call gets the result its tool message holds, as the model read
// it (JSON decoded when it parses), or its error. It reports false for a row
// without a transcript.
func AgentRunOf(messages json.RawMessage, stop string) (AgentRun, bool) {
	var msgs []map[string]any
	if len(messages) == 0 || json.Unmarshal(messages, &msgs) != nil || msgs == nil {
		return AgentRun{}, false
	}
	var stored []llm.Message
	if json.Unmarshal(messages, &stored) != nil {
		return AgentRun{}, false
	}
	run := AgentRun{Messages: msgs, StopReason: stop}
	at := map[string]int{} // tool call id -> index in run.ToolCalls
	for _, m := range stored {
		switch m.Role {
		case llm.RoleAssistant:
			run.Turns++
			for _, tc := range m.ToolCalls {
				at[tc.ID] = len(run.ToolCalls)
				run.ToolCalls = append(run.ToolCalls, spec.ToolCall{Name: tc.Name, Arguments: decodeArguments(tc.Arguments), Turn: run.Turns})
			}
		case llm.RoleTool:
			i, ok := at[m.ToolCallID]
			if !ok {
				continue
			}
			if m.IsError {
				run.ToolCalls[i].Error = strings.TrimPrefix(m.Content, "error: ")
				continue
			}
			var v any
			if json.Unmarshal([]byte(m.Content), &v) != nil {
				v = m.Content
			}
			run.ToolCalls[i].Result = v
		}
	}
	return run, true
}
