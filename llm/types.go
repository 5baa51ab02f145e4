// Package llm sends chat requests to model providers: the OpenAI chat
// completions API (and every OpenAI-compatible server: vLLM, Ollama,
// llama.cpp, Azure, OpenRouter...) through github.com/openai/openai-go, and the
// Anthropic messages API through github.com/anthropics/anthropic-sdk-go.
//
// A Client adds what an evaluation needs around the SDKs: retries with
// exponential backoff and full jitter on 429, 5xx, connection errors and
// timeouts (honouring Retry-After); per-provider limits on concurrent calls
// and requests per minute; a response cache keyed by the full request; token
// usage and an estimated cost from a price table. The SDKs' own retries are
// off, and neither an API key nor a header value ever appears in an error, a
// span or a cache entry.
//
// The package depends on the SDKs and the standard library only: its types
// are its own, and the packages that render prompts (functions, scorers) map
// them to spans and scores.
package llm

import (
	"encoding/json"
	"time"
)

// Roles of chat messages.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
	// RoleTool is the result of a tool call, sent back to the model: an
	// OpenAI `role: tool` message, an Anthropic `tool_result` block.
	RoleTool = "tool"
)

// Message is one chat message: a text, or a list of parts (texts and
// images) when Parts is not empty. An assistant message may carry the tool
// calls the model made; a tool message answers one of them by its id.
type Message struct {
	Role      string     `json:"role"`
	Content   string     `json:"content"`
	Parts     []Part     `json:"parts,omitempty"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"` // an assistant message's calls
	// ToolCallID is the id of the call a tool message answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
	// IsError marks a tool message whose content is the tool's error.
	IsError bool `json:"is_error,omitempty"`
}

// Params are the sampling parameters of a request. Nil and empty fields are
// not sent. A provider that does not know a parameter ignores it: Anthropic
// has no seed, penalties or reasoning_effort.
type Params struct {
	Temperature      *float64 `json:"temperature,omitempty"`
	MaxTokens        *int     `json:"max_tokens,omitempty"`
	TopP             *float64 `json:"top_p,omitempty"`
	Stop             []string `json:"stop,omitempty"`
	Seed             *int64   `json:"seed,omitempty"`
	PresencePenalty  *float64 `json:"presence_penalty,omitempty"`
	FrequencyPenalty *float64 `json:"frequency_penalty,omitempty"`
	ReasoningEffort  string   `json:"reasoning_effort,omitempty"`
	// Extra holds provider-specific fields of the request body, sent as they are.
	Extra map[string]any `json:"extra,omitempty"`
}

// Tool is a function the model may call.
type Tool struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Parameters is the JSON Schema of the arguments, an object schema. Its
	// text is sent as it is, so the order of properties is kept (a judge's
	// "reasons" come before its "choice"). Nil means no arguments.
	Parameters json.RawMessage `json:"parameters,omitempty"`
}

// Response formats.
const (
	FormatText       = "text"
	FormatJSONObject = "json_object"
	FormatJSONSchema = "json_schema"
)

// ResponseFormat asks for a JSON answer, optionally matching a schema.
type ResponseFormat struct {
	Type   string         `json:"type"` // text, json_object or json_schema
	Name   string         `json:"name,omitempty"`
	Schema map[string]any `json:"schema,omitempty"`
	Strict *bool          `json:"strict,omitempty"`
}

// IsJSON reports whether the format asks for a JSON answer.
func (f *ResponseFormat) IsJSON() bool {
	return f != nil && (f.Type == FormatJSONObject || f.Type == FormatJSONSchema)
}

// Tool choices besides the name of a tool.
const (
	ToolChoiceAuto     = "auto"
	ToolChoiceNone     = "none"
	ToolChoiceRequired = "required"
)

// ChatRequest is one chat call.
type ChatRequest struct {
	// Model is "provider/model", e.g. "openai/gpt-4o-mini": the provider is a
	// built-in one (openai, anthropic) or one of Config.Providers, and the
	// rest (which may hold more slashes) is the provider's model name.
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
	Params   Params    `json:"params"`
	Tools    []Tool    `json:"tools,omitempty"`
	// ToolChoice is "" (the provider's default), auto, none, required or the
	// name of the tool the model must call.
	ToolChoice     string          `json:"tool_choice,omitempty"`
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
	// Trial is the trial index of the case: trials of one case are different
	// requests for the cache, so that each trial gets its own answer.
	Trial int `json:"trial"`
}

// ToolCall is a call of a tool by the model.
type ToolCall struct {
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"` // a JSON value; a JSON string when the model wrote invalid JSON
}

// Usage counts the tokens of a call.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// Tokens is the sum of prompt and completion tokens.
func (u Usage) Tokens() int { return u.PromptTokens + u.CompletionTokens }

// ChatResponse is the answer to a ChatRequest.
type ChatResponse struct {
	Content      string     `json:"content"`
	ToolCalls    []ToolCall `json:"tool_calls,omitempty"`
	FinishReason string     `json:"finish_reason,omitempty"`
	Model        string     `json:"model,omitempty"` // the model that answered, as the provider names it
	Usage        Usage      `json:"usage"`
	// Latency is the time Chat took, retries and backoff included; zero for
	// an answer from the cache.
	Latency time.Duration `json:"-"`
	// Attempts is the number of requests sent: 1 without retries, 0 when the
	// answer came from the cache.
	Attempts int `json:"-"`
	// Cached reports an answer from the cache: nothing was sent.
	Cached bool `json:"-"`
	// Cost is the estimated cost in USD of this call from the price table; 0
	// for a cached answer (nothing was spent) and for a model without a price.
	Cost float64 `json:"-"`
	// Priced reports whether the model has a price (built in or configured):
	// when false, Cost is 0 and the caller may warn that costs are missing.
	Priced bool `json:"-"`
}
