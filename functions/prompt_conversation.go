package functions

import (
	"encoding/json"
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
var conversationRoles = []string{llm.RoleSystem, llm.RoleUser, llm.RoleAssistant, llm.RoleTool}

// conversationKeys are the keys of a conversation message: the shape of a
// row's stored transcript, so that a transcript can be a case's input.
var conversationKeys = []string{"role", "content", "tool_calls", "tool_call_id", "is_error"}

// Conversation returns the messages of a conversation case, each checked: a
// {role, content} object whose role is system, user, assistant or tool and
// whose content is a string or a list of {type: text, text} parts; an
// assistant message may carry tool_calls ({id, name, arguments}) and a tool
// message answers one of them by tool_call_id. It returns nil and no error
// when the input is not a conversation (not an object with a `messages` key).
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
	calls := map[string]bool{} // ids of the tool calls asked for so far
	for i, item := range list {
		m, err := conversationMessage(item, calls)
		if err != nil {
			return nil, fmt.Errorf("input.messages[%d]: %w", i, err)
		}
		out[i] = m
	}
	return out, nil
}

// conversationMessage checks one message of a conversation; calls holds the
// ids of the tool calls of the messages before it, and gains this one's.
func conversationMessage(item any, calls map[string]bool) (map[string]any, error) {
	m, ok := item.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a message is an object {role, content}, not %s", kindOf(item))
	}
	for _, k := range sortedKeys(m) {
		if !slices.Contains(conversationKeys, k) {
			return nil, fmt.Errorf("unknown key %q: a message has the keys %s", k, strings.Join(conversationKeys, ", "))
		}
	}
	role, _ := m["role"].(string)
	if !slices.Contains(conversationRoles, role) {
		return nil, fmt.Errorf("role %s is not one of %s", quoteOrKind(m["role"]), strings.Join(conversationRoles, ", "))
	}
	if err := checkToolKeys(m, role, calls); err != nil {
		return nil, err
	}
	if _, err := conversationContent(m["content"]); err != nil && !(role == llm.RoleAssistant && m["content"] == nil && m["tool_calls"] != nil) {
		return nil, fmt.Errorf("the %s message: %w", role, err)
	}
	return m, nil
}

// checkToolKeys checks the tool keys of a message: tool_calls only on an
// assistant message, each {id, name, arguments} with an id not used before;
// tool_call_id (required) and is_error only on a tool message, answering a
// call asked for earlier.
func checkToolKeys(m map[string]any, role string, calls map[string]bool) error {
	if _, ok := m["tool_calls"]; ok && role != llm.RoleAssistant {
		return fmt.Errorf("only an assistant message has tool_calls; this one's role is %s", role)
	}
	if role != llm.RoleTool {
		for _, k := range []string{"tool_call_id", "is_error"} {
			if _, ok := m[k]; ok {
				return fmt.Errorf("only a tool message has %s; this one's role is %s", k, role)
			}
		}
	}
	switch role {
	case llm.RoleAssistant:
		return checkToolCalls(m["tool_calls"], calls)
	case llm.RoleTool:
		id, _ := m["tool_call_id"].(string)
		if id == "" {
			return errors.New("a tool message needs tool_call_id, the id of the assistant's tool call it answers")
		}
		if !calls[id] {
			return fmt.Errorf("tool_call_id %q answers no tool call of an earlier assistant message", id)
		}
		if v, ok := m["is_error"]; ok {
			if _, isBool := v.(bool); !isBool {
				return fmt.Errorf("is_error must be true or false, not %s", kindOf(v))
			}
		}
	}
	return nil
}

// checkToolCalls checks an assistant message's tool_calls and records their ids.
func checkToolCalls(v any, calls map[string]bool) error {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		return fmt.Errorf("tool_calls must be a list of {id, name, arguments}, not %s", kindOf(v))
	}
	for j, item := range list {
		c, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("tool_calls[%d] must be an object {id, name, arguments}, not %s", j, kindOf(item))
		}
		for _, k := range sortedKeys(c) {
			if k != "id" && k != "name" && k != "arguments" {
				return fmt.Errorf("tool_calls[%d]: unknown key %q: a tool call has the keys id, name and arguments", j, k)
			}
		}
		id, _ := c["id"].(string)
		name, _ := c["name"].(string)
		if id == "" || name == "" {
			return fmt.Errorf("tool_calls[%d] needs a string id and name", j)
		}
		if calls[id] {
			return fmt.Errorf("tool_calls[%d]: id %q is used by an earlier tool call: give each call its own id", j, id)
		}
		calls[id] = true
	}
	return nil
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
		msgs = append(msgs, conversationLLMMessage(m))
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

// conversationLLMMessage is a checked conversation message as it is sent.
func conversationLLMMessage(m map[string]any) llm.Message {
	msg, _ := conversationContent(m["content"])
	msg.Role = m["role"].(string)
	msg.ToolCallID, _ = m["tool_call_id"].(string)
	msg.IsError, _ = m["is_error"].(bool)
	list, _ := m["tool_calls"].([]any)
	for _, item := range list {
		c := item.(map[string]any)
		args, err := json.Marshal(c["arguments"])
		if err != nil || c["arguments"] == nil {
			args = []byte("{}")
		}
		msg.ToolCalls = append(msg.ToolCalls, llm.ToolCall{ID: c["id"].(string), Name: c["name"].(string), Arguments: args})
	}
	return msg
}
