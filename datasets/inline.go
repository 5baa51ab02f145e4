package datasets

import (
	"fmt"
	"io"
)

// inlineSource yields the rows written in the eval under data.inline. Their
// source is inline[i], i counting from 0.
type inlineSource struct {
	rows []any
	i    int
}

func (s *inlineSource) next() (rawRow, error) {
	if s.i >= len(s.rows) {
		return rawRow{}, io.EOF
	}
	source := fmt.Sprintf("inline[%d]", s.i)
	v, err := normalize(s.rows[s.i])
	s.i++
	if err != nil {
		return rawRow{}, rowErr(source, "%v", err)
	}
	return rawRow{value: v, source: source}, nil
}

func (s *inlineSource) close() error { return nil }
