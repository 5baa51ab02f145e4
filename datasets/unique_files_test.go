package datasets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/spec"
)

// TestStreamRemovesItsIDFiles checks that the temporary files of a stream's
// ids are gone, and closed, once the stream ends, fails, is cancelled or is
// closed. TMPDIR is set, so the test is not parallel.
func TestStreamRemovesItsIDFiles(t *testing.T) {
	var rows strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&rows, `{"id": "c%d", "input": %d}`+"\n", i, i)
	}
	unique := writeFile(t, "unique.jsonl", rows.String())
	repeated := writeFile(t, "repeated.jsonl", rows.String()+`{"id": "c3", "input": 0}`+"\n")
	tests := []struct {
		name    string
		data    spec.Data
		read    int // the cases to read before Close; -1 for all
		cancel  bool
		wantErr string
	}{
		{"at the end", spec.Data{File: unique}, -1, false, ""},
		{"at a duplicate", spec.Data{File: repeated}, -1, false, "also the id of the row at " + repeated + ":4"},
		{"cancelled", spec.Data{File: unique}, 500, true, "context canceled"},
		{"closed half way", spec.Data{File: unique}, 500, false, ""},
		{"sampled", spec.Data{File: unique, Sample: &spec.Sample{Size: 10, Seed: 1}}, 1, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := filepath.Join(t.TempDir(), "tmp")
			if err := os.Mkdir(tmp, 0o700); err != nil {
				t.Fatal(err)
			}
			t.Setenv("TMPDIR", tmp)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s, err := Open(ctx, tt.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.ids.cap = 16
			created := 0
			s.ids.create = func() (*spillFile, error) { created++; return createSpillFile() }
			err = readCases(s, tt.read)
			if created == 0 {
				t.Fatal("no run file was created: the test checks nothing")
			}
			if tt.cancel {
				if len(openFilesIn(t, tmp)) == 0 && hasProcFD() {
					t.Fatal("no run file open before the cancel: the test checks nothing")
				}
				cancel()
				_, err = s.Next()
			}
			if tt.wantErr != "" {
				wantErr(t, err, tt.wantErr)
			} else if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) > 0 {
				t.Errorf("%d files left in TMPDIR, such as %s", len(entries), entries[0].Name())
			}
			if open := openFilesIn(t, tmp); len(open) > 0 {
				t.Errorf("%d files of TMPDIR still open, such as %s", len(open), open[0])
			}
		})
	}
}

// TestStreamFailsWhenItCannotSpillIDs checks that a stream whose ids cannot
// be written to TMPDIR fails, with an error that says what to do, even
// under data.on_error: skip, rather than giving out cases unchecked.
func TestStreamFailsWhenItCannotSpillIDs(t *testing.T) {
	var rows strings.Builder
	for i := range 100 {
		fmt.Fprintf(&rows, `{"id": "c%d", "input": %d}`+"\n", i, i)
	}
	file := writeFile(t, "d.jsonl", rows.String())
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name   string
		tmpdir string
		create func() (*spillFile, error)
		want   string
	}{
		{"TMPDIR missing", missing, nil, "open " + missing + "/caliper-ids-"},
		{"disk full", "", openDevFull, "write /dev/full: no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tmpdir != "" {
				t.Setenv("TMPDIR", tt.tmpdir)
			}
			for _, onError := range []string{"fail", "skip"} {
				s, err := Open(context.Background(), spec.Data{File: file, OnError: onError}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				s.ids.cap = 16
				if tt.create != nil {
					s.ids.create = tt.create
				}
				err = readCases(s, -1)
				var re *RowError
				if errors.As(err, &re) {
					t.Errorf("on_error %s: a row error %v, want an error of the stream", onError, err)
				}
				wantErr(t, err, "checking case ids for duplicates: ", tt.want, "point TMPDIR at a writable directory")
				if _, again := s.Next(); again != err {
					t.Errorf("on_error %s: Next after the error returned %v", onError, again)
				}
				if s.Skipped() != 0 {
					t.Errorf("on_error %s: %d rows skipped", onError, s.Skipped())
				}
				if err := s.Close(); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// openDevFull opens /dev/full, where every write fails as on a full disk.
func openDevFull() (*spillFile, error) {
	f, err := os.OpenFile("/dev/full", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (this system has no /dev/full)", err)
	}
	return &spillFile{f: f}, nil
}

// readCases reads n cases from s, or all for n < 0. It returns the error
// that stopped it, nil at the end.
func readCases(s *Stream, n int) error {
	for i := 0; n < 0 || i < n; i++ {
		if _, err := s.Next(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
	return nil
}

func hasProcFD() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
}

// openFilesIn lists the files under dir this process holds open, removed or
// not, where the system says (/proc/self/fd).
func openFilesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return nil
	}
	var open []string
	for _, e := range entries {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(target, dir+string(filepath.Separator)) {
			open = append(open, target)
		}
	}
	return open
}
