package functions

import (
	"context"
	"encoding/json"
	"io"
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
		{"unknown role", map[string]any{"messages": []any{msg("role", "user", "content", "a"), msg("role", "human", "content", "b")}}, `input.messages[1]: role "human" is not one of system, user, assistant`, 0},
		{"no role", map[string]any{"messages": []any{msg("content", "b")}}, "input.messages[0]: role null is not one of system, user, assistant", 0},
		{"unknown key", map[string]any{"messages": []any{msg("role", "user", "content", "a", "text", "b")}}, `input.messages[0]: unknown key "text": a message has the keys role and content`, 0},
		{"tool calls", map[string]any{"messages": []any{msg("role", "assistant", "content", "", "tool_calls", []any{})}}, `input.messages[0]: "tool_calls" is not supported in a conversation input`, 0},
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
	want := `prompt "support" (support.prompt.yaml): input.messages[0]: role "bot" is not one of system, user, assistant`
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
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
			"content": [{"type": "text", "text": "Order 42 shipped."}], "stop_reason": "end_turn", "stop_sequence": null,
			"usage": {"input_tokens": 30, "output_tokens": 5}}`)
	}))
	defer srv.Close()
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
	fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: p}, Options{LLM: client})
	out, err := fn.Call(context.Background(), &Request{Input: map[string]any{"shop": "Acme", "messages": []any{
		map[string]any{"role": "user", "content": "Where is my order?"},
		map[string]any{"role": "assistant", "content": "Which one?"},
		map[string]any{"role": "user", "content": "42"},
	}}})
	if err != nil || out != "Order 42 shipped." {
		t.Fatalf("output %#v, %v", out, err)
	}
	system, _ := json.Marshal(got["system"])
	msgs, _ := json.Marshal(got["messages"])
	if !strings.Contains(string(system), "You are the support agent of Acme.") {
		t.Errorf("system %s", system)
	}
	want := `[{"content":[{"text":"Where is my order?","type":"text"}],"role":"user"},{"content":[{"text":"Which one?","type":"text"}],"role":"assistant"},{"content":[{"text":"42","type":"text"}],"role":"user"}]`
	if string(msgs) != want {
		t.Errorf("messages\n%s\nwant\n%s", msgs, want)
	}
}
