package llm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"
)

// The SDK's own encoding and decoding of chat completions, as the backend
// used them before it encoded and read the bodies itself: the reference the
// tests compare appendChatBody and decodeChatAnswer with.

// sdkBackend is the chat backend as it was: ChatCompletionService.New with
// the params of openaiParams.
type sdkBackend struct{ svc openai.ChatCompletionService }

func newSDKOpenAI(p *provider, hc *http.Client) backend {
	opts := []option.RequestOption{
		option.WithBaseURL(strings.TrimSuffix(p.baseURL, "/") + "/"),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	if p.key != "" {
		opts = append(opts, option.WithAPIKey(p.key))
	}
	for _, k := range sortedNames(p.headers) {
		opts = append(opts, option.WithHeader(k, p.headers[k]))
	}
	return &sdkBackend{svc: openai.NewChatCompletionService(opts...)}
}

func (b *sdkBackend) send(ctx context.Context, model string, req *ChatRequest, at *attempt) (*ChatResponse, error) {
	res, err := b.svc.New(ctx, openaiParams(model, req), option.WithMiddleware(at.capture))
	if err != nil {
		return nil, err
	}
	// A body of null decoded to no completion, and the backend panicked.
	if res == nil || len(res.Choices) == 0 {
		return nil, &malformedError{msg: "the answer has no choices"}
	}
	ch := res.Choices[0]
	out := &ChatResponse{
		Content:      ch.Message.Content,
		FinishReason: ch.FinishReason,
		Model:        res.Model,
		Usage:        Usage{PromptTokens: int(res.Usage.PromptTokens), CompletionTokens: int(res.Usage.CompletionTokens)},
	}
	if out.Content == "" && ch.Message.Refusal != "" {
		out.Content = ch.Message.Refusal
	}
	for _, tc := range ch.Message.ToolCalls {
		if tc.Type != "" && tc.Type != "function" {
			continue
		}
		out.ToolCalls = append(out.ToolCalls, ToolCall{ID: tc.ID, Name: tc.Function.Name, Arguments: jsonArguments(tc.Function.Arguments)})
	}
	return out, nil
}

// sdkAnswer decodes a completion as the SDK did, into what the backend read
// of it; nil for a body of null.
func sdkAnswer(raw []byte) (*chatAnswer, error) {
	var res *openai.ChatCompletion
	if err := json.NewDecoder(strings.NewReader(string(raw))).Decode(&res); err != nil {
		return nil, err
	}
	if res == nil {
		return nil, nil
	}
	return answerOf(res), nil
}

// openaiParams maps a request to the chat completions body.
func openaiParams(model string, req *ChatRequest) openai.ChatCompletionNewParams {
	params := openai.ChatCompletionNewParams{Model: shared.ChatModel(model)}
	for _, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			params.Messages = append(params.Messages, openai.SystemMessage(m.text()))
		case RoleAssistant:
			params.Messages = append(params.Messages, openaiAssistant(m))
		case RoleTool:
			params.Messages = append(params.Messages, openai.ToolMessage(m.Content, m.ToolCallID))
		default:
			if len(m.Parts) > 0 {
				params.Messages = append(params.Messages, openai.UserMessage(openaiParts(m.Parts)))
				continue
			}
			params.Messages = append(params.Messages, openai.UserMessage(m.Content))
		}
	}
	p := req.Params
	if p.Temperature != nil {
		params.Temperature = openai.Float(*p.Temperature)
	}
	if p.MaxTokens != nil {
		if reasoningModel(model) {
			params.MaxCompletionTokens = openai.Int(int64(*p.MaxTokens))
		} else {
			params.MaxTokens = openai.Int(int64(*p.MaxTokens))
		}
	}
	if p.TopP != nil {
		params.TopP = openai.Float(*p.TopP)
	}
	if len(p.Stop) > 0 {
		params.Stop = openai.ChatCompletionNewParamsStopUnion{OfStringArray: p.Stop}
	}
	if p.Seed != nil {
		params.Seed = openai.Int(*p.Seed)
	}
	if p.PresencePenalty != nil {
		params.PresencePenalty = openai.Float(*p.PresencePenalty)
	}
	if p.FrequencyPenalty != nil {
		params.FrequencyPenalty = openai.Float(*p.FrequencyPenalty)
	}
	if p.ReasoningEffort != "" {
		params.ReasoningEffort = shared.ReasoningEffort(p.ReasoningEffort)
	}
	for _, t := range req.Tools {
		fn := shared.FunctionDefinitionParam{Name: t.Name, Parameters: schemaParam(t.Parameters)}
		if t.Description != "" {
			fn.Description = openai.String(t.Description)
		}
		params.Tools = append(params.Tools, openai.ChatCompletionFunctionTool(fn))
	}
	switch tc := req.ToolChoice; tc {
	case "":
	case ToolChoiceAuto, ToolChoiceNone, ToolChoiceRequired:
		params.ToolChoice = openai.ChatCompletionToolChoiceOptionUnionParam{OfAuto: openai.String(tc)}
	default:
		params.ToolChoice = openai.ToolChoiceOptionFunctionToolChoice(openai.ChatCompletionNamedToolChoiceFunctionParam{Name: tc})
	}
	if f := req.ResponseFormat; f != nil {
		switch f.Type {
		case FormatText:
			params.ResponseFormat.OfText = &shared.ResponseFormatTextParam{}
		case FormatJSONObject:
			params.ResponseFormat.OfJSONObject = &shared.ResponseFormatJSONObjectParam{}
		case FormatJSONSchema:
			js := shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: f.Name, Schema: f.Schema}
			if js.Name == "" {
				js.Name = "response"
			}
			if f.Strict != nil {
				js.Strict = openai.Bool(*f.Strict)
			}
			params.ResponseFormat.OfJSONSchema = &shared.ResponseFormatJSONSchemaParam{JSONSchema: js}
		}
	}
	if len(p.Extra) > 0 {
		params.SetExtraFields(p.Extra)
	}
	return params
}

// schemaParam turns a tool's parameter schema into the SDK's map, keeping
// each top-level value as raw JSON so that the order of properties is sent
// as written. No schema is an object without properties.
func schemaParam(raw json.RawMessage) shared.FunctionParameters {
	out := shared.FunctionParameters{}
	var top map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &top) != nil {
		out["type"] = "object"
		out["properties"] = map[string]any{}
		return out
	}
	for k, v := range top {
		out[k] = v
	}
	return out
}

// openaiAssistant maps an assistant message, with the tool calls it made.
func openaiAssistant(m Message) openai.ChatCompletionMessageParamUnion {
	if len(m.ToolCalls) == 0 {
		return openai.AssistantMessage(m.text())
	}
	a := openai.ChatCompletionAssistantMessageParam{}
	if t := m.text(); t != "" {
		a.Content.OfString = openai.String(t)
	}
	for _, tc := range m.ToolCalls {
		a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
			ID: tc.ID, Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: tc.Name, Arguments: string(tc.Arguments)},
		}})
	}
	return openai.ChatCompletionMessageParamUnion{OfAssistant: &a}
}

// openaiParts maps the parts of a user message to content parts: texts, and
// images as image_url parts with data: URLs.
func openaiParts(parts []Part) []openai.ChatCompletionContentPartUnionParam {
	out := make([]openai.ChatCompletionContentPartUnionParam, len(parts))
	for i, p := range parts {
		if p.Type == PartImage {
			out[i] = openai.ImageContentPart(openai.ChatCompletionContentPartImageImageURLParam{URL: p.dataURL()})
			continue
		}
		out[i] = openai.TextContentPart(p.Text)
	}
	return out
}
