package scorers

import (
	"fmt"
	"strings"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/spec"
)

// conversationJudge is the built-in judge of a whole conversation: the
// transcript ({{messages}}) against with.criteria, Y 1 or N 0, as closed_qa
// judges one answer. It is listed in builtinJudges.
var conversationJudge = builtinJudge{
	name: "conversation_judge", choices: choices("Y", 1.0, "N", 0.0), args: []string{"criteria"},
	template: `You are judging a conversation between a user and an AI assistant against a criterion.

[Conversation]
{{messages}}

[Criterion]
{{criteria}}

Judge the assistant's part of the whole conversation, including the tools it called and what they answered. Does it meet the criterion? Choose Y if it does, N if it does not.`,
}

// transcriptVar is the template variable of judges that holds the transcript.
const transcriptVar = "messages"

// withTranscript returns the template variables of a judge with the
// transcript of the case added as {{messages}}, unless with.vars sets it. out
// is the output being judged.
func withTranscript(vars map[string]any, env *spec.ScorerEnv, out any) map[string]any {
	if _, set := vars[transcriptVar]; set {
		return vars
	}
	withT := make(map[string]any, len(vars)+1)
	for k, v := range vars {
		withT[k] = v
	}
	withT[transcriptVar] = Transcript(transcriptOf(env, out))
	return withT
}

// transcriptOf returns the messages of a case: the transcript an agent task
// recorded; else the conversation of the input (or the input as one user
// message) followed by the output as the assistant's answer (its tool calls,
// when the output is the tool calls of a one-turn prompt).
func transcriptOf(env *spec.ScorerEnv, out any) []map[string]any {
	if len(env.Messages) > 0 {
		return env.Messages
	}
	var msgs []map[string]any
	if conv, err := functions.Conversation(env.Input); err == nil && conv != nil {
		msgs = append(msgs, conv...)
	} else if env.Input != nil {
		msgs = append(msgs, map[string]any{"role": "user", "content": env.Input})
	}
	if out == nil {
		return msgs
	}
	if looksLikeCalls(out) {
		if calls, err := parseCalls(out, false); err == nil && len(calls) > 0 {
			return append(msgs, map[string]any{"role": "assistant", "tool_calls": callViews(calls)})
		}
	}
	return append(msgs, map[string]any{"role": "assistant", "content": out})
}

// Transcript writes messages as the text a judge reads in {{messages}}: one
// block per message, blocks separated by a blank line. A block starts with
// the role and a colon, then the content: a string as it is, a list of parts
// as their texts one per line (an image as [image]), any other value as
// compact JSON. Each tool call of an assistant message follows on its own
// line as `assistant called NAME ARGUMENTS` (arguments as compact JSON). A
// tool message starts `tool NAME:` when the message or the call it answers
// names the tool.
//
//	user: Where is order 42?
//
//	assistant called lookup_order {"id":42}
//
//	tool lookup_order: {"status":"shipped"}
//
//	assistant: It shipped yesterday.
func Transcript(messages []map[string]any) string {
	names := map[string]string{} // tool call id -> tool name
	blocks := make([]string, 0, len(messages))
	for _, m := range messages {
		role, _ := m["role"].(string)
		if role == "" {
			role = "unknown"
		}
		var b strings.Builder
		head := role
		if role == "tool" {
			if n := toolNameOf(m, names); n != "" {
				head += " " + n
			}
		}
		content := contentText(m["content"])
		if content != "" || len(callsOf(m)) == 0 {
			fmt.Fprintf(&b, "%s: %s", head, content)
		}
		for _, c := range callsOf(m) {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "%s called %s %s", role, c.name, jsonText(c.args))
			if c.id != "" {
				names[c.id] = c.name
			}
		}
		blocks = append(blocks, b.String())
	}
	return strings.Join(blocks, "\n\n")
}

// transcriptCall is a tool call of an assistant message, with its id.
type transcriptCall struct {
	id, name string
	args     any
}

// callsOf reads the tool_calls of a message in the shapes parseCall knows,
// keeping their ids; a call it cannot read is written by its JSON.
func callsOf(m map[string]any) []transcriptCall {
	list, _ := normalize(m["tool_calls"]).([]any)
	out := make([]transcriptCall, 0, len(list))
	for _, item := range list {
		c, err := parseCall(item, false)
		if err != nil {
			c = toolCall{name: "?", args: item}
		}
		id, _ := normalize(item).(map[string]any)["id"].(string)
		out = append(out, transcriptCall{id: id, name: c.name, args: c.args})
	}
	return out
}

// toolNameOf is the name of the tool a tool message answers.
func toolNameOf(m map[string]any, names map[string]string) string {
	if n, ok := m["name"].(string); ok && n != "" {
		return n
	}
	id, _ := m["tool_call_id"].(string)
	return names[id]
}

// contentText is the text of a message's content: a list of parts is their
// texts, one per line; any other value that is not a string is its JSON.
func contentText(v any) string {
	switch c := normalize(v).(type) {
	case nil:
		return ""
	case string:
		return c
	case []any:
		if !allParts(c) {
			return jsonText(c)
		}
		lines := make([]string, 0, len(c))
		for _, p := range c {
			part, _ := normalize(p).(map[string]any)
			switch {
			case part["type"] == "text":
				t, _ := part["text"].(string)
				lines = append(lines, t)
			case part["type"] == "image" || part["type"] == "image_url":
				lines = append(lines, "[image]")
			default:
				lines = append(lines, jsonText(p))
			}
		}
		return strings.Join(lines, "\n")
	}
	return jsonText(v)
}

// allParts reports whether every item of a content list is a part, an
// object with a type.
func allParts(list []any) bool {
	for _, p := range list {
		part, ok := normalize(p).(map[string]any)
		if !ok {
			return false
		}
		if _, typed := part["type"].(string); !typed {
			return false
		}
	}
	return true
}
