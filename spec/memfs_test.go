package spec

import (
	"io/fs"
	"strings"
	"testing/fstest"
)

// memFS serves an in-memory tree under OS-style absolute paths ("/a/b.yaml").
type memFS struct{ m fstest.MapFS }

func newMemFS(files map[string]string) memFS {
	m := fstest.MapFS{}
	for name, body := range files {
		m[strings.TrimPrefix(name, "/")] = &fstest.MapFile{Data: []byte(body)}
	}
	return memFS{m: m}
}

func rel(name string) string {
	name = strings.TrimPrefix(name, "/")
	if name == "" {
		return "."
	}
	return name
}

func (f memFS) ReadFile(name string) ([]byte, error)  { return fs.ReadFile(f.m, rel(name)) }
func (f memFS) Stat(name string) (fs.FileInfo, error) { return fs.Stat(f.m, rel(name)) }

func (f memFS) Glob(pattern string) ([]string, error) {
	matches, err := fs.Glob(f.m, rel(pattern))
	for i := range matches {
		matches[i] = "/" + matches[i]
	}
	return matches, err
}

func (f memFS) WalkDir(root string, fn fs.WalkDirFunc) error {
	return fs.WalkDir(f.m, rel(root), func(path string, d fs.DirEntry, err error) error {
		return fn("/"+path, d, err)
	})
}
