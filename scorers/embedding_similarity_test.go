package scorers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/functions"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
)

func TestEmbeddingSimilarityFormula(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b      []float64
		min, want float64
		wantErr   string
	}{
		{a: []float64{1, 0}, b: []float64{2, 0}, min: 0.7, want: 1},
		{a: []float64{1, 0}, b: []float64{0.8, 0.6}, min: 0.7, want: (0.8 - 0.7) / 0.3},
		{a: []float64{1, 0}, b: []float64{0.6, 0.8}, min: 0.7, want: 0}, // cos 0.6 < m: clamped
		{a: []float64{1, 0}, b: []float64{-1, 0}, min: 0, want: 0},
		{a: []float64{1, 0}, b: []float64{0.6, 0.8}, min: 0, want: 0.6},
		{a: []float64{1, 0}, b: []float64{1, 0, 0}, wantErr: "2 and 3 dimensions"},
		{a: []float64{0, 0}, b: []float64{1, 0}, wantErr: "zero vector"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.a, tt.b, tt.min), func(t *testing.T) {
			t.Parallel()
			got, _, err := EmbeddingSimilarity(tt.a, tt.b, tt.min)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || math.Abs(got-tt.want) > 1e-12 {
				t.Errorf("EmbeddingSimilarity = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// embeddingServer speaks the OpenAI embeddings API: each text's vector comes
// from vectors, and requests are counted by text.
type embeddingServer struct {
	*httptest.Server
	mu      sync.Mutex
	vectors map[string][]float64
	calls   map[string]int
	bodies  []map[string]any
}

func newEmbeddingServer(t *testing.T, vectors map[string][]float64) *embeddingServer {
	s := &embeddingServer{vectors: vectors, calls: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if r.URL.Path != "/v1/embeddings" || json.Unmarshal(raw, &body) != nil {
			http.Error(w, `{"error": {"message": "not found"}}`, http.StatusNotFound)
			return
		}
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		s.mu.Lock()
		s.bodies = append(s.bodies, m)
		var data []map[string]any
		for i, text := range body.Input {
			s.calls[text]++
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": s.vectors[text]})
		}
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": body.Model,
			"usage": map[string]any{"prompt_tokens": 5 * len(body.Input), "total_tokens": 5 * len(body.Input)}})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *embeddingServer) count(text string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[text]
}

func embeddingClient(t *testing.T, url string, cache llm.Cache) *llm.Client {
	t.Helper()
	c, err := llm.NewClient(llm.Config{
		Providers: map[string]llm.ProviderConfig{"test": {Type: llm.TypeOpenAI, BaseURL: url + "/v1", APIKeyEnv: "K"}},
		Env:       map[string]string{"K": "sk-embed"},
		Prices:    map[string]llm.Price{"test/embed-small": {Input: 2}},
		Cache:     cache,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestEmbeddingSimilarityEndToEnd(t *testing.T) {
	t.Parallel()
	s := newEmbeddingServer(t, map[string][]float64{
		"Paris is the capital": {1, 0},
		"The capital is Paris": {0.9, math.Sqrt(1 - 0.81)},
		`{"city":"Paris"}`:     {1, 0},
	})
	client := embeddingClient(t, s.URL, llm.NewMemoryCache())
	sc, err := Build(useSpec("similar", "embedding_similarity", map[string]any{"model": "test/embed-small", "expected_min": 0.5}),
		Builtins(), Deps{File: "x.eval.yaml", LLM: client})
	if err != nil {
		t.Fatal(err)
	}
	tr := &functions.Trace{}
	ctx := functions.WithTrace(context.Background(), tr, "")
	env := &spec.ScorerEnv{Output: "The capital is Paris", Expected: "Paris is the capital"}
	got, err := sc.Score(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "similar" || math.Abs(got[0].Value-0.8) > 1e-9 || got[0].Metadata["model"] != "test/embed-small" {
		t.Errorf("scores %+v, want similar 0.8 ((0.9 - 0.5) / 0.5)", got)
	}
	if body := s.bodies[0]; body["model"] != "embed-small" || body["encoding_format"] != "float" {
		t.Errorf("request body %v", body)
	}
	spans := tr.Spans()
	if len(spans) != 2 || spans[0].Kind != functions.SpanKindLLM || spans[0].Parent != "similar" || spans[0].Name != "test/embed-small" {
		t.Fatalf("spans %+v", spans)
	}
	if m := tr.Metrics(); m["tokens"] != 10 || m["prompt_tokens"] != 10 || m["llm_calls"] != 2 || math.Abs(m["estimated_cost"]-20/1e6) > 1e-15 {
		t.Errorf("metrics %v, want 10 tokens in 2 calls costing 2e-05", m)
	}
	if strings.Contains(string(spans[0].Output), "0.9") {
		t.Errorf("a span holds the vector: %s", spans[0].Output)
	}

	// A second trial with another output embeds only the new text: the
	// expected one comes from the cache, at no cost.
	tr2 := &functions.Trace{}
	got, err = sc.Score(functions.WithTrace(context.Background(), tr2, ""), &spec.ScorerEnv{Output: map[string]any{"city": "Paris"}, Expected: "Paris is the capital", Trial: 1})
	if err != nil || got[0].Value != 1 {
		t.Fatalf("second score %+v, %v; want 1", got, err)
	}
	if n := s.count("Paris is the capital"); n != 1 {
		t.Errorf("the expected text was embedded %d times, want 1 (cached)", n)
	}
	if m := tr2.Metrics(); m["llm_cached_calls"] != 1 || m["llm_calls"] != 2 {
		t.Errorf("second metrics %v, want one cached call of two", m)
	}
}

func TestEmbeddingSimilarityBuildErrors(t *testing.T) {
	t.Parallel()
	s := newEmbeddingServer(t, nil)
	client := embeddingClient(t, s.URL, nil)
	tests := []struct {
		name string
		with map[string]any
		llm  *llm.Client
		want string
	}{
		{"no provider", nil, nil, "needs an LLM provider"},
		{"min too high", map[string]any{"expected_min": 1.0}, client, "with.expected_min must be a number in [0, 1), not number 1"},
		{"min not a number", map[string]any{"expected_min": "high"}, client, "with.expected_min must be a number in [0, 1)"},
		{"unknown argument", map[string]any{"min": 0.5}, client, `"min" is not an argument of embedding_similarity`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Build(useSpec("e", "embedding_similarity", tt.with), Builtins(), Deps{LLM: tt.llm})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Build error %v, want %q", err, tt.want)
			}
			if tt.llm == nil && !errors.Is(err, ErrNeedsProvider) {
				t.Errorf("error %v, want ErrNeedsProvider", err)
			}
		})
	}
}

func TestEmbeddingSimilarityProviderErrorIsTheCaseError(t *testing.T) {
	t.Parallel()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"error": {"message": "The model does not exist", "type": "invalid_request_error"}}`, http.StatusNotFound)
	}))
	t.Cleanup(s.Close)
	sc, err := Build(useSpec("e", "embedding_similarity", map[string]any{"model": "test/nope"}), Builtins(), Deps{LLM: embeddingClient(t, s.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = sc.Score(context.Background(), &spec.ScorerEnv{Output: "a", Expected: "b"})
	if err == nil || !strings.Contains(err.Error(), "The model does not exist") {
		t.Errorf("error %v, want the provider's message", err)
	}
}
