package datasets

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// TestFilesOfImages checks that a files glob of images gives one case per
// image, sorted, with its relative path as id and an attachment input.
func TestFilesOfImages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"img/b.png", "img/a.JPG", "img/sub/c.webp"} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(context.Background(), spec.Data{Files: []string{filepath.Join(dir, "img", "*"), filepath.Join(dir, "img", "sub", "*.webp")}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []Case
	for {
		c, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if !reflect.DeepEqual(ids, []string{"a.JPG", "b.png", "sub/c.webp"}) {
		t.Fatalf("ids %v", ids)
	}
	want := map[string]any{"file": map[string]any{"type": "attachment", "path": "sub/c.webp"}, "name": "c.webp"}
	if !reflect.DeepEqual(got[2].Input, want) || got[2].Expected != nil {
		t.Errorf("case %+v, want input %v", got[2], want)
	}
}

// TestFilesDir checks the directory image paths are relative to.
func TestFilesDir(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"/e/images/*.png": "/e/images", "/e/images/cat*.png": "/e/images", "/e/*/x.png": "/e", "/e/a.png": "/e"} {
		if got := FilesDir([]string{in}); got != want {
			t.Errorf("FilesDir(%q) = %q, want %q", in, got, want)
		}
	}
}
