package functions

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/llm"
)

// A conversation case is one whose input is an object with a `messages` key:
// `input: {messages: [{role: user, content: "..."}, ...]}`. A prompt task
// sends those messages after its own, so that its system message (and any
// fixed turns) come first and the conversation continues from the case's
// last message. Its other keys stay template variables as usual.

// conversationRoles are the roles a conversation's messages may have.
var conversationRoles = []string{llm.RoleSystem, llm.RoleUser, llm.RoleAssistant}

// conversationKeys are the keys of a conversation message.
var conversationKeys = []string{"role", "content"}

// Conversation returns the messages of a conversation case, each checked: a
// {role, content} object whose role is system, user or assistant and whose
// content is a string or a list of {type: text, text} parts. It returns nil
// and no error when the input is not a conversation (not an object with a
// `messages` key).
func Conversation(input any) ([]map[string]any, error) {
	in, ok := input.(map[string]any)
	if !ok {
		return nil, nil
	}
	raw, ok := in["messages"]
	if !ok {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("input.messages must be a list of {role, content} messages, not %s", kindOf(raw))
	}
	if len(list) == 0 {
		return nil, errors.New("input.messages is empty: give the conversation at least one {role, content} message, or remove the messages key")
	}
	out := make([]map[string]any, len(list))
	for i, item := range list {
		m, err := conversationMessage(item)
		if err != nil {
			return nil, fmt.Errorf("input.messages[%d]: %w", i, err)
		}
		out[i] = m
	}
	return out, nil
}

// conversationMessage checks one message of a conversation.
func conversationMessage(item any) (map[string]any, error) {
	m, ok := item.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a message is an object {role, content}, not %s", kindOf(item))
	}
	for _, k := range sortedKeys(m) {
		if slices.Contains(conversationKeys, k) {
			continue
		}
		if k == "tool_calls" || k == "tool_call_id" || k == "name" {
			return nil, fmt.Errorf("%q is not supported in a conversation input: its messages are text turns {role, content} of system, user and assistant", k)
		}
		return nil, fmt.Errorf("unknown key %q: a message has the keys role and content", k)
	}
	role, _ := m["role"].(string)
	if !slices.Contains(conversationRoles, role) {
		return nil, fmt.Errorf("role %s is not one of %s", quoteOrKind(m["role"]), strings.Join(conversationRoles, ", "))
	}
	if _, err := conversationContent(m["content"]); err != nil {
		return nil, fmt.Errorf("the %s message: %w", role, err)
	}
	return m, nil
}

// conversationContent reads a message's content: a string, or a list of
// text parts. Parts are kept as parts.
func conversationContent(v any) (llm.Message, error) {
	switch c := v.(type) {
	case string:
		return llm.Message{Content: c}, nil
	case []any:
		var msg llm.Message
		for j, p := range c {
			part, ok := p.(map[string]any)
			text, isText := part["text"].(string)
			if !ok || part["type"] != llm.PartText || !isText || len(part) != 2 {
				return llm.Message{}, fmt.Errorf("content[%d] must be a text part {type: text, text: \"...\"}, not %s", j, kindOf(p))
			}
			msg.Parts = append(msg.Parts, llm.Part{Type: llm.PartText, Text: text})
		}
		return msg, nil
	case nil:
		return llm.Message{}, errors.New("it has no content: give content a string")
	}
	return llm.Message{}, fmt.Errorf("content must be a string or a list of text parts, not %s", kindOf(v))
}

// appendConversation appends the messages of a conversation case to the
// messages a task prompt rendered. A scorer's prompt (a judge) renders the
// conversation with {{messages}} instead.
func (p *Prompt) appendConversation(msgs []llm.Message, req *Request) ([]llm.Message, error) {
	if p.role != RoleTask {
		return msgs, nil
	}
	conv, err := Conversation(req.Input)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", promptName(p.spec), err)
	}
	for _, m := range conv {
		msg, _ := conversationContent(m["content"])
		msg.Role = m["role"].(string)
		msgs = append(msgs, msg)
	}
	return msgs, nil
}

func quoteOrKind(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return kindOf(v)
}

// kindOf names the JSON kind of a value for an error message.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	if rv := reflect.ValueOf(v); rv.CanInt() || rv.CanUint() || rv.CanFloat() {
		return "a number"
	}
	return fmt.Sprintf("a value of type %T", v)
}
