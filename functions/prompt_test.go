package functions

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

// loadPrompt loads testdata/prompts/qa.eval.yaml with the spec loader and
// returns its task prompt, positions and all; name picks another prompt file
// of the same directory.
func loadPrompt(t *testing.T, name string) *spec.Prompt {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "prompts"))
	if err != nil {
		t.Fatal(err)
	}
	ev, diags := spec.NewValidator(spec.OSFS{}, dir, spec.EmptyCatalog{}).LoadEval(filepath.Join(dir, "qa.eval.yaml"))
	if len(diags) > 0 || ev == nil {
		t.Fatalf("loading the eval: %v", diags)
	}
	p := ev.Task.Prompt
	if name != "" {
		other := *p
		switch name {
		case "json":
			other = spec.Prompt{File: filepath.Join(dir, "json.prompt.yaml"), Model: "test/gpt-4o-mini", Strict: true,
				ResponseFormat: map[string]any{"type": "json_schema", "name": "answer", "schema": map[string]any{"type": "object"}},
				Messages:       []spec.Message{{Role: "user", Content: "{{input}}", Pos: spec.Pos{Line: 8, Col: 14}}}}
		}
		p = &other
	}
	return p
}

func TestPromptRendering(t *testing.T) {
	t.Parallel()
	p, err := CompilePrompt(loadPrompt(t, ""), RoleTask)
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{
		Input:      map[string]any{"question": "What is <b>2+2</b> & why?", "context": []any{1.0, map[string]any{"a": "x<y"}}, "style": "terse"},
		Metadata:   map[string]any{"hint": "add"},
		Parameters: map[string]any{"model": "test/gpt-4.1-mini"},
		Trial:      2,
	}
	got, err := p.Render(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := llm.ChatRequest{
		Model: "test/gpt-4.1-mini",
		Messages: []llm.Message{
			{Role: "system", Content: "Answer with the answer only."},
			{Role: "user", Content: "Question: What is <b>2+2</b> & why?\nContext: [1,{\"a\":\"x<y\"}]\nHint: add\nStyle: terse\n"},
		},
		Params: llm.Params{Temperature: new(0.0), MaxTokens: new(50)},
		Trial:  2,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rendered\n%#v\nwant\n%#v", got, want)
	}

	// Without metadata.hint, the section renders nothing.
	req.Metadata = nil
	got, err = p.Render(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := got.Messages[1].Content; c != "Question: What is <b>2+2</b> & why?\nContext: [1,{\"a\":\"x<y\"}]\n\nStyle: terse\n" {
		t.Errorf("without the hint: %q", c)
	}
}

func TestPromptValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tmpl string
		req  Request
		want string
	}{
		{"{{input}}", Request{Input: "raw <text> & \"quotes\""}, "raw <text> & \"quotes\""},
		{"{{input}}", Request{Input: map[string]any{"b": 1.5, "a": []any{true, nil}}}, `{"a":[true,null],"b":1.5}`},
		{"{{input}}", Request{Input: 3.0}, "3"},
		{"{{input}} {{expected}}!", Request{Input: 1e21}, "1e+21 !"},
		{"{{question}} / {{input.question}}", Request{Input: map[string]any{"question": "why?"}}, "why? / why?"},
		{"{{expected}}", Request{Input: map[string]any{"expected": "from input"}, Expected: "named"}, "named"},
		{"{{parameters.lang}} {{metadata.n}} {{trial}}", Request{Parameters: map[string]any{"lang": "fr"}, Metadata: map[string]any{"n": 2.0}, Trial: 1}, "fr 2 1"},
		{"{{#input.items}}[{{name}}]{{/input.items}}", Request{Input: map[string]any{"items": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}}, "[a][b]"},
		{"{{{input}}} {{&input}}", Request{Input: "<x>"}, "<x> <x>"},
	} {
		p, err := CompilePrompt(&spec.Prompt{Model: "test/m", Strict: true, Messages: []spec.Message{{Role: "user", Content: tc.tmpl}}}, RoleTask)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Render(&tc.req, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.tmpl, err)
			continue
		}
		if c := got.Messages[0].Content; c != tc.want {
			t.Errorf("%s with %+v: %q, want %q", tc.tmpl, tc.req.Input, c, tc.want)
		}
	}
}

func TestPromptStrictMissingVariable(t *testing.T) {
	t.Parallel()
	sp := loadPrompt(t, "")
	p, err := CompilePrompt(sp, RoleTask)
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{Input: map[string]any{"question": "q", "context": "c"}, Parameters: map[string]any{"model": "test/m"}}
	_, err = p.Render(req, nil)
	want := sp.File + ":14:14: {{input.style}} in the user message names nothing in this case; the prompt sees input (and its fields), expected, metadata, tags, parameters and trial: fix the name, make it optional with {{#input.style}}...{{/input.style}}, or set strict: false in the prompt"
	if err == nil || err.Error() != want {
		t.Errorf("error\n%v\nwant\n%s", err, want)
	}

	// An input that is not an object has no fields.
	_, err = p.Render(&Request{Input: "just text", Parameters: map[string]any{"model": "test/m"}}, nil)
	if err == nil || !strings.Contains(err.Error(), ":11:17: {{question}} in the user message names nothing") {
		t.Errorf("error %v, want {{question}} missing", err)
	}

	// A task does not see the output; a scorer does.
	out := &spec.Prompt{Model: "test/m", Strict: true, Messages: []spec.Message{{Role: "user", Content: "{{output}}"}}}
	task, _ := CompilePrompt(out, RoleTask)
	if _, err := task.Render(&Request{Output: "x"}, nil); err == nil || !strings.Contains(err.Error(), "{{output}} in the user message names nothing") {
		t.Errorf("a task rendering {{output}}: %v", err)
	}
	scorer, _ := CompilePrompt(out, RoleScorer)
	if r, err := scorer.Render(&Request{Output: "x"}, nil); err != nil || r.Messages[0].Content != "x" {
		t.Errorf("a scorer rendering {{output}}: %+v %v", r, err)
	}

	// strict: false renders a missing variable empty.
	lax := *sp
	lax.Strict = false
	p, _ = CompilePrompt(&lax, RoleTask)
	r, err := p.Render(req, nil)
	if err != nil || !strings.HasSuffix(r.Messages[1].Content, "Style: \n") {
		t.Errorf("strict: false: %+v %v", r.Messages, err)
	}

	// The model template is always strict.
	_, err = p.Render(&Request{Input: map[string]any{"question": "q", "context": "c"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "{{parameters.model}} names nothing") {
		t.Errorf("a model template without its parameter: %v", err)
	}
}

func TestPromptCompileErrors(t *testing.T) {
	t.Parallel()
	msgs := []spec.Message{{Role: "user", Content: "hi"}}
	for _, tc := range []struct {
		p    spec.Prompt
		want string
	}{
		{spec.Prompt{File: "a.prompt.yaml", Messages: msgs}, "a.prompt.yaml has no model"},
		{spec.Prompt{Model: "test/m"}, "has no messages"},
		{spec.Prompt{File: "a.prompt.yaml", Model: "test/m", Messages: []spec.Message{{Role: "user", Content: "{{#x}}", Pos: spec.Pos{Line: 4, Col: 5}}}}, "a.prompt.yaml:4:5: messages[0]: invalid template"},
		{spec.Prompt{Model: "test/m", Messages: msgs, Params: map[string]any{"temprature": 0}}, `params: unknown parameter "temprature"`},
		{spec.Prompt{Model: "test/m", Messages: msgs, Params: map[string]any{"max_tokens": 1.5}}, "max_tokens must be a positive whole number"},
		{spec.Prompt{Model: "test/m", Messages: msgs, Params: map[string]any{"stop": 3}}, "stop must be a string or a list"},
		{spec.Prompt{Model: "test/m", Messages: msgs, Tools: []map[string]any{{"description": "x"}}}, "tools[0] needs a name"},
		{spec.Prompt{Model: "test/m", Messages: msgs, ResponseFormat: map[string]any{"type": "yaml"}}, `unknown type "yaml"`},
	} {
		if _, err := CompilePrompt(&tc.p, RoleTask); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.p, err, tc.want)
		}
	}
	p, err := ParamsFromMap(map[string]any{"temperature": 1, "top_p": 0.5, "stop": "END", "seed": 42, "presence_penalty": -1,
		"frequency_penalty": 0.5, "reasoning_effort": "low", "max_tokens": 10, "extra": map[string]any{"top_k": 5}})
	if err != nil {
		t.Fatal(err)
	}
	want := llm.Params{Temperature: new(1.0), TopP: new(0.5), Stop: []string{"END"}, Seed: new(int64(42)), PresencePenalty: new(-1.0),
		FrequencyPenalty: new(0.5), ReasoningEffort: "low", MaxTokens: new(10), Extra: map[string]any{"top_k": 5}}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("params %+v, want %+v", p, want)
	}
}

// chatServer is an OpenAI-compatible server answering with body(n) and
// recording the requests.
type chatServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []map[string]any
}

func newChatServer(t *testing.T, body func(n int) (int, string)) *chatServer {
	s := &chatServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		s.mu.Lock()
		n := len(s.reqs)
		s.reqs = append(s.reqs, m)
		s.mu.Unlock()
		status, b := body(n)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, b)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *chatServer) requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.reqs...)
}

func completion(content string) string {
	c, _ := json.Marshal(content)
	return `{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18",
		"choices": [{"index": 0, "message": {"role": "assistant", "content": ` + string(c) + `, "refusal": null}, "finish_reason": "stop"}],
		"usage": {"prompt_tokens": 1000, "completion_tokens": 200, "total_tokens": 1200}}`
}

func toolCompletion(name, args string) string {
	a, _ := json.Marshal(args)
	return `{"id": "chatcmpl-2", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
		"choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [
			{"id": "call_1", "type": "function", "function": {"name": "` + name + `", "arguments": ` + string(a) + `}}]}, "finish_reason": "tool_calls"}],
		"usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}`
}

func testLLM(t *testing.T, url string, cache llm.Cache) *llm.Client {
	t.Helper()
	c, err := llm.NewClient(llm.Config{
		Providers: map[string]llm.ProviderConfig{"test": {Type: llm.TypeOpenAI, BaseURL: url + "/v1", APIKeyEnv: "TEST_KEY", MaxRetries: 0}},
		Env:       map[string]string{"TEST_KEY": "sk-test"},
		Cache:     cache,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPromptFunctionEndToEnd(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t, func(int) (int, string) { return 200, completion("4") })
	fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: loadPrompt(t, "")}, Options{LLM: testLLM(t, srv.URL, nil)})
	tr := &Trace{}
	req := &Request{Input: map[string]any{"question": "2+2?", "context": "math", "style": "short"},
		Parameters: map[string]any{"model": "test/gpt-4o-mini"}, Trace: tr}
	out, err := fn.Call(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if out != "4" {
		t.Errorf("output %#v, want \"4\"", out)
	}
	sent := srv.requests()[0]
	if sent["model"] != "gpt-4o-mini" || sent["max_tokens"] != 50.0 || sent["temperature"] != 0.0 {
		t.Errorf("sent %v", sent)
	}
	if msgs := sent["messages"].([]any); msgs[1].(map[string]any)["content"] != "Question: 2+2?\nContext: math\n\nStyle: short\n" {
		t.Errorf("sent messages %v", msgs)
	}
	spans := tr.Spans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Kind != "llm" || s.Name != "test/gpt-4o-mini" || s.Parent != "task" || s.Error != "" || s.Cached {
		t.Errorf("span %+v", s)
	}
	var in llm.ChatRequest
	if err := json.Unmarshal(s.Input, &in); err != nil || in.Model != "test/gpt-4o-mini" || len(in.Messages) != 2 || *in.Params.MaxTokens != 50 {
		t.Errorf("span input %s: %v", s.Input, err)
	}
	if !strings.Contains(string(s.Output), `"content":"4"`) || strings.Contains(string(s.Input)+string(s.Output), "sk-test") {
		t.Errorf("span output %s", s.Output)
	}
	wantCost := (1000*0.15 + 200*0.60) / 1e6
	m := tr.Metrics()
	if m["prompt_tokens"] != 1000 || m["completion_tokens"] != 200 || m["tokens"] != 1200 || m["llm_calls"] != 1 ||
		m["estimated_cost"] != wantCost || m["llm_duration"] <= 0 {
		t.Errorf("metrics %v", m)
	}

	est, err := fn.(Estimator).Estimate(req)
	if err != nil || len(est) != 1 || est[0].Model != "test/gpt-4o-mini" || est[0].PromptTokens == 0 || est[0].CompletionTokens != 50 || !est[0].Priced {
		t.Errorf("estimate %+v %v", est, err)
	}
	if models, err := fn.(ModelCaller).Models(map[string]any{"model": "test/gpt-4.1"}); err != nil || !reflect.DeepEqual(models, []string{"test/gpt-4.1"}) {
		t.Errorf("models %v %v", models, err)
	}
	if _, err := fn.(ModelCaller).Models(nil); err == nil || !strings.Contains(err.Error(), "{{parameters.model}} names nothing") {
		t.Errorf("models without the parameter: %v", err)
	}
	if len(srv.requests()) != 1 {
		t.Errorf("Estimate sent a request")
	}
}

func TestPromptFunctionOutputs(t *testing.T) {
	t.Parallel()
	answers := []string{completion("```json\n{\"answer\": \"4\", \"n\": 4}\n```"), completion("four"), toolCompletion("lookup", `{"q": "2+2"}`)}
	srv := newChatServer(t, func(n int) (int, string) { return 200, answers[n] })
	client := testLLM(t, srv.URL, nil)
	jsonFn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: loadPrompt(t, "json")}, Options{LLM: client})
	out, err := jsonFn.Call(context.Background(), &Request{Input: "2+2"})
	if err != nil || !reflect.DeepEqual(out, map[string]any{"answer": "4", "n": 4.0}) {
		t.Errorf("json output %#v %v", out, err)
	}
	_, err = jsonFn.Call(context.Background(), &Request{Input: "2+2"})
	if err == nil || !strings.Contains(err.Error(), `the model's answer is not JSON, though response_format asks for it`) || !strings.Contains(err.Error(), `"four"`) {
		t.Errorf("non-JSON answer: %v", err)
	}
	tools := &spec.Prompt{Model: "test/gpt-4o-mini", Strict: true, Messages: []spec.Message{{Role: "user", Content: "{{input}}"}},
		Tools: []map[string]any{{"name": "lookup", "parameters": map[string]any{"type": "object"}}}, ToolChoice: "auto"}
	toolFn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: tools}, Options{LLM: client})
	out, err = toolFn.Call(context.Background(), &Request{Input: "2+2"})
	want := []any{map[string]any{"name": "lookup", "arguments": map[string]any{"q": "2+2"}}}
	if err != nil || !reflect.DeepEqual(out, want) {
		t.Errorf("tool output %#v %v", out, err)
	}
	if sent := srv.requests()[2]; sent["tool_choice"] != "auto" || len(sent["tools"].([]any)) != 1 {
		t.Errorf("sent %v", sent)
	}
}

func TestPromptFunctionErrorsAndCache(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t, func(n int) (int, string) {
		if n == 0 {
			return 400, `{"error": {"message": "max_tokens is too large", "type": "invalid_request_error"}}`
		}
		return 200, completion("ok")
	})
	fn := mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: loadPrompt(t, "json")}, Options{LLM: testLLM(t, srv.URL, llm.NewMemoryCache())})
	fn = mustNew(t, spec.Body{Kind: spec.KindPrompt, Prompt: &spec.Prompt{Model: "test/gpt-4o-mini", Strict: true, Messages: []spec.Message{{Role: "user", Content: "{{input}}"}}}},
		Options{LLM: fn.(*promptFunction).client})
	tr := &Trace{}
	ctx := WithTrace(context.Background(), tr, "judge")
	_, err := fn.Call(ctx, &Request{Input: "x"})
	if err == nil || !strings.Contains(err.Error(), "400 Bad Request: max_tokens is too large") {
		t.Errorf("error %v", err)
	}
	for range 2 {
		if out, err := fn.Call(ctx, &Request{Input: "x"}); err != nil || out != "ok" {
			t.Errorf("%v %v", out, err)
		}
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("%d requests, want 2: the error is not cached, the answer is", n)
	}
	spans := tr.Spans()
	if len(spans) != 3 || spans[0].Error == "" || spans[0].Parent != "judge" || spans[1].Cached || !spans[2].Cached {
		t.Errorf("spans %+v", spans)
	}
	m := tr.Metrics()
	if m["llm_calls"] != 3 || m["llm_errors"] != 1 || m["llm_cached_calls"] != 1 || m["estimated_cost"] != (1000*0.15+200*0.60)/1e6 {
		t.Errorf("metrics %v", m)
	}

	if _, err := New(spec.Body{Kind: spec.KindPrompt, Prompt: loadPrompt(t, "")}, Options{}); err == nil || !strings.Contains(err.Error(), "needs a model provider") {
		t.Errorf("a prompt without a client: %v", err)
	}
}
