package llm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// openaiBackend speaks the chat completions and embeddings APIs of OpenAI and
// of every OpenAI-compatible server.
//
// The SDK is the transport of a chat call: base URL, key, headers, our
// middleware and its errors. The body is ours (appendChatBody) and so is the
// reading of the answer (decodeChatAnswer): the SDK's reflection-based
// encoding and decoding were most of a call's CPU.
type openaiBackend struct {
	// client sends the chat calls: a client holding the service's options,
	// whose Post takes a body already encoded and hands back the answer's
	// bytes.
	client     openai.Client
	embeddings openai.EmbeddingService
}

// newOpenAI builds the chat completions service of a provider. The SDK's
// environment defaults (OPENAI_* variables) are not read: the service is made
// from explicit options, with the SDK's retries off.
func newOpenAI(p *provider, hc *http.Client) backend {
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
	// openai.NewClient would read the OPENAI_* variables: the client is
	// made of the options of a service, which NewChatCompletionService
	// takes as they are.
	svc := openai.NewChatCompletionService(opts...)
	return &openaiBackend{client: openai.Client{Options: svc.Options}, embeddings: openai.NewEmbeddingService(opts...)}
}

func (b *openaiBackend) send(ctx context.Context, model string, req *ChatRequest, at *attempt) (*ChatResponse, error) {
	body, err := appendChatBody(make([]byte, 0, chatBodySize(req)), model, req)
	if err != nil {
		return nil, err
	}
	var raw []byte
	if err := b.client.Post(ctx, "chat/completions", body, &raw, option.WithMiddleware(at.capture)); err != nil {
		return nil, err
	}
	c, err := decodeChatAnswer(raw, at.header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	if !c.hasChoice {
		return nil, &malformedError{msg: "the answer has no choices"}
	}
	out := &ChatResponse{
		Content:      c.content,
		FinishReason: c.finishReason,
		Model:        c.model,
		Usage:        Usage{PromptTokens: int(c.promptTokens), CompletionTokens: int(c.completionTokens)},
	}
	if out.Content == "" && c.refusal != "" {
		out.Content = c.refusal
	}
	for _, tc := range c.toolCalls {
		if tc.typ != "" && tc.typ != "function" {
			continue
		}
		out.ToolCalls = append(out.ToolCalls, ToolCall{ID: tc.id, Name: tc.name, Arguments: jsonArguments(tc.arguments)})
	}
	return out, nil
}

// jsonArguments keeps arguments that are JSON as they are, and makes a JSON
// string of anything else, so that a ToolCall always holds JSON.
func jsonArguments(s string) json.RawMessage {
	if t := strings.TrimSpace(s); t != "" && json.Valid([]byte(t)) {
		return json.RawMessage(t)
	}
	b, _ := json.Marshal(s)
	return b
}
