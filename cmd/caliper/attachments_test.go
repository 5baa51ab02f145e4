package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func pngOf(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 3))
	for x := range 3 {
		img.Set(x, x, c)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// visionServer speaks the OpenAI chat completions and the Anthropic messages
// wire formats: it names the animal in the image the request carries (a data
// URL in an image_url part, or a base64 image block), and records the images.
type visionServer struct {
	*httptest.Server
	mu     sync.Mutex
	images map[string]int // base64 image -> times received
	wire   map[string]int // path -> requests
}

func newVisionServer(t *testing.T, animals map[string]string) *visionServer {
	s := &visionServer{images: map[string]int{}, wire: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Messages []struct {
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		_ = json.NewDecoder(r.Body).Decode(&body)
		var parts []struct {
			Type     string `json:"type"`
			ImageURL struct {
				URL string `json:"url"`
			} `json:"image_url"`
			Source struct {
				MediaType string `json:"media_type"`
				Data      string `json:"data"`
			} `json:"source"`
		}
		if n := len(body.Messages); n > 0 {
			_ = json.Unmarshal(body.Messages[n-1].Content, &parts)
		}
		var img string
		for _, p := range parts {
			switch {
			case p.Type == "image_url" && strings.HasPrefix(p.ImageURL.URL, "data:image/png;base64,"):
				img = strings.TrimPrefix(p.ImageURL.URL, "data:image/png;base64,")
			case p.Type == "image" && p.Source.MediaType == "image/png":
				img = p.Source.Data
			}
		}
		s.mu.Lock()
		s.images[img]++
		s.wire[r.URL.Path]++
		s.mu.Unlock()
		answer := animals[img]
		if answer == "" {
			answer = "no image"
		}
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/v1/messages" {
			_ = json.NewEncoder(w).Encode(map[string]any{"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
				"content": []any{map[string]any{"type": "text", "text": answer}}, "stop_reason": "end_turn",
				"usage": map[string]any{"input_tokens": 100, "output_tokens": 1}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "c1", "object": "chat.completion", "model": "vision-test",
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": answer}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 1, "total_tokens": 101}})
	}))
	t.Cleanup(s.Close)
	return s
}

func TestImageAttachmentsEndToEnd(t *testing.T) {
	t.Parallel()
	cat, dog := pngOf(t, color.White), pngOf(t, color.Black)
	srv := newVisionServer(t, map[string]string{base64.StdEncoding.EncodeToString(cat): "cat", base64.StdEncoding.EncodeToString(dog): "dog"})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), fmt.Sprintf(`store: s.db
providers:
  local: {type: openai, base_url: "%s/v1"}
  claude: {type: anthropic, base_url: "%s"}
`, srv.URL, srv.URL))
	writeFile(t, filepath.Join(dir, "data", "pets.jsonl"), `{"id": "c1", "input": {"photo": {"type": "attachment", "path": "images/cat.png"}}, "expected": "cat"}
{"id": "c2", "input": {"photo": {"type": "attachment", "path": "images/cat.png"}, "note": "same file"}, "expected": "cat"}
{"id": "d1", "input": {"photo": {"type": "attachment", "path": "images/dog.png"}}, "expected": "dog"}
`)
	for name, b := range map[string][]byte{"cat.png": cat, "dog.png": dog} {
		if err := os.MkdirAll(filepath.Join(dir, "data", "images"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "data", "images", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "pets.eval.yaml"), `name: pets
parameters:
  model: {type: string, default: local/vision}
data: {file: data/pets.jsonl}
task:
  prompt:
    model: "{{parameters.model}}"
    messages:
      - {role: system, content: Name the animal in one word.}
      - role: user
        content:
          - {type: text, text: "What animal is this?"}
          - {type: image, image: "{{attachment input.photo}}"}
scorers:
  - {name: exact, expr: output == expected}
`)
	if code, out, errOut := run(t, dir, "run", "--dry-run"); code != ExitOK || !strings.Contains(out, "3 model calls") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	for _, model := range []string{"local/vision", "claude/claude-test"} {
		code, out, errOut := run(t, dir, "run", "--no-cache", "--param", "model="+model)
		if code != ExitOK || !regexp.MustCompile(`exact\s+1\.000\s+3\s+0`).MatchString(out) {
			t.Fatalf("%s: exit %d\n%s%s", model, code, out, errOut)
		}
	}
	srv.mu.Lock()
	if srv.wire["/v1/chat/completions"] != 3 || srv.wire["/v1/messages"] != 3 {
		t.Errorf("requests by path %v, want 3 OpenAI and 3 Anthropic", srv.wire)
	}
	srv.mu.Unlock()

	db, err := store.Open(context.Background(), filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, _ := db.Experiments(context.Background(), store.ListOptions{Eval: "pets"})
	hashes := map[string]bool{}
	err = db.Rows(context.Background(), exps[0].ID, func(r *store.Row) error {
		var in struct {
			Photo map[string]any `json:"photo"`
		}
		if err := json.Unmarshal(r.Input, &in); err != nil {
			return err
		}
		h, _ := in.Photo["content_hash"].(string)
		hashes[h] = true
		if in.Photo["media_type"] != "image/png" || in.Photo["path"] == nil {
			t.Errorf("row %s: the input's reference %v", r.CaseID, in.Photo)
		}
		if b64 := base64.StdEncoding.EncodeToString(cat); bytes.Contains(r.Spans, []byte(b64)) || bytes.Contains(r.Input, []byte(b64)) {
			t.Errorf("row %s keeps the image's bytes in its input or spans", r.CaseID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(hashes) != 2 || !hashes[store.AttachmentHash(cat)] || !hashes[store.AttachmentHash(dog)] {
		t.Fatalf("rows reference %v, want the hashes of the two files", hashes)
	}
	for h := range hashes {
		if a, err := db.Attachment(context.Background(), h); err != nil || (!bytes.Equal(a.Data, cat) && !bytes.Equal(a.Data, dog)) {
			t.Errorf("attachment %s: %v", h, err)
		}
	}

	writeFile(t, filepath.Join(dir, "vision.prompt.yaml"), "model: local/vision\nmessages:\n  - role: user\n    content:\n      - {type: text, text: Which animal}\n      - {type: image, image: \"{{attachment input.photo}}\"}\n")
	code, out, errOut := run(t, dir, "prompt", "render", "vision.prompt.yaml", "--input", `{"photo": {"type": "attachment", "path": "data/images/dog.png"}}`)
	if want := fmt.Sprintf("\n--- user\nWhich animal\n[image image/png, %d bytes, sha256 %s]\n", len(dog), strings.TrimPrefix(store.AttachmentHash(dog), "sha256:")); code != ExitOK || !strings.HasSuffix(out, want) {
		t.Errorf("prompt render of an image: exit %d\n%q\nwant a suffix %q\n%s", code, out, want, errOut)
	}

	writeFile(t, filepath.Join(dir, "data", "pets.jsonl"), `{"id": "x", "input": {"photo": {"type": "attachment", "path": "images/nope.png"}}, "expected": "cat"}
`)
	code, _, errOut = run(t, dir, "run")
	if code != ExitRun || !strings.Contains(errOut, `data/pets.jsonl:1: attachment "images/nope.png": no such file or directory: paths are relative to the dataset file`) {
		t.Errorf("a missing attachment: exit %d, %s", code, errOut)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "images", "notes.png"), []byte("%PDF-1.4 not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "data", "pets.jsonl"), `{"id": "x", "input": {"photo": {"type": "attachment", "path": "images/notes.png"}}, "expected": "cat"}
`)
	if code, _, errOut = run(t, dir, "run"); code != ExitRun || !strings.Contains(errOut, `attachment "images/notes.png" is application/pdf: attachments are images (image/png, image/jpeg, image/gif, image/webp)`) {
		t.Errorf("a file that is not an image: exit %d, %s", code, errOut)
	}
}
