package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
)

// TestFilesSourceOfImages runs an eval over data: {files: "images/*.png"}:
// one case per image, sorted, its id the relative path, its input the image
// as an attachment (stored once by content hash) and its name; a prompt sends
// each image to a real OpenAI-compatible test server.
func TestFilesSourceOfImages(t *testing.T) {
	t.Parallel()
	cat, dog := pngOf(t, color.White), pngOf(t, color.Black)
	srv := newVisionServer(t, map[string]string{base64.StdEncoding.EncodeToString(cat): "cat", base64.StdEncoding.EncodeToString(dog): "dog"})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "caliper.yaml"), "store: s.db\nproviders:\n  local: {type: openai, base_url: \""+srv.URL+"/v1\"}\n")
	if err := os.MkdirAll(filepath.Join(dir, "images", "more"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"images/dog.png": dog, "images/cat.png": cat, "images/more/cat.png": cat} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "pets.eval.yaml"), `name: pets
data:
  files: ["images/*.png", "images/more/*.png"]
task:
  prompt:
    model: local/vision
    messages:
      - role: user
        content:
          - {type: text, text: "What animal is this?"}
          - {type: image, image: "{{attachment input.file}}"}
scorers:
  - {name: named, expr: 'output + ".png" == input.name'}
`)
	code, out, errOut := run(t, dir, "run", "--no-cache")
	if code != ExitOK || !regexp.MustCompile(`named\s+1\.000\s+3\s+0`).MatchString(out) {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exps, _ := db.Experiments(context.Background(), store.ListOptions{Eval: "pets"})
	var ids []string
	err = db.Rows(context.Background(), exps[0].ID, func(r *store.Row) error {
		ids = append(ids, r.CaseID)
		var in struct {
			File map[string]any `json:"file"`
			Name string         `json:"name"`
		}
		if err := json.Unmarshal(r.Input, &in); err != nil {
			return err
		}
		if in.File["type"] != "attachment" || in.File["path"] != r.CaseID || in.File["media_type"] != "image/png" || in.Name != filepath.Base(r.CaseID) {
			t.Errorf("row %s input %s", r.CaseID, r.Input)
		}
		if h, _ := in.File["content_hash"].(string); h == "" {
			t.Errorf("row %s: the image was not stored", r.CaseID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, ",") != "cat.png,dog.png,more/cat.png" {
		t.Errorf("case ids %v, want the relative paths, sorted", ids)
	}
	if a, err := db.Attachment(context.Background(), store.AttachmentHash(cat)); err != nil || len(a.Data) != len(cat) {
		t.Errorf("the cat image is not in the store: %v", err)
	}

	writeFile(t, filepath.Join(dir, "images", "notes.jsonl"), `{"input": 1}`+"\n")
	writeFile(t, filepath.Join(dir, "pets.eval.yaml"), "name: pets\ndata: {files: \"images/*\"}\ntask: {expr: input}\nscorers: [{name: ok, expr: \"true\"}]\n")
	code, _, errOut = run(t, dir, "run")
	if code != ExitInvalid || !strings.Contains(errOut, `pets.eval.yaml:2:15: data.files matches both images`) || !strings.Contains(errOut, "match only dataset files, or only images") {
		t.Errorf("images mixed with a dataset: exit %d\n%s", code, errOut)
	}
}
