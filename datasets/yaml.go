package datasets

import (
	"errors"
	"fmt"
	"io"
	"regexp"

	"gopkg.in/yaml.v3"
)

// yamlSource reads a .yaml or .yml file: a top-level list of rows. Values are
// normalised to the types encoding/json gives (see normalize), so a YAML row and
// the same row in JSON make the same case.
//
// yaml.v3 has no streaming decoder for the elements of a list, so the file's
// node tree is parsed whole; each element is released once it is decoded.
// Prefer .jsonl for large datasets.
type yamlSource struct {
	rows []*yaml.Node
	name string
	i    int
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func newYAMLSource(r io.Reader, name string) (rowSource, error) {
	dec := yaml.NewDecoder(r)
	var doc yaml.Node
	err := dec.Decode(&doc)
	if err == io.EOF {
		return &yamlSource{name: name}, nil // an empty file holds no rows
	}
	if err != nil {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s: invalid YAML: %s: fix the file", name, m[1], m[2])
		}
		return nil, fmt.Errorf("%s: invalid YAML: %w: fix the file", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s:%d: the file holds several YAML documents: a YAML dataset is one list of rows", name, extra.Line)
	}
	top := &doc
	if top.Kind == yaml.DocumentNode && len(top.Content) == 1 {
		top = top.Content[0]
	}
	switch {
	case top.Kind == yaml.SequenceNode:
		return &yamlSource{rows: top.Content, name: name}, nil
	case top.Kind == yaml.ScalarNode && top.Tag == "!!null":
		return &yamlSource{name: name}, nil
	}
	return nil, fmt.Errorf("%s:%d: a YAML dataset must be a top-level list of rows, like \"- input: ...\"", name, top.Line)
}

func (s *yamlSource) next() (rawRow, error) {
	if s.i >= len(s.rows) {
		return rawRow{}, io.EOF
	}
	n := s.rows[s.i]
	s.rows[s.i] = nil // let the decoded element's nodes go
	s.i++
	source := fmt.Sprintf("%s:%d", s.name, n.Line)
	var v any
	if err := n.Decode(&v); err != nil {
		return rawRow{}, rowErr(source, "invalid row: %v", err)
	}
	v, err := normalize(v)
	if err != nil {
		return rawRow{}, rowErr(source, "%v", err)
	}
	return rawRow{value: v, source: source}, nil
}

func (s *yamlSource) close() error {
	s.rows = nil
	return nil
}
