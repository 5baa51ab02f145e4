package functions

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

func conversationPrompt() *spec.Prompt {
	return &spec.Prompt{Slug: "support", File: "support.prompt.yaml", Model: "test/gpt-4o-mini", Strict: true, Messages: []spec.Message{
		{Role: "system", Content: "You are the support agent of {{shop}}."},
	}}
}

// TestConversationInputIsSentAfterThePromptMessages sends a conversation
// case to a real OpenAI-compatible server and checks the messages it got:
// the prompt's own first, then the case's, in order, with the input's other
// keys still template variables.
func TestConversationInputIsSentAfterThePromptMessages(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t, func(int) (int, string) { return 200, completion("Order 42 shipped on Monday.") })
	fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: conversationPrompt()}, Options{LLM: testLLM(t, srv.URL, nil)})
	input := map[string]any{"shop": "Acme", "messages": []any{
		map[string]any{"role": "user", "content": "Where is my order?"},
		map[string]any{"role": "assistant", "content": "Which order number?"},
		map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "42"}}},
	}}
	out, err := fn.Call(context.Background(), &Request{Input: input})
	if err != nil {
		t.Fatal(err)
	}
	if out != "Order 42 shipped on Monday." {
		t.Errorf("output %#v", out)
	}
	got, _ := json.Marshal(srv.requests()[0]["messages"])
	want := `[{"content":"You are the support agent of Acme.","role":"system"},` +
		`{"content":"Where is my order?","role":"user"},` +
		`{"content":"Which order number?","role":"assistant"},` +
		`{"content":[{"text":"42","type":"text"}],"role":"user"}]`
	if string(got) != want {
		t.Errorf("sent messages\n%s\nwant\n%s", got, want)
	}
}

func TestConversationOnlyForTasks(t *testing.T) {
	t.Parallel()
	p := &spec.Prompt{Model: "test/m", Strict: true, Messages: []spec.Message{{Role: "user", Content: "Judge: {{output}}"}}, Choices: []spec.Choice{{Name: "Y", Score: 1}, {Name: "N"}}}
	c, err := CompilePrompt(p, RoleScorer)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Render(&Request{Input: map[string]any{"messages": []any{map[string]any{"role": "user", "content": "hi"}}}, Output: "x"}, nil)
	if err != nil || len(r.Messages) != 1 {
		t.Errorf("a scorer prompt got the conversation appended: %+v %v", r.Messages, err)
	}
}

func TestConversationValidation(t *testing.T) {
	t.Parallel()
	msg := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	call := func(id string) map[string]any {
		return msg("role", "assistant", "tool_calls", []any{map[string]any{"id": id, "name": "lookup", "arguments": map[string]any{"order": 42.0}}})
	}
	tests := []struct {
		name  string
		input any
		want  string // "" for no error
		n     int
	}{
		{"not an object", "hello", "", 0},
		{"an object without messages", map[string]any{"question": "q"}, "", 0},
		{"a conversation", map[string]any{"messages": []any{msg("role", "system", "content", "s"), msg("role", "user", "content", "u")}}, "", 2},
		{"messages not a list", map[string]any{"messages": "hi"}, "input.messages must be a list of {role, content} messages, not a string", 0},
		{"empty", map[string]any{"messages": []any{}}, "input.messages is empty: give the conversation at least one {role, content} message, or remove the messages key", 0},
		{"a message not an object", map[string]any{"messages": []any{"hi"}}, "input.messages[0]: a message is an object {role, content}, not a string", 0},
		{"unknown role", map[string]any{"messages": []any{msg("role", "user", "content", "a"), msg("role", "human", "content", "b")}}, `input.messages[1]: role "human" is not one of system, user, assistant, tool`, 0},
		{"no role", map[string]any{"messages": []any{msg("content", "b")}}, "input.messages[0]: role null is not one of system, user, assistant, tool", 0},
		{"unknown key", map[string]any{"messages": []any{msg("role", "user", "content", "a", "text", "b")}}, `input.messages[0]: unknown key "text": a message has the keys role, content, tool_calls, tool_call_id, is_error`, 0},
		{"a tool call and its result", map[string]any{"messages": []any{msg("role", "user", "content", "u"), call("c1"), msg("role", "tool", "content", "42", "tool_call_id", "c1", "is_error", false)}}, "", 3},
		{"tool calls on a user message", map[string]any{"messages": []any{msg("role", "user", "content", "u", "tool_calls", []any{})}}, "input.messages[0]: only an assistant message has tool_calls; this one's role is user", 0},
		{"tool_call_id on an assistant message", map[string]any{"messages": []any{msg("role", "assistant", "content", "a", "tool_call_id", "c1")}}, "input.messages[0]: only a tool message has tool_call_id; this one's role is assistant", 0},
		{"a tool message without its id", map[string]any{"messages": []any{call("c1"), msg("role", "tool", "content", "42")}}, "input.messages[1]: a tool message needs tool_call_id", 0},
		{"a tool result before its call", map[string]any{"messages": []any{msg("role", "tool", "content", "42", "tool_call_id", "c1"), call("c1")}}, `input.messages[0]: tool_call_id "c1" answers no tool call of an earlier assistant message`, 0},
		{"a call id used twice", map[string]any{"messages": []any{call("c1"), call("c1")}}, `input.messages[1]: tool_calls[0]: id "c1" is used by an earlier tool call`, 0},
		{"a call without a name", map[string]any{"messages": []any{msg("role", "assistant", "tool_calls", []any{map[string]any{"id": "c1"}})}}, "input.messages[0]: tool_calls[0] needs a string id and name", 0},
		{"a call in the OpenAI form", map[string]any{"messages": []any{msg("role", "assistant", "tool_calls", []any{map[string]any{"id": "c1", "type": "function", "function": map[string]any{}}})}}, `input.messages[0]: tool_calls[0]: unknown key "function": a tool call has the keys id, name and arguments`, 0},
		{"is_error not a boolean", map[string]any{"messages": []any{call("c1"), msg("role", "tool", "content", "x", "tool_call_id", "c1", "is_error", "yes")}}, "input.messages[1]: is_error must be true or false, not a string", 0},
		{"no content", map[string]any{"messages": []any{msg("role", "user")}}, "input.messages[0]: the user message: it has no content: give content a string", 0},
		{"content a number", map[string]any{"messages": []any{msg("role", "user", "content", 3.0)}}, "input.messages[0]: the user message: content must be a string or a list of text parts, not a number", 0},
		{"an image part", map[string]any{"messages": []any{msg("role", "user", "content", []any{map[string]any{"type": "image", "image": "x.png"}})}}, "input.messages[0]: the user message: content[0] must be a text part {type: text, text: \"...\"}, not an object", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Conversation(tt.input)
			if tt.want == "" {
				if err != nil || len(got) != tt.n {
					t.Fatalf("Conversation = %v, %v; want %d messages", got, err, tt.n)
				}
				return
			}
			if err == nil || err.Error() != tt.want && !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestConversationErrorNamesThePrompt: a task given a malformed conversation
// fails the case with the prompt's name and the message at fault.
func TestConversationErrorNamesThePrompt(t *testing.T) {
	t.Parallel()
	c, err := CompilePrompt(conversationPrompt(), RoleTask)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Render(&Request{Input: map[string]any{"shop": "Acme", "messages": []any{map[string]any{"role": "bot", "content": "x"}}}}, nil)
	want := `prompt "support" (support.prompt.yaml): input.messages[0]: role "bot" is not one of system, user, assistant, tool`
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
	if r, err := c.Render(&Request{Input: map[string]any{"shop": "Acme"}}, nil); err != nil || !reflect.DeepEqual(len(r.Messages), 1) {
		t.Errorf("not a conversation: %+v %v", r.Messages, err)
	}
}

// TestConversationOnAnthropic sends a conversation case to a server speaking
// Anthropic's messages API: the prompt's system message becomes `system`
// and the conversation the `messages`, in order.
func TestConversationOnAnthropic(t *testing.T) {
	t.Parallel()
	fn, got := anthropicConversation(t, "Order 42 shipped.")
	out, err := fn.Call(context.Background(), &Request{Input: map[string]any{"shop": "Acme", "messages": []any{
		map[string]any{"role": "user", "content": "Where is my order?"},
		map[string]any{"role": "assistant", "content": "Which one?"},
		map[string]any{"role": "user", "content": "42"},
	}}})
	if err != nil || out != "Order 42 shipped." {
		t.Fatalf("output %#v, %v", out, err)
	}
	system, _ := json.Marshal((*got)["system"])
	msgs, _ := json.Marshal((*got)["messages"])
	if !strings.Contains(string(system), "You are the support agent of Acme.") {
		t.Errorf("system %s", system)
	}
	want := `[{"content":[{"text":"Where is my order?","type":"text"}],"role":"user"},{"content":[{"text":"Which one?","type":"text"}],"role":"assistant"},{"content":[{"text":"42","type":"text"}],"role":"user"}]`
	if string(msgs) != want {
		t.Errorf("messages\n%s\nwant\n%s", msgs, want)
	}
}

// toolConversation is a conversation whose assistant called a tool, with the
// tool's answer, in the shape of a stored transcript.
func toolConversation() map[string]any {
	return map[string]any{"shop": "Acme", "messages": []any{
		map[string]any{"role": "user", "content": "Where is order 42?"},
		map[string]any{"role": "assistant", "tool_calls": []any{map[string]any{"id": "call_1", "name": "lookup_order", "arguments": map[string]any{"order": 42.0}}}},
		map[string]any{"role": "tool", "tool_call_id": "call_1", "content": `{"status":"shipped"}`},
	}}
}

// TestConversationWithToolCallsOnOpenAI sends a conversation holding a tool
// call and its result to a real OpenAI-compatible server: the assistant's
// call goes as tool_calls with its arguments as JSON text, the result as a
// tool message naming the call.
func TestConversationWithToolCallsOnOpenAI(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t, func(int) (int, string) { return 200, completion("It shipped.") })
	fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: conversationPrompt()}, Options{LLM: testLLM(t, srv.URL, nil)})
	if out, err := fn.Call(context.Background(), &Request{Input: toolConversation()}); err != nil || out != "It shipped." {
		t.Fatalf("output %#v, %v", out, err)
	}
	msgs, _ := srv.requests()[0]["messages"].([]any)
	if len(msgs) != 4 {
		t.Fatalf("sent %d messages, want 4: %v", len(msgs), msgs)
	}
	call, _ := json.Marshal(msgs[2])
	for _, want := range []string{`"role":"assistant"`, `"id":"call_1"`, `"name":"lookup_order"`, `"arguments":"{\"order\":42}"`} {
		if !strings.Contains(string(call), want) {
			t.Errorf("assistant message %s: no %s", call, want)
		}
	}
	result, _ := json.Marshal(msgs[3])
	for _, want := range []string{`"role":"tool"`, `"tool_call_id":"call_1"`, `shipped`} {
		if !strings.Contains(string(result), want) {
			t.Errorf("tool message %s: no %s", result, want)
		}
	}
}

// TestConversationWithToolCallsOnAnthropic sends the same conversation to a
// server speaking Anthropic's Messages API: the call is a tool_use block and
// the result a tool_result block of a user message.
func TestConversationWithToolCallsOnAnthropic(t *testing.T) {
	t.Parallel()
	fn, got := anthropicConversation(t, "It shipped.")
	if out, err := fn.Call(context.Background(), &Request{Input: toolConversation()}); err != nil || out != "It shipped." {
		t.Fatalf("output %#v, %v", out, err)
	}
	msgs, _ := json.Marshal((*got)["messages"])
	for _, want := range []string{`"type":"tool_use"`, `"id":"call_1"`, `"name":"lookup_order"`, `"input":{"order":42}`, `"type":"tool_result"`, `"tool_use_id":"call_1"`} {
		if !strings.Contains(string(msgs), want) {
			t.Errorf("messages %s: no %s", msgs, want)
		}
	}
}

// anthropicConversation is the conversation prompt as a function whose model
// is a real server speaking Anthropic's messages API, answering answer; the
// map it returns holds the last request the server received.
func anthropicConversation(t *testing.T, answer string) (Function, *map[string]any) {
	t.Helper()
	got := &map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(got)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
			"content": []any{map[string]any{"type": "text", "text": answer}}, "stop_reason": "end_turn", "stop_sequence": nil,
			"usage": map[string]any{"input_tokens": 30, "output_tokens": 5}})
	}))
	t.Cleanup(srv.Close)
	client, err := llm.NewClient(llm.Config{
		Providers: map[string]llm.ProviderConfig{"claude": {Type: llm.TypeAnthropic, BaseURL: srv.URL, APIKeyEnv: "K"}},
		Env:       map[string]string{"K": "sk-ant-test"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p := conversationPrompt()
	p.Model = "claude/claude-haiku-4-5"
	p.Params = map[string]any{"max_tokens": 100}
	return mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: p}, Options{LLM: client}), got
}
