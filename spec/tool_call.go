package spec

// ToolCall is one call of a tool made by the model during an agent task, as
// scorers see it in `tool_calls`: the tool's name, the arguments the model
// gave, what the tool answered (or its error) and the model turn, from 1, in
// which the model asked for it.
type ToolCall struct {
	Name      string `json:"name" expr:"name"`
	Arguments any    `json:"arguments" expr:"arguments"`
	Result    any    `json:"result,omitempty" expr:"result"`
	Error     string `json:"error,omitempty" expr:"error"`
	Turn      int    `json:"turn" expr:"turn"`
}
