package view

import "encoding/json"

// transcriptMessage is one message of an agent task's transcript as the
// case page shows it.
type transcriptMessage struct {
	Role       string         `json:"role"`
	Content    string         `json:"content"`
	ToolCalls  []toolCallView `json:"-"`
	ToolCallID string         `json:"tool_call_id"`
	IsError    bool           `json:"is_error"`
}

// toolCallView is one tool call of an assistant message: its arguments as
// compact JSON.
type toolCallView struct {
	ID        string
	Name      string
	Arguments string
}

// transcriptOf decodes a row's transcript (store.Row.Messages); nil when the
// row has none or it does not decode.
func transcriptOf(raw json.RawMessage) []transcriptMessage {
	var msgs []struct {
		transcriptMessage
		Calls []struct {
			ID        string          `json:"id"`
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"tool_calls"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &msgs) != nil {
		return nil
	}
	out := make([]transcriptMessage, len(msgs))
	for i, m := range msgs {
		out[i] = m.transcriptMessage
		for _, c := range m.Calls {
			out[i].ToolCalls = append(out[i].ToolCalls, toolCallView{ID: c.ID, Name: c.Name, Arguments: string(c.Arguments)})
		}
	}
	return out
}
