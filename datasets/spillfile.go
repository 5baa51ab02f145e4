package datasets

import (
	"errors"
	"io/fs"
	"os"
)

// spillFile is a temporary file of an idSet's run.
type spillFile struct {
	f    *os.File
	path string // to remove on close; empty once removed
}

// createSpillFile creates a temporary file in os.TempDir() and, where the
// system allows removing an open file, removes it at once: its space is
// freed when it is closed, or when the process ends, even when killed.
func createSpillFile() (*spillFile, error) {
	f, err := os.CreateTemp("", "caliper-ids-*")
	if err != nil {
		return nil, err
	}
	sf := &spillFile{f: f, path: f.Name()}
	if os.Remove(sf.path) == nil {
		sf.path = ""
	}
	return sf, nil
}

// close closes the file and removes it if it is still there.
func (f *spillFile) close() error {
	err := f.f.Close()
	if f.path != "" {
		if rerr := os.Remove(f.path); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		f.path = ""
	}
	return err
}
