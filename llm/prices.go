package llm

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Price is the price of a model in USD per million tokens.
type Price struct {
	Input  float64 `json:"input"`  // per million prompt tokens
	Output float64 `json:"output"` // per million completion tokens
}

// Cost is the price of a call with these token counts, in USD.
func (p Price) Cost(promptTokens, completionTokens int) float64 {
	return (float64(promptTokens)*p.Input + float64(completionTokens)*p.Output) / 1e6
}

// BuiltinPrices are the published list prices, in USD per million tokens, of
// common models, as known when this table was written (mid 2025; standard
// tier, no batch or cached-input discounts). Providers change prices: set
// `prices` in caliper.yaml to override or extend them. A dated snapshot
// (gpt-4o-2024-08-06, claude-sonnet-4-5-20250929) or a -latest alias has the
// price of its model.
var BuiltinPrices = map[string]Price{
	// OpenAI
	"gpt-4o":        {Input: 2.50, Output: 10.00},
	"gpt-4o-mini":   {Input: 0.15, Output: 0.60},
	"gpt-4.1":       {Input: 2.00, Output: 8.00},
	"gpt-4.1-mini":  {Input: 0.40, Output: 1.60},
	"gpt-4.1-nano":  {Input: 0.10, Output: 0.40},
	"gpt-5":         {Input: 1.25, Output: 10.00},
	"gpt-5-mini":    {Input: 0.25, Output: 2.00},
	"gpt-5-nano":    {Input: 0.05, Output: 0.40},
	"o3":            {Input: 2.00, Output: 8.00},
	"o3-mini":       {Input: 1.10, Output: 4.40},
	"o4-mini":       {Input: 1.10, Output: 4.40},
	"o1":            {Input: 15.00, Output: 60.00},
	"gpt-4-turbo":   {Input: 10.00, Output: 30.00},
	"gpt-3.5-turbo": {Input: 0.50, Output: 1.50},
	// OpenAI embeddings (prompt tokens only)
	"text-embedding-3-small": {Input: 0.02},
	"text-embedding-3-large": {Input: 0.13},
	"text-embedding-ada-002": {Input: 0.10},
	// Anthropic
	"claude-opus-4-5":   {Input: 5.00, Output: 25.00},
	"claude-opus-4-1":   {Input: 15.00, Output: 75.00},
	"claude-opus-4-0":   {Input: 15.00, Output: 75.00},
	"claude-opus-4":     {Input: 15.00, Output: 75.00},
	"claude-sonnet-4-5": {Input: 3.00, Output: 15.00},
	"claude-sonnet-4-0": {Input: 3.00, Output: 15.00},
	"claude-sonnet-4":   {Input: 3.00, Output: 15.00},
	"claude-haiku-4-5":  {Input: 1.00, Output: 5.00},
	"claude-3-7-sonnet": {Input: 3.00, Output: 15.00},
	"claude-3-5-sonnet": {Input: 3.00, Output: 15.00},
	"claude-3-5-haiku":  {Input: 0.80, Output: 4.00},
	"claude-3-haiku":    {Input: 0.25, Output: 1.25},
}

// snapshotSuffix matches the suffix of a dated snapshot or alias of a model.
var snapshotSuffix = regexp.MustCompile(`-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$`)

// Price returns the price of a model ("provider/model"): a configured price
// for "provider/model" or the bare model name, else the built-in one for the
// model or the model its snapshot name belongs to. ok is false when the model
// has no price; its calls then cost 0.
func (c *Client) Price(model string) (Price, bool) {
	return lookupPrice(c.prices, model)
}

func lookupPrice(overrides map[string]Price, model string) (Price, bool) {
	_, bare, _ := strings.Cut(model, "/")
	if bare == "" {
		bare = model
	}
	for _, k := range []string{model, bare} {
		if p, ok := overrides[k]; ok {
			return p, true
		}
	}
	base := snapshotSuffix.ReplaceAllString(bare, "")
	for _, k := range []string{bare, base} {
		if p, ok := overrides[k]; ok {
			return p, true
		}
		if p, ok := BuiltinPrices[k]; ok {
			return p, true
		}
	}
	return Price{}, false
}

// EstimateTokens estimates the tokens of a text without a tokenizer: one
// token per four characters (runes), rounded up, which is the usual rule of
// thumb for English with the GPT and Claude tokenizers. It is meant for cost
// estimates before a run (--dry-run), not for billing.
func EstimateTokens(text string) int {
	return (utf8.RuneCountInString(text) + 3) / 4
}

// EstimateCost returns the cost in USD of a call to model with these token
// counts, and whether the model has a price (when not, the cost is 0).
func (c *Client) EstimateCost(model string, promptTokens, completionTokens int) (float64, bool) {
	p, ok := c.Price(model)
	return p.Cost(promptTokens, completionTokens), ok
}

// estimatedImageTokens is what Estimate counts for an image: about what a
// 1024×1024 image costs on Claude (w·h/750) and at OpenAI's high detail.
const estimatedImageTokens = 1400

// DefaultEstimatedCompletionTokens is the completion length Estimate assumes
// for a request that sets no max_tokens.
const DefaultEstimatedCompletionTokens = 256

// Estimate is what a request would cost, estimated without sending it.
type Estimate struct {
	Model            string  `json:"model"`
	PromptTokens     int     `json:"prompt_tokens"`
	CompletionTokens int     `json:"completion_tokens"`
	Cost             float64 `json:"estimated_cost"`
	Priced           bool    `json:"priced"`
}

// Estimate estimates the tokens and cost of a request without sending it:
// the prompt tokens of its messages, tools and response schema by
// EstimateTokens (plus four per message for the chat framing), and
// max_tokens completion tokens, or DefaultEstimatedCompletionTokens.
func (c *Client) Estimate(req ChatRequest) Estimate {
	n := 0
	for _, m := range req.Messages {
		n += EstimateTokens(m.text()) + 4
		for _, p := range m.Parts {
			if p.Type == PartImage {
				n += estimatedImageTokens
			}
		}
	}
	for _, t := range req.Tools {
		n += EstimateTokens(t.Name) + EstimateTokens(t.Description) + EstimateTokens(string(t.Parameters))
	}
	if f := req.ResponseFormat; f != nil && f.Schema != nil {
		if b, err := canonicalJSON(f.Schema); err == nil {
			n += EstimateTokens(string(b))
		}
	}
	out := DefaultEstimatedCompletionTokens
	if req.Params.MaxTokens != nil && *req.Params.MaxTokens > 0 {
		out = *req.Params.MaxTokens
	}
	cost, ok := c.EstimateCost(req.Model, n, out)
	return Estimate{Model: req.Model, PromptTokens: n, CompletionTokens: out, Cost: cost, Priced: ok}
}
