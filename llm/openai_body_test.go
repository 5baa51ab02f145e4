package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// bodyStrings are texts that exercise JSON string encoding: HTML, the line
// separators, control characters, quotes, invalid UTF-8, other scripts.
var bodyStrings = []string{
	"", "hi", "Question: <b>2+2</b> & more?", "\u2028 and \u2029", "tab\tnew\nline\r", `quote " and back \ slash`,
	"\x00\x01\x1f\x7f", "bad \xff\xfe utf-8", "é ü 中文 😀", "</script><!--", strings.Repeat("long text ", 50),
}

// bodyFloats are numbers that exercise float encoding, NaN and infinities
// (which the SDK refuses) among them.
var bodyFloats = []float64{0, 0.2, 1, 2, -0.5, 1e-7, 1e-6, 1e20, 1e21, 123456789.125, 5e-324, math.MaxFloat64, math.NaN(), math.Inf(1), math.Inf(-1)}

// toolSchemas are tool parameters: none, null, not an object, with spaces to
// compact, keys to sort, repeated keys.
var toolSchemas = []string{
	"", "null", "[]", `"x"`, "{}", `{"type":"object","properties":{"reasons":{"type":"string"},"choice":{"type":"string"}},"required":["reasons","choice"]}`,
	`{ "z" : 1 , "a" : [ 1, 2 ], "m": {"y": "<&>", "b": null} }`, `{"dup": 1, "dup": 2}`, `{"k\u00e9y": "\u2028", "<": true}`,
}

// extraKeys and extraValues make Params.Extra: keys of the SDK's fields
// (replaced where they are), keys sjson escapes, values of every type YAML
// gives and a few it does not.
var (
	extraKeys   = []string{"0", "-1", `a\b`, "user", "temperature", "model", "messages", "tools", "seed", "a.b", "a b", "x*y", "q:r", "é", "<k>", `q"k`, "zz"}
	extraValues = []any{"s", "<s>", "é", "a\nb", 1, int64(5), int32(-3), int16(2), int8(-1), uint8(7), uint16(8), uint32(9), uint64(10), 1.5, 1e21, 1e-7, float32(0.1), true, false, nil,
		map[string]any{"z": 1, "a": "<"}, []any{1, "x", nil}, []string{"a"}, math.NaN(), map[string]any{"nan": math.NaN()}}
)

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// randomChatRequest makes a request with a random mix of every field the
// OpenAI body carries.
func randomChatRequest(r *rand.Rand) (string, ChatRequest) {
	model := pick(r, []string{"gpt-4o-mini", "o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-nano", "o1x", "gpt-4.1", "m/with/slashes"})
	var req ChatRequest
	var toolIDs []string
	for range 1 + r.IntN(5) {
		m := Message{Role: pick(r, []string{RoleSystem, RoleUser, RoleAssistant, RoleTool}), Content: pick(r, bodyStrings)}
		switch m.Role {
		case RoleUser:
			if r.IntN(3) == 0 {
				for range 1 + r.IntN(3) {
					if r.IntN(2) == 0 {
						m.Parts = append(m.Parts, Part{Type: PartImage, MediaType: "image/png", Data: []byte(pick(r, bodyStrings) + "\x89PNG")})
					} else {
						m.Parts = append(m.Parts, Part{Type: PartText, Text: pick(r, bodyStrings)})
					}
				}
			}
		case RoleSystem:
			if r.IntN(4) == 0 {
				m.Parts = []Part{{Type: PartText, Text: pick(r, bodyStrings)}, {Type: PartText, Text: pick(r, bodyStrings)}}
			}
		case RoleAssistant:
			for i := range r.IntN(3) {
				id := pick(r, []string{fmt.Sprintf("call_%d", i), fmt.Sprintf("call_%d", i), ""})
				toolIDs = append(toolIDs, id)
				m.ToolCalls = append(m.ToolCalls, ToolCall{ID: id, Name: pick(r, bodyStrings), Arguments: json.RawMessage(pick(r, []string{"", "", `{"id":7}`, ` {"a": "<"} `, "not json", `"s"`}))})
			}
		case RoleTool:
			m.ToolCallID = pick(r, append(toolIDs, "call_x", `id"<`))
			m.IsError = r.IntN(2) == 0
		}
		req.Messages = append(req.Messages, m)
	}
	p := &req.Params
	float := func() *float64 {
		if r.IntN(3) != 0 {
			return nil
		}
		// NaN and the infinities, which fail the whole body, now and then.
		if f := pick(r, bodyFloats); !math.IsNaN(f) && !math.IsInf(f, 0) || r.IntN(8) == 0 {
			return &f
		}
		return nil
	}
	p.Temperature, p.TopP, p.PresencePenalty, p.FrequencyPenalty = float(), float(), float(), float()
	if r.IntN(3) == 0 {
		p.MaxTokens = ptr(pick(r, []int{1, 300, 1 << 40}))
	}
	if r.IntN(3) == 0 {
		p.Seed = ptr(pick(r, []int64{0, 7, -1, math.MaxInt64, math.MinInt64}))
	}
	if r.IntN(3) == 0 {
		p.Stop = []string{pick(r, bodyStrings), pick(r, bodyStrings)}[:1+r.IntN(2)]
	}
	if r.IntN(3) == 0 {
		p.ReasoningEffort = pick(r, []string{"low", "medium", "high", "<x>"})
	}
	if r.IntN(3) == 0 {
		p.Extra = map[string]any{}
		for range 1 + r.IntN(4) {
			v := pick(r, extraValues)
			if f, ok := v.(float64); ok && math.IsNaN(f) && r.IntN(4) != 0 {
				continue
			}
			if m, ok := v.(map[string]any); ok && m["nan"] != nil && r.IntN(4) != 0 {
				continue
			}
			p.Extra[pick(r, extraKeys)] = v
		}
	}
	for i := range r.IntN(4) {
		t := Tool{Name: fmt.Sprintf("tool_%d%s", i, pick(r, []string{"", "<&>"})), Parameters: json.RawMessage(pick(r, toolSchemas))}
		if len(t.Parameters) == 0 {
			t.Parameters = nil
		}
		if r.IntN(2) == 0 {
			t.Description = pick(r, bodyStrings)
		}
		req.Tools = append(req.Tools, t)
	}
	req.ToolChoice = pick(r, []string{"", "", ToolChoiceAuto, ToolChoiceNone, ToolChoiceRequired, "tool_0", "tool_1<&>"})
	switch r.IntN(5) {
	case 1:
		req.ResponseFormat = &ResponseFormat{Type: FormatText}
	case 2:
		req.ResponseFormat = &ResponseFormat{Type: FormatJSONObject}
	case 3:
		f := &ResponseFormat{Type: FormatJSONSchema, Name: pick(r, []string{"", "answer", "<n>"})}
		f.Schema = pick(r, []map[string]any{{"type": "object"}, {"type": "object", "properties": map[string]any{"b": map[string]any{"enum": []any{1, 2.5, "<"}}, "a": true}}, {"n": math.NaN()}, {"i": 3, "u": uint(4)}})
		if r.IntN(2) == 0 {
			f.Strict = ptr(r.IntN(2) == 0)
		}
		req.ResponseFormat = f
	case 4:
		req.ResponseFormat = &ResponseFormat{Type: "unknown"}
	}
	return model, req
}

// sdkBody is the body the SDK encodes for a request.
func sdkBody(model string, req *ChatRequest) ([]byte, error) {
	return openaiParams(model, req).MarshalJSON()
}

// checkChatBody compares appendChatBody's body with the SDK's: the same
// bytes, or the same error.
func checkChatBody(t *testing.T, what, model string, req *ChatRequest) {
	t.Helper()
	want, wantErr := sdkBody(model, req)
	got, err := appendChatBody([]byte("prefix"), model, req)
	if !bytes.HasPrefix(got, []byte("prefix")) {
		t.Fatalf("%s: the body does not follow what dst held: %q", what, got)
	}
	got = got[len("prefix"):]
	switch {
	case wantErr != nil || err != nil:
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: error %v, the SDK's %v", what, err, wantErr)
		}
	case !bytes.Equal(got, want):
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	default:
		// The same bytes are the same values; valid JSON where the SDK's is.
		var g, w any
		if json.Unmarshal(want, &w) == nil && (json.Unmarshal(got, &g) != nil || !reflect.DeepEqual(g, w)) {
			t.Errorf("%s: %s does not decode to the SDK's values", what, got)
		}
	}
}

func TestChatBodyMatchesTheSDK(t *testing.T) {
	t.Parallel()
	withParams := func(p Params) ChatRequest {
		return ChatRequest{Messages: []Message{{Role: RoleUser, Content: "hi"}}, Params: p}
	}
	tests := []struct {
		name  string
		model string
		req   ChatRequest
	}{
		{"every field", "gpt-4o-mini", fullRequest("x")},
		{"a tool loop", "gpt-4o-mini", toolLoopRequest("x")},
		{"a reasoning model's max_completion_tokens", "o4-mini", withParams(Params{MaxTokens: ptr(50), ReasoningEffort: "low"})},
		{"max_tokens of gpt-4.1", "gpt-4.1", withParams(Params{MaxTokens: ptr(50)})},
		{"stop, seed, penalties", "gpt-4o-mini", withParams(Params{Stop: []string{"a", "\n"}, Seed: ptr(int64(-3)), PresencePenalty: ptr(-1.5), FrequencyPenalty: ptr(2.0)})},
		{"extra fields merged", "gpt-4o-mini", withParams(Params{Temperature: ptr(0.5), Extra: map[string]any{"temperature": 1, "user": "u", "logit_bias": map[string]any{"50256": -100}, "a.b": "<c>"}})},
		{"an extra model", "gpt-4o-mini", withParams(Params{Extra: map[string]any{"model": "other", "messages": []any{}}})},
		{"an empty extra key", "gpt-4o-mini", withParams(Params{Extra: map[string]any{"": 1}})},
		{"NaN temperature", "gpt-4o-mini", withParams(Params{Temperature: ptr(math.NaN())})},
		{"infinite top_p", "gpt-4o-mini", withParams(Params{TopP: ptr(math.Inf(-1))})},
		{"NaN in an extra", "gpt-4o-mini", withParams(Params{Extra: map[string]any{"n": math.NaN()}})},
		{"NaN inside an extra", "gpt-4o-mini", withParams(Params{Extra: map[string]any{"n": []any{math.NaN()}}})},
		{"image parts", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Parts: []Part{{Type: PartText, Text: "What is it?"}, {Type: PartImage, MediaType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n")}}}}}},
		{"system and assistant parts", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleSystem, Parts: []Part{{Type: PartText, Text: "a"}, {Type: PartText, Text: "b"}}}, {Role: RoleAssistant, Content: ""}}}},
		{"tool calls without text", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "c", Name: "f"}}}}}},
		{"json_schema", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Content: "x"}}, ResponseFormat: &ResponseFormat{Type: FormatJSONSchema, Name: "a", Schema: map[string]any{"type": "object", "properties": map[string]any{"b": map[string]any{}, "a": 1}}, Strict: ptr(false)}}},
		{"json_schema with NaN", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Content: "x"}}, ResponseFormat: &ResponseFormat{Type: FormatJSONSchema, Schema: map[string]any{"n": math.NaN()}}}},
		{"json_object", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Content: "x"}}, ResponseFormat: &ResponseFormat{Type: FormatJSONObject}}},
		{"text", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Content: "x"}}, ResponseFormat: &ResponseFormat{Type: FormatText}}},
		{"tool choices", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Content: "x"}}, Tools: []Tool{{Name: "a"}, {Name: "b", Description: "d", Parameters: json.RawMessage(`null`)}}, ToolChoice: "b"}},
		{"tool choice none", "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Content: "x"}}, Tools: []Tool{{Name: "a", Parameters: json.RawMessage(`[1]`)}}, ToolChoice: ToolChoiceNone}},
	}
	for _, s := range toolSchemas {
		tests = append(tests, struct {
			name  string
			model string
			req   ChatRequest
		}{"tool parameters " + s, "gpt-4o", ChatRequest{Messages: []Message{{Role: RoleUser, Content: "x"}}, Tools: []Tool{{Name: "t", Parameters: json.RawMessage(s)}}}})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkChatBody(t, tt.name, tt.model, &tt.req)
		})
	}
	t.Run("random requests", func(t *testing.T) {
		t.Parallel()
		r := rand.New(rand.NewPCG(1, 2))
		for i := range 5000 {
			model, req := randomChatRequest(r)
			checkChatBody(t, fmt.Sprintf("request %d", i), model, &req)
			if t.Failed() {
				g, _ := json.Marshal(req)
				t.Fatalf("request %d: %s", i, g)
			}
		}
	})
}
