package llm

import (
	"math"
	"testing"
)

func TestPrices(t *testing.T) {
	t.Parallel()
	c, err := NewClient(Config{
		Providers: map[string]ProviderConfig{"local": {Type: TypeOpenAI, BaseURL: "http://127.0.0.1:11434/v1"}},
		Prices:    map[string]Price{"local/llama3": {Input: 0.1, Output: 0.2}, "gpt-4o": {Input: 2, Output: 8}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		model string
		want  Price
		ok    bool
	}{
		{"openai/gpt-4o-mini", Price{0.15, 0.60}, true},
		{"openai/gpt-4o-mini-2024-07-18", Price{0.15, 0.60}, true},
		{"openai/gpt-4o", Price{2, 8}, true}, // configured
		{"openai/gpt-4o-2024-08-06", Price{2, 8}, true},
		{"anthropic/claude-sonnet-4-5-20250929", Price{3, 15}, true},
		{"anthropic/claude-3-5-haiku-latest", Price{0.8, 4}, true},
		{"anthropic/claude-opus-4-1-20250805", Price{15, 75}, true},
		{"openai/o3-mini", Price{1.1, 4.4}, true},
		{"local/llama3", Price{0.1, 0.2}, true},
		{"local/llama3.2", Price{}, false},
		{"openai/gpt-4o-audio-preview", Price{}, false},
	} {
		got, ok := c.Price(tc.model)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Price(%s) = %v %v, want %v %v", tc.model, got, ok, tc.want, tc.ok)
		}
	}
	cost, ok := c.EstimateCost("openai/gpt-4o-mini", 1_000_000, 500_000)
	if !ok || math.Abs(cost-0.45) > 1e-12 {
		t.Errorf("EstimateCost = %v %v, want 0.45", cost, ok)
	}
	if cost, ok := c.EstimateCost("local/unknown", 1000, 1000); cost != 0 || ok {
		t.Errorf("an unknown model costs %v (%v), want 0 and unpriced", cost, ok)
	}
}

func TestEstimates(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]int{"": 0, "a": 1, "abcd": 1, "abcde": 2, "héllo wörld!": 3} {
		if got := EstimateTokens(text); got != want {
			t.Errorf("EstimateTokens(%q) = %d, want %d", text, got, want)
		}
	}
	c, _ := NewClient(Config{})
	e := c.Estimate(ChatRequest{Model: "openai/gpt-4o-mini", Messages: []Message{{Role: RoleSystem, Content: "abcdabcd"}, {Role: RoleUser, Content: "abcd"}}})
	want := Estimate{Model: "openai/gpt-4o-mini", PromptTokens: 2 + 4 + 1 + 4, CompletionTokens: DefaultEstimatedCompletionTokens, Priced: true,
		Cost: (11*0.15 + float64(DefaultEstimatedCompletionTokens)*0.60) / 1e6}
	if e != want {
		t.Errorf("Estimate = %+v, want %+v", e, want)
	}
	e = c.Estimate(ChatRequest{Model: "openai/gpt-4o-mini", Messages: []Message{{Role: RoleUser, Content: "x"}}, Params: Params{MaxTokens: ptr(10)}, Tools: []Tool{judgeTool}})
	if e.CompletionTokens != 10 || e.PromptTokens <= 5 {
		t.Errorf("Estimate with max_tokens and a tool = %+v", e)
	}
}
