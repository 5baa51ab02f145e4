package scorers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

// judgeServer speaks the OpenAI chat completions wire format (or Anthropic's
// messages, when anthropic is set): it answers every request with a
// select_choice call made by answer, and records the requests.
type judgeServer struct {
	*httptest.Server
	anthropic bool
	mu        sync.Mutex
	reqs      []map[string]any
	raw       []string
	answer    func(req map[string]any) (name, args, text string)
}

func newJudgeServer(t *testing.T, anthropic bool, answer func(req map[string]any) (name, args, text string)) *judgeServer {
	s := &judgeServer{anthropic: anthropic, answer: answer}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *judgeServer) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var req map[string]any
	_ = json.Unmarshal(raw, &req)
	s.mu.Lock()
	s.reqs, s.raw = append(s.reqs, req), append(s.raw, string(raw))
	s.mu.Unlock()
	name, args, text := s.answer(req)
	w.Header().Set("Content-Type", "application/json")
	q := func(v string) string { b, _ := json.Marshal(v); return string(b) }
	if s.anthropic {
		blocks := []string{}
		if text != "" {
			blocks = append(blocks, `{"type": "text", "text": `+q(text)+`}`)
		}
		if name != "" {
			blocks = append(blocks, `{"type": "tool_use", "id": "toolu_01", "name": `+q(name)+`, "input": `+args+`}`)
		}
		_, _ = io.WriteString(w, `{"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-haiku-4-5-20251001",
			"content": [`+strings.Join(blocks, ",")+`], "stop_reason": "tool_use", "stop_sequence": null,
			"usage": {"input_tokens": 300, "output_tokens": 40}}`)
		return
	}
	msg := `{"role": "assistant", "content": ` + q(text) + `, "refusal": null}`
	if name != "" {
		msg = `{"role": "assistant", "content": null, "refusal": null, "tool_calls": [{"id": "call_1", "type": "function",
			"function": {"name": ` + q(name) + `, "arguments": ` + q(args) + `}}]}`
	}
	_, _ = io.WriteString(w, `{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini-2024-07-18",
		"choices": [{"index": 0, "message": `+msg+`, "finish_reason": "tool_calls"}],
		"usage": {"prompt_tokens": 300, "completion_tokens": 40, "total_tokens": 340}}`)
}

func (s *judgeServer) requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.reqs...)
}

// choose answers with a select_choice call of that choice and reasons.
func choose(choice, reasons string) func(map[string]any) (string, string, string) {
	return func(map[string]any) (string, string, string) {
		args, _ := json.Marshal(map[string]any{"reasons": reasons, "choice": choice})
		return "select_choice", string(args), ""
	}
}

func judgeClient(t *testing.T, s *judgeServer) *llm.Client {
	t.Helper()
	typ, url := llm.TypeOpenAI, s.URL+"/v1"
	if s.anthropic {
		typ, url = llm.TypeAnthropic, s.URL
	}
	c, err := llm.NewClient(llm.Config{
		Providers: map[string]llm.ProviderConfig{"test": {Type: typ, BaseURL: url, APIKeyEnv: "K"}},
		Env:       map[string]string{"K": "sk-judge"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func judgeRegistry() *Registry {
	reg := Builtins()
	RegisterJudges(reg)
	return reg
}

func buildJudge(t *testing.T, s *judgeServer, builtin string, with map[string]any) Scorer {
	t.Helper()
	sc, err := Build(useSpec(builtin, builtin, with), judgeRegistry(), Deps{File: "x.eval.yaml", LLM: judgeClient(t, s), JudgeModel: "test/gpt-4o-mini"})
	if err != nil {
		t.Fatalf("Build(%s): %v", builtin, err)
	}
	return sc
}

func TestFactualityJudgeEndToEnd(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, false, choose("B", "The submission adds the year, consistent with the expert."))
	sc := buildJudge(t, s, "factuality", nil)
	tr := &functions.Trace{}
	ctx := functions.WithTrace(context.Background(), tr, "")
	env := &spec.ScorerEnv{Input: "Who wrote Dune?", Output: "Frank Herbert, in 1965.", Expected: "Frank Herbert"}
	got, err := sc.Score(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	want := []Score{{Name: "factuality", Value: 0.6, Metadata: map[string]any{"choice": "B", "rationale": "The submission adds the year, consistent with the expert."}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scores %+v, want %+v", got, want)
	}
	req := s.requests()[0]
	if req["model"] != "gpt-4o-mini" || req["temperature"] != 0.0 {
		t.Errorf("model %v temperature %v", req["model"], req["temperature"])
	}
	content := req["messages"].([]any)[0].(map[string]any)["content"].(string)
	for _, part := range []string{"[Question]\nWho wrote Dune?\n", "[Expert answer]\nFrank Herbert\n", "[Submitted answer]\nFrank Herbert, in 1965.\n",
		"set `choice` to one of: A, B, C, D, E."} {
		if !strings.Contains(content, part) {
			t.Errorf("the prompt lacks %q:\n%s", part, content)
		}
	}
	wantTools := `[{"type": "function", "function": {"name": "select_choice", "description": "Give your verdict by selecting one of the choices.",
		"parameters": {"type": "object", "additionalProperties": false, "required": ["reasons", "choice"], "properties": {
			"reasons": {"type": "string", "description": "Your reasoning, step by step, written before you settle on a choice."},
			"choice": {"type": "string", "description": "Your verdict: exactly one of the choices.", "enum": ["A", "B", "C", "D", "E"]}}}}}]`
	var wt any
	_ = json.Unmarshal([]byte(wantTools), &wt)
	if !reflect.DeepEqual(req["tools"], wt) {
		g, _ := json.Marshal(req["tools"])
		t.Errorf("tools %s", g)
	}
	if tc, _ := json.Marshal(req["tool_choice"]); string(tc) != `{"function":{"name":"select_choice"},"type":"function"}` {
		t.Errorf("tool_choice %s", tc)
	}
	if raw := s.raw[0]; strings.Index(raw, `"reasons":{`) > strings.Index(raw, `"choice":{`) {
		t.Errorf("reasons must come before choice: %s", raw)
	}
	spans := tr.Spans()
	if len(spans) != 1 || spans[0].Kind != "llm" || spans[0].Parent != "factuality" || spans[0].Name != "test/gpt-4o-mini" {
		t.Fatalf("spans %+v", spans)
	}
	if m := tr.Metrics(); m["tokens"] != 340 || m["llm_calls"] != 1 || m["estimated_cost"] != (300*0.15+40*0.60)/1e6 {
		t.Errorf("metrics %v", m)
	}
}

// The choices and scores of shared/REFERENCE.md.
var referenceChoices = map[string]map[string]float64{
	"factuality":  {"A": 0.4, "B": 0.6, "C": 1, "D": 0, "E": 1},
	"closed_qa":   {"Y": 1, "N": 0},
	"battle":      {"Yes": 1, "No": 0},
	"humor":       {"Yes": 1, "No": 0, "Unsure": 0.5},
	"security":    {"Yes": 0, "No": 1, "Unsure": 0.5},
	"sql":         {"Correct": 1, "Incorrect": 0},
	"summary":     {"A": 0, "B": 1},
	"translation": {"Y": 1, "N": 0},
	"possible":    {"A": 0, "B": 1},
	// Caliper's own: the choices of closed_qa over the whole conversation.
	"conversation_judge": {"Y": 1, "N": 0},
}

func TestEveryBuiltinJudgeMapsItsChoices(t *testing.T) {
	t.Parallel()
	with := map[string]map[string]any{"closed_qa": {"criteria": "Is it polite?"}, "translation": {"language": "French"}, "conversation_judge": {"criteria": "Is it polite?"}}
	reg := judgeRegistry()
	for _, name := range Default().Names() {
		args, ok := reg.Builtin(name)
		if !ok {
			t.Errorf("%s is not registered", name)
		}
		if _, ok := referenceChoices[name]; args.Judge != ok {
			t.Errorf("%s: judge %v, but the reference lists it: %v", name, args.Judge, ok)
		}
	}
	for name, scores := range referenceChoices {
		for choice, score := range scores {
			s := newJudgeServer(t, false, choose(choice, "because"))
			sc := buildJudge(t, s, name, with[name])
			got, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: "in", Output: "out", Expected: "exp"})
			if err != nil {
				t.Errorf("%s %s: %v", name, choice, err)
				continue
			}
			if got[0].Value != score || got[0].Metadata["choice"] != choice {
				t.Errorf("%s chose %s: score %v (%v), want %v", name, choice, got[0].Value, got[0].Metadata, score)
			}
			enum := s.requests()[0]["tools"].([]any)[0].(map[string]any)["function"].(map[string]any)["parameters"].(map[string]any)["properties"].(map[string]any)["choice"].(map[string]any)["enum"].([]any)
			if len(enum) != len(scores) {
				t.Errorf("%s offers %v, want the %d choices of the reference", name, enum, len(scores))
			}
		}
	}
}

func TestJudgeAnswersOutsideTheChoices(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer func(map[string]any) (string, string, string)
		want   string
	}{
		{"unknown choice", choose("F", "hm"), `the judge chose "F", which is not one of its choices A, B, C, D, E`},
		{"no tool call", func(map[string]any) (string, string, string) { return "", "", "I think it is C." }, `the judge answered without calling select_choice: "I think it is C."`},
		{"other tool", func(map[string]any) (string, string, string) { return "lookup", `{}`, "" }, `the judge called "lookup" instead of select_choice`},
		{"no choice", func(map[string]any) (string, string, string) { return "select_choice", `{"reasons": "x"}`, "" }, "the judge gave no choice"},
		{"bad arguments", func(map[string]any) (string, string, string) { return "select_choice", `C`, "" }, "arguments are not a JSON object"},
	} {
		s := newJudgeServer(t, false, tc.answer)
		sc := buildJudge(t, s, "factuality", nil)
		_, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: "q", Output: "o", Expected: "e"})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestJudgeWithoutChainOfThought(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, false, choose("Y", "ignored"))
	sc := buildJudge(t, s, "closed_qa", map[string]any{"criteria": "Does it name a city?", "use_cot": false, "model": "test/gpt-4.1-nano"})
	got, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: "Capital of France?", Output: "Paris"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0].Metadata, map[string]any{"choice": "Y"}) || got[0].Value != 1 {
		t.Errorf("score %+v", got[0])
	}
	req := s.requests()[0]
	params, _ := json.Marshal(req["tools"].([]any)[0].(map[string]any)["function"].(map[string]any)["parameters"])
	if strings.Contains(string(params), "reasons") || req["model"] != "gpt-4.1-nano" {
		t.Errorf("without use_cot: model %v, parameters %s", req["model"], params)
	}
	content := req["messages"].([]any)[0].(map[string]any)["content"].(string)
	if !strings.Contains(content, "[Criterion]\nDoes it name a city?\n") || !strings.HasSuffix(content, "with `choice` set to one of: Y, N.") {
		t.Errorf("prompt:\n%s", content)
	}
}

func TestJudgeArguments(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, false, choose("Yes", "r"))
	client := judgeClient(t, s)
	reg := judgeRegistry()

	// battle: the instructions default to the input; with.output and with.expected are expressions.
	sc, err := Build(useSpec("b", "battle", map[string]any{"output": "output.text", "expected": "metadata.baseline"}), reg, Deps{File: "x.eval.yaml", LLM: client, JudgeModel: "test/gpt-4o-mini"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: "Write a haiku", Output: map[string]any{"text": "new one"}, Metadata: map[string]any{"baseline": "old one"}}); err != nil {
		t.Fatal(err)
	}
	content := s.requests()[0]["messages"].([]any)[0].(map[string]any)["content"].(string)
	for _, part := range []string{"[Instructions]\nWrite a haiku\n", "[First response]\nold one\n", "[Second response]\nnew one\n"} {
		if !strings.Contains(content, part) {
			t.Errorf("battle prompt lacks %q:\n%s", part, content)
		}
	}
	if s.requests()[0]["model"] != "gpt-4o-mini" {
		t.Errorf("model %v, want Deps.JudgeModel's gpt-4o-mini", s.requests()[0]["model"])
	}
	if sc, err := Build(useSpec("h", "humor", nil), reg, Deps{LLM: client}); err != nil {
		t.Error(err)
	} else if m, _ := sc.(functions.ModelCaller).Models(nil); !reflect.DeepEqual(m, []string{DefaultJudgeModel}) {
		t.Errorf("without with.model or Deps.JudgeModel: %v", m)
	}

	// translation: the language is in the prompt; vars add variables.
	sc, err = Build(useSpec("t", "translation", map[string]any{"language": "German", "vars": map[string]any{"input": "ignored: named variables win"}}), reg,
		Deps{File: "x.eval.yaml", LLM: client, JudgeModel: "test/gpt-4.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: "Good morning", Output: "Guten Morgen", Expected: "Guten Morgen"}); err == nil {
		t.Error("a Yes for a Y/N judge should be out of its choices")
	}
	req := s.requests()[1]
	content = req["messages"].([]any)[0].(map[string]any)["content"].(string)
	if !strings.HasPrefix(content, "You are checking a translation into German.") || !strings.Contains(content, "[Source text]\nGood morning\n") || req["model"] != "gpt-4.1" {
		t.Errorf("translation request: model %v\n%s", req["model"], content)
	}

	// A judge that compares with expected fails on a case without one, before any call.
	n := len(s.requests())
	sc, _ = Build(useSpec("f", "factuality", nil), reg, Deps{LLM: client, JudgeModel: "test/m"})
	if _, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: "q", Output: "o"}); err == nil || !strings.Contains(err.Error(), "the case has no expected value") {
		t.Errorf("factuality without expected: %v", err)
	}
	if len(s.requests()) != n {
		t.Error("a request was sent for a case without expected")
	}

	for _, tc := range []struct {
		builtin string
		with    map[string]any
		deps    Deps
		want    string
	}{
		{"factuality", nil, Deps{}, "needs an LLM provider"},
		{"closed_qa", nil, Deps{LLM: client}, "closed_qa needs with.criteria"},
		{"humor", map[string]any{"criteria": "x"}, Deps{LLM: client}, `"criteria" is not an argument of humor`},
		{"humor", map[string]any{"use_cot": "yes"}, Deps{LLM: client}, "with.use_cot must be true or false"},
		{"humor", map[string]any{"vars": "x"}, Deps{LLM: client}, "with.vars must be an object"},
		{"humor", map[string]any{"output": "output +"}, Deps{LLM: client}, "compiling with.output"},
	} {
		_, err := Build(useSpec(tc.builtin, tc.builtin, tc.with), reg, tc.deps)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want %q", tc.builtin, tc.with, err, tc.want)
		}
		if tc.deps.LLM == nil && !errors.Is(err, ErrNeedsProvider) {
			t.Errorf("%s without a client: %v should wrap ErrNeedsProvider", tc.builtin, err)
		}
	}
}

func TestPromptJudgeOnAnthropic(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, true, func(map[string]any) (string, string, string) {
		return "select_choice", `{"reasons": "Polite and correct.", "choice": "good"}`, "Let me think."
	})
	prompt := &spec.Prompt{
		File: "judges/tone.prompt.yaml", Model: "{{parameters.judge}}", Strict: true, UseCot: true,
		Params:   map[string]any{"max_tokens": 500},
		Messages: []spec.Message{{Role: "system", Content: "You grade tone."}, {Role: "user", Content: "Reply: {{output}}\nTo: {{question}}"}},
		Choices:  []spec.Choice{{Name: "good", Score: 1}, {Name: "meh", Score: 0.5}, {Name: "bad", Score: 0}},
	}
	sc, err := BuildPromptJudge(spec.Scorer{Name: "tone", Body: spec.Body{Kind: spec.KindPrompt, Prompt: prompt}}, Deps{LLM: judgeClient(t, s)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := sc.Score(context.Background(), &spec.ScorerEnv{Input: map[string]any{"question": "Where is my order?"}, Output: "It ships today.",
		Parameters: map[string]any{"judge": "test/claude-haiku-4-5"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Score{{Name: "tone", Value: 1, Metadata: map[string]any{"choice": "good", "rationale": "Polite and correct."}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scores %+v", got)
	}
	req := s.requests()[0]
	wantBody := `{"model": "claude-haiku-4-5", "max_tokens": 500,
		"system": [{"type": "text", "text": "You grade tone."}],
		"messages": [{"role": "user", "content": [{"type": "text", "text": "Reply: It ships today.\nTo: Where is my order?"}]}],
		"tools": [{"name": "select_choice", "description": "Give your verdict by selecting one of the choices.",
			"input_schema": {"type": "object", "additionalProperties": false, "required": ["reasons", "choice"], "properties": {
				"reasons": {"type": "string", "description": "Your reasoning, step by step, written before you settle on a choice."},
				"choice": {"type": "string", "description": "Your verdict: exactly one of the choices.", "enum": ["good", "meh", "bad"]}}}}],
		"tool_choice": {"type": "tool", "name": "select_choice"}}`
	var wb map[string]any
	_ = json.Unmarshal([]byte(wantBody), &wb)
	if !reflect.DeepEqual(req, wb) {
		g, _ := json.Marshal(req)
		t.Errorf("body\n%s\nwant\n%s", g, wantBody)
	}
	if models, err := sc.(functions.ModelCaller).Models(map[string]any{"judge": "anthropic/claude-sonnet-4-5"}); err != nil || !reflect.DeepEqual(models, []string{"anthropic/claude-sonnet-4-5"}) {
		t.Errorf("models %v %v", models, err)
	}
	est, err := sc.(Estimator).Estimate(&spec.ScorerEnv{Input: map[string]any{"question": "q"}, Output: "o", Parameters: map[string]any{"judge": "test/claude-haiku-4-5"}})
	if err != nil || len(est) != 1 || est[0].CompletionTokens != 500 || est[0].Cost <= 0 || len(s.requests()) != 1 {
		t.Errorf("estimate %+v %v", est, err)
	}

	for _, tc := range []struct {
		p    *spec.Prompt
		deps Deps
		want string
	}{
		{prompt, Deps{}, "needs an LLM provider"},
		{&spec.Prompt{Model: "test/m", Messages: prompt.Messages, Choices: prompt.Choices[:1]}, Deps{LLM: judgeClient(t, s)}, "at least two choices"},
		{&spec.Prompt{Model: "test/m", Messages: prompt.Messages, Choices: []spec.Choice{{Name: "a", Score: 2}, {Name: "b"}}}, Deps{LLM: judgeClient(t, s)}, "a score is in [0, 1]"},
	} {
		_, err := BuildPromptJudge(spec.Scorer{Name: "j", Body: spec.Body{Kind: spec.KindPrompt, Prompt: tc.p}}, tc.deps)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
}

func TestJudgeAnswersAreCachedAcrossRuns(t *testing.T) {
	t.Parallel()
	s := newJudgeServer(t, false, choose("C", "Same facts."))
	client := judgeClient(t, s)
	client.SetCache(llm.NewMemoryCache())
	env := &spec.ScorerEnv{Input: map[string]any{"q": "Who wrote Dune?"}, Output: "Frank Herbert", Expected: "Frank Herbert", Trial: 1}
	var runs [2][]Score
	for i := range runs {
		// Each run builds its scorers anew, as a new pipeline does.
		sc, err := Build(useSpec("factual", "factuality", nil), judgeRegistry(), Deps{LLM: client, JudgeModel: "test/gpt-4o-mini"})
		if err != nil {
			t.Fatal(err)
		}
		tr := &functions.Trace{}
		if runs[i], err = sc.Score(functions.WithTrace(context.Background(), tr, "factual"), env); err != nil {
			t.Fatal(err)
		}
		if spans := tr.Spans(); len(spans) != 1 || spans[0].Cached != (i == 1) {
			t.Errorf("run %d: spans %+v", i, spans)
		}
	}
	if n := len(s.requests()); n != 1 {
		t.Errorf("%d requests for two runs, want 1", n)
	}
	if !reflect.DeepEqual(runs[0], runs[1]) {
		t.Errorf("the runs differ: %+v vs %+v", runs[0], runs[1])
	}
}
