package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image/color"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// TestJudgePromptWithImage runs an LLM-judge scorer whose prompt shows the
// model the case's image: a test server speaking OpenAI's chat completions
// answers the select_choice tool call Y when the request carries the cat
// image as a data URL and the output says cat.
func TestJudgePromptWithImage(t *testing.T) {
	t.Parallel()
	cat, dog := pngOf(t, color.White), pngOf(t, color.Black)
	catURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(cat)
	var images atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Messages []struct {
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		raw, _ := json.Marshal(body.Messages)
		choice := "N"
		if strings.Contains(string(raw), "image_url") {
			images.Add(1)
		}
		if strings.Contains(string(raw), catURL) && strings.Contains(string(raw), "Answer: cat") {
			choice = "Y"
		}
		args, _ := json.Marshal(map[string]string{"reasons": "looked at it", "choice": choice})
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "model": "vision-judge",
			"choices": []any{map[string]any{"index": 0, "finish_reason": "tool_calls", "message": map[string]any{"role": "assistant", "content": nil,
				"tool_calls": []any{map[string]any{"id": "t1", "type": "function", "function": map[string]any{"name": "select_choice", "arguments": string(args)}}}}}},
			"usage": map[string]any{"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55}})
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf("store: s.db\nproviders:\n  local: {type: openai, base_url: \"%s/v1\"}\n", srv.URL))
	if err := os.MkdirAll(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"cat.png": cat, "dog.png": dog} {
		if err := os.WriteFile(filepath.Join(dir, "images", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "pets.eval.yaml"), `name: pets
data: {files: "images/*.png"}
task: {expr: '"cat"'}
scorers:
  - name: looks_right
    prompt:
      model: local/vision-judge
      messages:
        - role: user
          content:
            - {type: text, text: "Answer: {{output}}. Does the answer name the animal in the image? Y or N."}
            - {type: image, image: "{{attachment input.file}}"}
      choice_scores: {Y: 1, N: 0}
`)
	code, out, errOut := run(t, dir, "run", "--no-cache")
	if code != ExitOK || !regexp.MustCompile(`looks_right\s+0\.500\s+2\s+0`).MatchString(out) {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	if n := images.Load(); n != 2 {
		t.Errorf("%d judge requests carried an image, want 2", n)
	}
}
