package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/caliperhq/caliper/internal/jsontext"
)

// Cache keeps answers by request key. Get reports a miss with ok false and a
// nil error; an error of Get or Put does not fail the call (the request is
// sent, or its answer returned, anyway). Implementations are safe for
// concurrent use.
type Cache interface {
	Get(ctx context.Context, key string) (value []byte, ok bool, err error)
	Put(ctx context.Context, key string, value []byte) error
}

// cacheVersion is part of every key: changing the shape of keys or values
// changes it, so that old entries are not misread.
const cacheVersion = "caliper-llm-cache/1"

// cacheKeyDoc is what a key is the hash of: everything that changes the
// answer. Keys, headers and timeouts are not part of it.
type cacheKeyDoc struct {
	Version  string          `json:"v"`
	Provider string          `json:"provider"`
	Type     string          `json:"type"`
	BaseURL  string          `json:"base_url"`
	Model    string          `json:"model"`
	Messages []Message       `json:"messages"`
	Params   Params          `json:"params"`
	Tools    []Tool          `json:"tools,omitempty"`
	Choice   string          `json:"tool_choice,omitempty"`
	Format   *ResponseFormat `json:"response_format,omitempty"`
	Trial    int             `json:"trial"`
}

// CacheKey returns the cache key of a request: the hex SHA-256 of the
// canonical JSON (maps with sorted keys, no HTML escaping) of the provider
// (name, type, base URL), the model, the messages, the params, the tools, the
// tool choice, the response format and the trial index. It fails only for a
// model that names no known provider.
func (c *Client) CacheKey(req ChatRequest) (string, error) {
	p, m, err := c.split(req.Model)
	if err != nil {
		return "", err
	}
	return cacheKey(p, m, req)
}

func cacheKey(p *provider, model string, req ChatRequest) (string, error) {
	doc := cacheKeyDoc{Version: cacheVersion, Provider: p.name, Type: p.typ, BaseURL: p.baseURL, Model: model,
		Messages: req.Messages, Params: req.Params, Tools: req.Tools, Choice: req.ToolChoice, Format: req.ResponseFormat, Trial: req.Trial}
	b, err := canonicalJSON(doc)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// canonicalJSON encodes v compactly without HTML escaping. encoding/json
// sorts map keys; raw JSON (tool parameters) is compacted as it is, keeping
// the order of its keys, which the model sees.
func canonicalJSON(v any) ([]byte, error) { return jsontext.Marshal(v) }

// MemoryCache is a Cache in memory, for tests and single runs.
type MemoryCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemoryCache returns an empty MemoryCache.
func NewMemoryCache() *MemoryCache { return &MemoryCache{m: map[string][]byte{}} }

// Get returns a copy of the value under key.
func (c *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return bytes.Clone(v), ok, nil
}

// Put stores a copy of value under key.
func (c *MemoryCache) Put(_ context.Context, key string, value []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = bytes.Clone(value)
	return nil
}

// Len returns the number of entries.
func (c *MemoryCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
