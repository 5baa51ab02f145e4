package llm

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// judgeTool is a select_choice tool whose properties are in a meaningful order.
var judgeTool = Tool{
	Name:        "select_choice",
	Description: "Call this function to select a choice.",
	Parameters:  json.RawMessage(`{"type":"object","properties":{"reasons":{"type":"string"},"choice":{"type":"string","enum":["A","B"]}},"required":["reasons","choice"]}`),
}

func fullRequest(model string) ChatRequest {
	return ChatRequest{
		Model:    model,
		Messages: []Message{{Role: RoleSystem, Content: "You grade answers."}, {Role: RoleUser, Content: "Question: <b>2+2</b>?"}, {Role: RoleAssistant, Content: "4"}, {Role: RoleUser, Content: "Sure?"}},
		Params: Params{Temperature: ptr(0.2), MaxTokens: ptr(300), TopP: ptr(0.9), Stop: []string{"\n\n"}, Seed: ptr(int64(7)),
			PresencePenalty: ptr(0.1), FrequencyPenalty: ptr(0.3), Extra: map[string]any{"user": "caliper"}},
		Tools:      []Tool{judgeTool},
		ToolChoice: "select_choice",
	}
}

// jsonEqual compares a received body with the JSON text it should be.
func jsonEqual(t *testing.T, what string, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Errorf("%s:\n got %s\nwant %s", what, g, want)
	}
}

func TestOpenAIWireFormat(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply {
		return reply{Body: openaiToolAnswer("select_choice", `{"reasons":"It adds up.","choice":"B"}`)}
	})
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.Headers = map[string]string{"X-Team": "evals"} })
	resp, err := c.Chat(context.Background(), fullRequest("test/gpt-4o-mini"))
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Path != "/v1/chat/completions" {
		t.Errorf("sent %s %s, want POST /v1/chat/completions", r.Method, r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer sk-test-secret" {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("X-Team"); got != "evals" {
		t.Errorf("X-Team = %q", got)
	}
	if got := r.Header.Get("X-Stainless-Retry-Count"); got != "0" {
		t.Errorf("X-Stainless-Retry-Count = %q: the SDK should not retry", got)
	}
	jsonEqual(t, "body", r.Body, `{
		"model": "gpt-4o-mini",
		"messages": [
			{"role": "system", "content": "You grade answers."},
			{"role": "user", "content": "Question: <b>2+2</b>?"},
			{"role": "assistant", "content": "4"},
			{"role": "user", "content": "Sure?"}
		],
		"temperature": 0.2, "max_tokens": 300, "top_p": 0.9, "stop": ["\n\n"], "seed": 7,
		"presence_penalty": 0.1, "frequency_penalty": 0.3, "user": "caliper",
		"tools": [{"type": "function", "function": {"name": "select_choice", "description": "Call this function to select a choice.",
			"parameters": {"type": "object", "properties": {"reasons": {"type": "string"}, "choice": {"type": "string", "enum": ["A", "B"]}}, "required": ["reasons", "choice"]}}}],
		"tool_choice": {"type": "function", "function": {"name": "select_choice"}}
	}`)
	if i, j := strings.Index(r.Raw, `"reasons"`), strings.Index(r.Raw, `"choice":{`); i < 0 || j < 0 || i > j {
		t.Errorf("reasons should come before choice in the tool's properties: %s", r.Raw)
	}
	want := &ChatResponse{
		ToolCalls:    []ToolCall{{ID: "call_abc", Name: "select_choice", Arguments: json.RawMessage(`{"reasons":"It adds up.","choice":"B"}`)}},
		FinishReason: "tool_calls", Model: "gpt-4o-mini-2024-07-18",
		Usage: Usage{PromptTokens: 82, CompletionTokens: 17}, Attempts: 1, Priced: true,
		Cost: (82*0.15 + 17*0.60) / 1e6,
	}
	resp.Latency = 0
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("response:\n got %+v\nwant %+v", resp, want)
	}
}

func TestOpenAIResponseFormatAndReasoningModels(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok(`{"answer": 4}`))
	c := testClient(t, f.URL, nil)
	req := ChatRequest{Model: "test/o4-mini", Messages: []Message{{Role: RoleUser, Content: "2+2?"}}, Params: Params{MaxTokens: ptr(50), ReasoningEffort: "low"},
		ResponseFormat: &ResponseFormat{Type: FormatJSONSchema, Name: "answer", Schema: map[string]any{"type": "object"}, Strict: ptr(true)}}
	resp, err := c.Chat(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != `{"answer": 4}` {
		t.Errorf("content %q", resp.Content)
	}
	jsonEqual(t, "body", f.requests()[0].Body, `{
		"model": "o4-mini", "messages": [{"role": "user", "content": "2+2?"}],
		"max_completion_tokens": 50, "reasoning_effort": "low",
		"response_format": {"type": "json_schema", "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": true}}
	}`)
	req.ResponseFormat = &ResponseFormat{Type: FormatJSONObject}
	req.Params = Params{}
	req.ToolChoice, req.Tools = "required", []Tool{{Name: "noargs"}}
	if _, err := c.Chat(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "body", f.requests()[1].Body, `{
		"model": "o4-mini", "messages": [{"role": "user", "content": "2+2?"}],
		"response_format": {"type": "json_object"},
		"tools": [{"type": "function", "function": {"name": "noargs", "parameters": {"type": "object", "properties": {}}}}],
		"tool_choice": "required"
	}`)
}

func TestAnthropicWireFormat(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply {
		return reply{Body: anthropicAnswer(`[
			{"type": "text", "text": "Let me decide."},
			{"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "select_choice", "input": {"reasons": "It adds up.", "choice": "B"}}
		]`)}
	})
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) {
		p.Type, p.BaseURL, p.Headers = TypeAnthropic, f.URL, map[string]string{"X-Team": "evals"}
	})
	resp, err := c.Chat(context.Background(), fullRequest("test/claude-sonnet-4-5"))
	if err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Method != "POST" || r.Path != "/v1/messages" {
		t.Errorf("sent %s %s, want POST /v1/messages", r.Method, r.Path)
	}
	for h, want := range map[string]string{"X-Api-Key": "sk-test-secret", "Anthropic-Version": "2023-06-01", "X-Team": "evals", "Authorization": ""} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	jsonEqual(t, "body", r.Body, `{
		"model": "claude-sonnet-4-5", "max_tokens": 300,
		"system": [{"type": "text", "text": "You grade answers."}],
		"messages": [
			{"role": "user", "content": [{"type": "text", "text": "Question: <b>2+2</b>?"}]},
			{"role": "assistant", "content": [{"type": "text", "text": "4"}]},
			{"role": "user", "content": [{"type": "text", "text": "Sure?"}]}
		],
		"temperature": 0.2, "top_p": 0.9, "stop_sequences": ["\n\n"], "user": "caliper",
		"tools": [{"name": "select_choice", "description": "Call this function to select a choice.",
			"input_schema": {"type": "object", "properties": {"reasons": {"type": "string"}, "choice": {"type": "string", "enum": ["A", "B"]}}, "required": ["reasons", "choice"]}}],
		"tool_choice": {"type": "tool", "name": "select_choice"}
	}`)
	if i, j := strings.Index(r.Raw, `"reasons"`), strings.Index(r.Raw, `"choice":{`); i < 0 || j < 0 || i > j {
		t.Errorf("reasons should come before choice in the tool's properties: %s", r.Raw)
	}
	want := &ChatResponse{
		Content:      "Let me decide.",
		ToolCalls:    []ToolCall{{ID: "toolu_01A09q90qw90lq917835lq9", Name: "select_choice", Arguments: json.RawMessage(`{"reasons": "It adds up.", "choice": "B"}`)}},
		FinishReason: "end_turn", Model: "claude-sonnet-4-5-20250929",
		Usage: Usage{PromptTokens: 2095, CompletionTokens: 503}, Attempts: 1, Priced: true,
		Cost: (2095*3.0 + 503*15.0) / 1e6,
	}
	resp.Latency = 0
	if !reflect.DeepEqual(resp, want) {
		t.Errorf("response:\n got %+v\nwant %+v", resp, want)
	}
}

func TestAnthropicDefaultsAndToolChoices(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply { return reply{Body: anthropicAnswer(`[{"type": "text", "text": "ok"}]`)} })
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.Type, p.BaseURL = TypeAnthropic, f.URL })
	for _, tc := range []struct{ choice, want string }{
		{"", ""}, {"auto", `{"type":"auto"}`}, {"none", `{"type":"none"}`}, {"required", `{"type":"any"}`},
	} {
		req := ChatRequest{Model: "test/claude-haiku-4-5", Messages: []Message{{Role: RoleUser, Content: "hi"}}, Tools: []Tool{{Name: "t"}}, ToolChoice: tc.choice,
			Params: Params{Seed: ptr(int64(1)), PresencePenalty: ptr(0.5), ReasoningEffort: "high"}}
		if _, err := c.Chat(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		reqs := f.requests()
		body := reqs[len(reqs)-1].Body
		want := `{"model": "claude-haiku-4-5", "max_tokens": 4096, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
			"tools": [{"name": "t", "input_schema": {"type": "object", "properties": {}}}]`
		if tc.want != "" {
			want += `, "tool_choice": ` + tc.want
		}
		jsonEqual(t, "tool_choice "+tc.choice, body, want+"}")
	}
}

func TestBuiltinProvidersReadTheGivenEnv(t *testing.T) {
	t.Parallel()
	oa := newFake(t, ok("from openai"))
	an := newFake(t, func(int, received) reply {
		return reply{Body: anthropicAnswer(`[{"type": "text", "text": "from anthropic"}]`)}
	})
	c, err := NewClient(Config{Env: map[string]string{
		"OPENAI_API_KEY": "sk-o", "OPENAI_BASE_URL": oa.URL + "/v1",
		"ANTHROPIC_API_KEY": "sk-a", "ANTHROPIC_BASE_URL": an.URL,
	}})
	if err != nil {
		t.Fatal(err)
	}
	for model, want := range map[string]string{"openai/gpt-4o-mini": "from openai", "anthropic/claude-haiku-4-5": "from anthropic"} {
		resp, err := c.Chat(context.Background(), ChatRequest{Model: model, Messages: []Message{{Role: RoleUser, Content: "hi"}}})
		if err != nil {
			t.Fatal(err)
		}
		if resp.Content != want {
			t.Errorf("%s answered %q, want %q", model, resp.Content, want)
		}
	}
	if got := oa.requests()[0].Header.Get("Authorization"); got != "Bearer sk-o" {
		t.Errorf("openai Authorization = %q", got)
	}
	if got := an.requests()[0].Header.Get("X-Api-Key"); got != "sk-a" {
		t.Errorf("anthropic X-Api-Key = %q", got)
	}
}

func TestLocalProviderWithoutKey(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("hi"))
	c, err := NewClient(Config{Providers: map[string]ProviderConfig{"ollama": {Type: TypeOpenAI, BaseURL: f.URL + "/v1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check("ollama/llama3.2"); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Chat(context.Background(), ChatRequest{Model: "ollama/llama3.2", Messages: []Message{{Role: RoleUser, Content: "hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Priced || resp.Cost != 0 {
		t.Errorf("an unknown model should be unpriced with cost 0: %+v", resp)
	}
	if got := f.requests()[0].Header.Get("Authorization"); got != "" {
		t.Errorf("Authorization = %q, want none", got)
	}
}
