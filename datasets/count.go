package datasets

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/spec"
)

// CountCases counts the cases Open would give for d without decoding a row,
// where the count is exact and cheap: JSON Lines files (data.file or
// data.files), whose cases are their non-blank lines, capped by data.limit
// and data.sample. It reports false for data whose count needs the rows
// decoded: another format, a store dataset or experiment, data.filter, or
// data.on_error: skip (a skipped row is not a case). A file that cannot be
// read reports false too: opening it for the run says why.
func CountCases(ctx context.Context, d spec.Data) (int, bool) {
	if d.Filter != nil || d.OnError == "skip" {
		return 0, false
	}
	var files []string
	switch {
	case d.File != "":
		files = []string{d.File}
	case len(d.Files) > 0:
		var err error
		if files, err = expandGlobs(d.Files); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	n := 0
	for _, f := range files {
		if !strings.EqualFold(filepath.Ext(f), ".jsonl") {
			return 0, false
		}
		lines, err := countLines(ctx, f)
		if err != nil {
			return 0, false
		}
		n += lines
	}
	if d.Sample != nil && d.Sample.Size > 0 {
		n = min(n, d.Sample.Size)
	}
	if d.Limit > 0 {
		n = min(n, d.Limit)
	}
	return n, true
}

// countLines counts the lines of a JSON Lines file that jsonlSource reads as
// rows: those with something other than white space. A line whose first
// read buffer is all white space but goes on is not counted here (its white
// space may be cut mid-character): errLongBlank asks for a full read.
func countLines(ctx context.Context, path string) (int, error) {
	// Opening a named pipe would wait for a writer: only a regular file is
	// counted, as only one is read.
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if err := checkRegular(info, path); err != nil {
		return 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, jsonlReadSize)
	skipBOM(r)
	n, text := 0, false // text: the current line has text
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		chunk, err := r.ReadSlice('\n')
		if !text {
			text = len(bytes.TrimSpace(chunk)) > 0
			if !text && err == bufio.ErrBufferFull {
				return 0, errLongBlank
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if text {
			n++
			text = false
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// errLongBlank is a line of white space longer than the read buffer.
var errLongBlank = errors.New("a blank line longer than the read buffer")
