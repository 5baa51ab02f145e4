package llm

import (
	"context"
	"encoding/json"
	"testing"
)

// toolLoopRequest is the second turn of a tool loop: the model called two
// tools in parallel, one of which failed.
func toolLoopRequest(model string) ChatRequest {
	return ChatRequest{Model: model, Messages: []Message{
		{Role: RoleSystem, Content: "You look orders up."},
		{Role: RoleUser, Content: "Where are orders 7 and 8?"},
		{Role: RoleAssistant, Content: "Looking.", ToolCalls: []ToolCall{
			{ID: "call_1", Name: "lookup", Arguments: json.RawMessage(`{"id":7}`)},
			{ID: "call_2", Name: "lookup", Arguments: json.RawMessage(`{"id":8}`)},
		}},
		{Role: RoleTool, ToolCallID: "call_1", Content: `{"status":"shipped"}`},
		{Role: RoleTool, ToolCallID: "call_2", Content: "no order 8", IsError: true},
	}, Tools: []Tool{{Name: "lookup", Parameters: json.RawMessage(`{"type":"object","properties":{"id":{"type":"integer"}}}`)}}}
}

func TestOpenAIToolLoopWireFormat(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("Order 7 shipped; there is no order 8."))
	c := testClient(t, f.URL, nil)
	if _, err := c.Chat(context.Background(), toolLoopRequest("test/gpt-4o-mini")); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "body", f.requests()[0].Body, `{
		"model": "gpt-4o-mini",
		"messages": [
			{"role": "system", "content": "You look orders up."},
			{"role": "user", "content": "Where are orders 7 and 8?"},
			{"role": "assistant", "content": "Looking.", "tool_calls": [
				{"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{\"id\":7}"}},
				{"id": "call_2", "type": "function", "function": {"name": "lookup", "arguments": "{\"id\":8}"}}]},
			{"role": "tool", "tool_call_id": "call_1", "content": "{\"status\":\"shipped\"}"},
			{"role": "tool", "tool_call_id": "call_2", "content": "no order 8"}
		],
		"tools": [{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"id": {"type": "integer"}}}}}]
	}`)
}

func TestAnthropicToolLoopWireFormat(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply {
		return reply{Body: anthropicAnswer(`[{"type": "text", "text": "Order 7 shipped."}]`)}
	})
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.Type, p.BaseURL = TypeAnthropic, f.URL })
	if _, err := c.Chat(context.Background(), toolLoopRequest("test/claude-haiku-4-5")); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "body", f.requests()[0].Body, `{
		"model": "claude-haiku-4-5", "max_tokens": 4096,
		"system": [{"type": "text", "text": "You look orders up."}],
		"messages": [
			{"role": "user", "content": [{"type": "text", "text": "Where are orders 7 and 8?"}]},
			{"role": "assistant", "content": [
				{"type": "text", "text": "Looking."},
				{"type": "tool_use", "id": "call_1", "name": "lookup", "input": {"id": 7}},
				{"type": "tool_use", "id": "call_2", "name": "lookup", "input": {"id": 8}}]},
			{"role": "user", "content": [
				{"type": "tool_result", "tool_use_id": "call_1", "content": [{"type": "text", "text": "{\"status\":\"shipped\"}"}], "is_error": false},
				{"type": "tool_result", "tool_use_id": "call_2", "content": [{"type": "text", "text": "no order 8"}], "is_error": true}]}
		],
		"tools": [{"name": "lookup", "input_schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}]
	}`)
}

func TestToolMessageNeedsItsCallID(t *testing.T) {
	t.Parallel()
	c := testClient(t, "http://127.0.0.1:1", nil)
	req := ChatRequest{Model: "test/m", Messages: []Message{{Role: RoleUser, Content: "hi"}, {Role: RoleTool, Content: "42"}}}
	if _, err := c.Chat(context.Background(), req); err == nil || err.Error() != "test/m: messages[1]: a tool message needs the id of the tool call it answers" {
		t.Fatalf("err = %v", err)
	}
}
