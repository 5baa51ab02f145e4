package llm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// EmbeddingRequest asks for the embeddings of texts.
type EmbeddingRequest struct {
	// Model is "provider/model", e.g. "openai/text-embedding-3-small"; the
	// provider must speak the OpenAI wire format (POST /embeddings).
	Model string `json:"model"`
	// Input are the texts to embed, one vector each.
	Input []string `json:"input"`
}

// EmbeddingResponse holds one vector per input text, in the order of the
// request.
type EmbeddingResponse struct {
	Vectors [][]float64 `json:"vectors"`
	Model   string      `json:"model,omitempty"` // the model that answered, as the provider names it
	Usage   Usage       `json:"usage"`           // prompt tokens only
	// Latency, Attempts, Cached, Cost and Priced mean what they mean in a
	// ChatResponse.
	Latency  time.Duration `json:"-"`
	Attempts int           `json:"-"`
	Cached   bool          `json:"-"`
	Cost     float64       `json:"-"`
	Priced   bool          `json:"-"`
}

// embedder is implemented by the backends whose API has an embeddings
// endpoint: one attempt, no retries.
type embedder interface {
	embed(ctx context.Context, model string, req *EmbeddingRequest, at *attempt) (*EmbeddingResponse, error)
}

// ErrNoEmbeddings is the error of an embedding request to a provider whose wire
// format has no embeddings endpoint (Anthropic).
var ErrNoEmbeddings = errors.New("the provider's API has no embeddings endpoint")

// Embed returns the embeddings of the texts of req. It is cached, limited and
// retried as Chat is: an answer from the cache sends nothing, costs nothing
// and has Cached set; errors are never cached. The cache key holds no trial:
// an embedding does not depend on it.
func (c *Client) Embed(ctx context.Context, req EmbeddingRequest) (*EmbeddingResponse, error) {
	start := time.Now()
	p, model, err := c.resolve(req.Model)
	if err != nil {
		return nil, err
	}
	emb, ok := p.backend.(embedder)
	if !ok {
		return nil, fmt.Errorf("model %s: provider %q is of type %s: %w; use an OpenAI-compatible provider (type: openai) for embeddings", req.Model, p.name, p.typ, ErrNoEmbeddings)
	}
	if len(req.Input) == 0 {
		return nil, fmt.Errorf("%s: the embedding request has no input: give it at least one text", req.Model)
	}
	var key string
	if c.cache != nil {
		key = embeddingCacheKey(p, model, req)
		if v, ok, err := c.cache.Get(ctx, key); err == nil && ok {
			var resp EmbeddingResponse
			if json.Unmarshal(v, &resp) == nil && len(resp.Vectors) == len(req.Input) {
				resp.Cached = true
				_, resp.Priced = c.Price(req.Model)
				return &resp, nil
			}
		}
	}
	var resp *EmbeddingResponse
	n, err := c.attempts(ctx, p, req.Model, func(actx context.Context, at *attempt) error {
		var err error
		resp, err = emb.embed(actx, model, &req, at)
		return err
	})
	if err != nil {
		return nil, err
	}
	resp.Attempts, resp.Latency = n, time.Since(start)
	price, ok := c.Price(req.Model)
	resp.Cost, resp.Priced = price.Cost(resp.Usage.PromptTokens, 0), ok
	if c.cache != nil {
		if v, err := json.Marshal(resp); err == nil {
			_ = c.cache.Put(ctx, key, v) // a cache that fails to store only costs a later call
		}
	}
	return resp, nil
}

// embeddingCacheKey is the hex SHA-256 of the canonical JSON of what changes
// an embedding: the provider, the model and the texts.
func embeddingCacheKey(p *provider, model string, req EmbeddingRequest) string {
	doc := struct {
		Version  string   `json:"v"`
		Kind     string   `json:"kind"`
		Provider string   `json:"provider"`
		Type     string   `json:"type"`
		BaseURL  string   `json:"base_url"`
		Model    string   `json:"model"`
		Input    []string `json:"input"`
	}{cacheVersion, "embeddings", p.name, p.typ, p.baseURL, model, req.Input}
	b, _ := canonicalJSON(doc) // strings only: it cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// EstimateEmbedding estimates the tokens and cost of an embedding request
// without sending it (EstimateTokens of each text).
func (c *Client) EstimateEmbedding(req EmbeddingRequest) Estimate {
	n := 0
	for _, s := range req.Input {
		n += EstimateTokens(s)
	}
	cost, ok := c.EstimateCost(req.Model, n, 0)
	return Estimate{Model: req.Model, PromptTokens: n, Cost: cost, Priced: ok}
}
