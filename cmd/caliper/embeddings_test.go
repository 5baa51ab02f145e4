package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// embeddingsServer speaks the OpenAI embeddings wire format: a text about a
// cat embeds to (1, 0), any other to (0.6, 0.8).
func embeddingsServer(t *testing.T, requests *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		var req struct {
			Model string   `json:"model"`
			Input []string `json:"input"`
		}
		if r.URL.Path != "/v1/embeddings" || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, `{"error": {"message": "bad request"}}`, http.StatusBadRequest)
			return
		}
		var data []any
		for i, text := range req.Input {
			vec := []float64{0.6, 0.8}
			if strings.Contains(text, "cat") {
				vec = []float64{1, 0}
			}
			data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": vec})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "model": req.Model, "data": data,
			"usage": map[string]any{"prompt_tokens": 3, "total_tokens": 3}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestEmbeddingSimilarityRunIsCachedInTheStore(t *testing.T) {
	t.Parallel()
	var requests atomic.Int64
	srv := embeddingsServer(t, &requests)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  local: {type: openai, base_url: "%s/v1"}
`, srv.URL))
	writeFile(t, filepath.Join(dir, "pets.eval.yaml"), `name: pets
data:
  inline:
    - {id: a, input: a cat, expected: the cat}
    - {id: b, input: a dog, expected: the cat}
task: {expr: input}
max_concurrency: 1
scorers:
  - name: similar
    use: embedding_similarity
    with: {model: local/emb-1, expected_min: 0.5}
`)
	code, out, errOut := runEnv(t, dir, nil, "run")
	// One case at a time, so the expected text both cases share is embedded
	// once and then read from the cache: three distinct texts, three requests.
	if code != ExitOK || requests.Load() != 3 {
		t.Fatalf("first run: exit %d, %d requests (want 3: a cat, the cat, a dog)\n%s%s", code, requests.Load(), out, errOut)
	}
	// a: cos 1 → 1; b: cos 0.6 → (0.6 - 0.5) / 0.5 = 0.2; mean 0.6
	if !regexp.MustCompile(`similar\s+0\.600\s+2\s+0`).MatchString(out) {
		t.Errorf("the summary lacks similar 0.600:\n%s", out)
	}
	if code, out, errOut = runEnv(t, dir, nil, "run"); code != ExitOK || requests.Load() != 3 {
		t.Fatalf("second run: exit %d, %d requests in all: embeddings must come from the store's cache\n%s%s", code, requests.Load(), out, errOut)
	}

	db, err := store.Open(context.Background(), filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, _ := db.Experiments(context.Background(), store.ListOptions{Eval: "pets"})
	var spans []map[string]any
	var metrics map[string]float64
	err = db.Rows(context.Background(), exps[0].ID, func(r *store.Row) error {
		if r.CaseID == "b" {
			metrics = r.Metrics
			return json.Unmarshal(r.Spans, &spans)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(spans) != 2 || spans[0]["name"] != "local/emb-1" || metrics["tokens"] != 6 || metrics["llm_calls"] != 2 {
		t.Errorf("row b: spans %v metrics %v; want two embedding calls of 3 tokens", spans, metrics)
	}
}
