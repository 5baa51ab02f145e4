// Package atomicfile writes a file so that it is never seen half written: the
// content goes to a temporary file next to it, renamed into place only when
// all of it was written.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write creates path with the content fill writes (buffered), making its
// directory when needed. When fill or a write fails, path is left as it was.
func Write(path string, fill func(w io.Writer) error) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("writing %s: %w: check that its directory can be created", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".caliper-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w: check that its directory can be written", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 64<<10)
	if err := fill(w); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := errors.Join(w.Flush(), tmp.Chmod(0o644), tmp.Close()); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
