package llm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// DefaultAnthropicMaxTokens is the max_tokens sent to Anthropic, which
// requires one, when the request sets none.
const DefaultAnthropicMaxTokens = 4096

// anthropicBackend speaks the Anthropic messages API.
type anthropicBackend struct {
	svc anthropic.MessageService
}

// newAnthropic builds the messages service of a provider. The SDK's
// environment defaults (ANTHROPIC_* variables, profiles) are not read: the
// service is made from explicit options, with the SDK's retries off.
func newAnthropic(p *provider, hc *http.Client) backend {
	opts := []option.RequestOption{
		option.WithBaseURL(strings.TrimSuffix(p.baseURL, "/") + "/"),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
		option.WithRequestTimeout(p.timeout),
	}
	if p.key != "" {
		opts = append(opts, option.WithAPIKey(p.key))
	}
	for _, k := range sortedNames(p.headers) {
		opts = append(opts, option.WithHeader(k, p.headers[k]))
	}
	return &anthropicBackend{svc: anthropic.NewMessageService(opts...)}
}

func (b *anthropicBackend) send(ctx context.Context, model string, req *ChatRequest, at *attempt) (*ChatResponse, error) {
	res, err := b.svc.New(ctx, anthropicParams(model, req), option.WithMiddleware(at.capture))
	if err != nil {
		return nil, err
	}
	if res.Type != "" && res.Type != "message" {
		return nil, &malformedError{msg: "the answer is not a message (type " + string(res.Type) + ")"}
	}
	u := res.Usage
	out := &ChatResponse{
		FinishReason: string(res.StopReason),
		Model:        string(res.Model),
		Usage: Usage{
			PromptTokens:     int(u.InputTokens + u.CacheCreationInputTokens + u.CacheReadInputTokens),
			CompletionTokens: int(u.OutputTokens),
		},
	}
	var text strings.Builder
	for _, block := range res.Content {
		switch block.Type {
		case "text":
			text.WriteString(block.Text)
		case "tool_use":
			args := json.RawMessage(block.Input)
			if len(args) == 0 {
				args = json.RawMessage("{}")
			}
			out.ToolCalls = append(out.ToolCalls, ToolCall{ID: block.ID, Name: block.Name, Arguments: args})
		}
	}
	out.Content = text.String()
	return out, nil
}

// anthropicParams maps a request to the messages body: system messages go to
// `system`, tools to Anthropic tools, tool_choice required to "any".
func anthropicParams(model string, req *ChatRequest) anthropic.MessageNewParams {
	params := anthropic.MessageNewParams{Model: anthropic.Model(model), MaxTokens: DefaultAnthropicMaxTokens}
	for _, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			params.System = append(params.System, anthropic.TextBlockParam{Text: m.text()})
		case RoleAssistant:
			params.Messages = append(params.Messages, anthropicAssistant(m))
		case RoleTool:
			// The results of one turn's calls go back in one user message.
			block := anthropic.NewToolResultBlock(m.ToolCallID, m.Content, m.IsError)
			if n := len(params.Messages); n > 0 && lastIsToolResults(params.Messages[n-1]) {
				params.Messages[n-1].Content = append(params.Messages[n-1].Content, block)
				continue
			}
			params.Messages = append(params.Messages, anthropic.NewUserMessage(block))
		default:
			params.Messages = append(params.Messages, anthropic.NewUserMessage(anthropicBlocks(m)...))
		}
	}
	p := req.Params
	if p.MaxTokens != nil {
		params.MaxTokens = int64(*p.MaxTokens)
	}
	if p.Temperature != nil {
		params.Temperature = anthropic.Float(*p.Temperature)
	}
	if p.TopP != nil {
		params.TopP = anthropic.Float(*p.TopP)
	}
	if len(p.Stop) > 0 {
		params.StopSequences = p.Stop
	}
	for _, t := range req.Tools {
		tp := anthropic.ToolParam{Name: t.Name, InputSchema: inputSchema(t.Parameters)}
		if t.Description != "" {
			tp.Description = anthropic.String(t.Description)
		}
		params.Tools = append(params.Tools, anthropic.ToolUnionParam{OfTool: &tp})
	}
	switch tc := req.ToolChoice; tc {
	case "":
	case ToolChoiceAuto:
		params.ToolChoice = anthropic.ToolChoiceUnionParam{OfAuto: &anthropic.ToolChoiceAutoParam{}}
	case ToolChoiceNone:
		params.ToolChoice = anthropic.ToolChoiceUnionParam{OfNone: &anthropic.ToolChoiceNoneParam{}}
	case ToolChoiceRequired:
		params.ToolChoice = anthropic.ToolChoiceUnionParam{OfAny: &anthropic.ToolChoiceAnyParam{}}
	default:
		params.ToolChoice = anthropic.ToolChoiceParamOfTool(tc)
	}
	if f := req.ResponseFormat; f != nil && f.Type == FormatJSONSchema {
		params.OutputConfig.Format = anthropic.JSONOutputFormatParam{Schema: f.Schema}
	}
	if len(p.Extra) > 0 {
		params.SetExtraFields(p.Extra)
	}
	return params
}

// inputSchema maps a tool's parameter schema, keeping its properties as raw
// JSON so that their order is sent as written.
func inputSchema(raw json.RawMessage) anthropic.ToolInputSchemaParam {
	var s anthropic.ToolInputSchemaParam
	var top map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &top) != nil {
		s.Properties = map[string]any{}
		return s
	}
	for k, v := range top {
		switch k {
		case "type":
		case "properties":
			s.Properties = v
		case "required":
			_ = json.Unmarshal(v, &s.Required)
		default:
			if s.ExtraFields == nil {
				s.ExtraFields = map[string]any{}
			}
			s.ExtraFields[k] = v
		}
	}
	return s
}

// anthropicAssistant maps an assistant message: its text, then a tool_use
// block per tool call.
func anthropicAssistant(m Message) anthropic.MessageParam {
	var blocks []anthropic.ContentBlockParamUnion
	if t := m.text(); t != "" || len(m.ToolCalls) == 0 {
		blocks = append(blocks, anthropic.NewTextBlock(t))
	}
	for _, tc := range m.ToolCalls {
		args := tc.Arguments
		if len(args) == 0 || !json.Valid(args) {
			args = json.RawMessage("{}")
		}
		blocks = append(blocks, anthropic.NewToolUseBlock(tc.ID, args, tc.Name))
	}
	return anthropic.NewAssistantMessage(blocks...)
}

// lastIsToolResults reports a user message made of tool_result blocks.
func lastIsToolResults(m anthropic.MessageParam) bool {
	if m.Role != anthropic.MessageParamRoleUser || len(m.Content) == 0 {
		return false
	}
	for _, b := range m.Content {
		if b.OfToolResult == nil {
			return false
		}
	}
	return true
}

// anthropicBlocks maps a user message to content blocks: its text, or its
// parts, images as base64 image blocks.
func anthropicBlocks(m Message) []anthropic.ContentBlockParamUnion {
	if len(m.Parts) == 0 {
		return []anthropic.ContentBlockParamUnion{anthropic.NewTextBlock(m.Content)}
	}
	out := make([]anthropic.ContentBlockParamUnion, len(m.Parts))
	for i, p := range m.Parts {
		if p.Type == PartImage {
			out[i] = anthropic.NewImageBlockBase64(p.MediaType, base64.StdEncoding.EncodeToString(p.Data))
			continue
		}
		out[i] = anthropic.NewTextBlock(p.Text)
	}
	return out
}
