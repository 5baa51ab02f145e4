package functions

import (
	"encoding/json"

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
// metrics turns and tool_calls.
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
	t.metrics["turns"] = float64(r.Turns)
	t.metrics["tool_calls"] = float64(len(r.ToolCalls))
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
