package datasets

import (
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// fileCaseSource gives one case per image a data.files glob matches, in
// sorted order: id the image's path relative to FilesDir (with /), input
// {"file": {"type": "attachment", "path": id}, "name": its base name}. The
// pipeline stores each image as an attachment of its case.
type fileCaseSource struct {
	files   []string
	base    string
	display func(string) string
	i       int
}

func (s *fileCaseSource) next() (rawRow, error) {
	if s.i >= len(s.files) {
		return rawRow{}, io.EOF
	}
	f := s.files[s.i]
	s.i++
	rel, err := filepath.Rel(s.base, f)
	if err != nil {
		rel = f
	}
	rel = filepath.ToSlash(rel)
	row := map[string]any{
		"id": rel,
		"input": map[string]any{
			"file": map[string]any{"type": "attachment", "path": rel},
			"name": filepath.Base(f),
		},
	}
	return rawRow{value: row, source: s.display(f)}, nil
}

func (s *fileCaseSource) close() error { return nil }

// FilesDir is the directory the images of a data.files source are
// relative to, in case ids and attachment paths: the directory of the first
// pattern, up to its first wildcard.
func FilesDir(patterns []string) string {
	if len(patterns) == 0 {
		return "."
	}
	p := patterns[0]
	if i := strings.IndexAny(p, `*?[\`); i >= 0 {
		p = p[:i]
	}
	return filepath.Dir(p)
}

// allImages reports whether files are all images (spec.AttachmentExtensions).
func allImages(files []string) bool {
	return len(files) > 0 && !slices.ContainsFunc(files, func(f string) bool {
		return !slices.Contains(spec.AttachmentExtensions, strings.ToLower(filepath.Ext(f)))
	})
}
