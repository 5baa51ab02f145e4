package mask

import (
	"fmt"
	"strconv"
)

// Roots are the parts of a row a field rule can start at.
var Roots = []string{"input", "expected", "output", "metadata"}

// HasFields reports whether m has field rules.
func (m *Masker) HasFields() bool { return m != nil && len(m.fields) > 0 }

// Fields applies the field rules that start at root (one of Roots) to v. It
// returns a copy of v in which the value at each rule's path is replaced, and
// the string values it replaced, so that the caller can mask them wherever
// else they appear in the row (a prompt that quotes the masked email). A path
// part is a map key, an index into a list, or * for every key or item.
func (m *Masker) Fields(root string, v any) (any, []Replacement) {
	if !m.HasFields() {
		return v, nil
	}
	var found []Replacement
	for _, r := range m.fields {
		if r.Field[0] != root {
			continue
		}
		v = replaceAt(v, r.Field[1:], r.Replace, &found)
	}
	return v, found
}

// replaceAt returns v with the value at path replaced by repl, copying the
// maps and lists on the way.
func replaceAt(v any, path []string, repl string, found *[]Replacement) any {
	if len(path) == 0 {
		var texts []string
		collect(v, &texts)
		for _, t := range texts {
			*found = append(*found, Replacement{Old: t, New: repl})
		}
		return repl
	}
	part, rest := path[0], path[1:]
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if part == "*" || k == part {
				e = replaceAt(e, rest, repl, found)
			}
			out[k] = e
		}
		return out
	case []any:
		i, err := strconv.Atoi(part)
		out := make([]any, len(x))
		for j, e := range x {
			if part == "*" || (err == nil && i == j) {
				e = replaceAt(e, rest, repl, found)
			}
			out[j] = e
		}
		return out
	}
	return v
}

// collect appends the strings and numbers inside v.
func collect(v any, found *[]string) {
	switch x := v.(type) {
	case string:
		*found = append(*found, x)
	case map[string]any:
		for _, e := range x {
			collect(e, found)
		}
	case []any:
		for _, e := range x {
			collect(e, found)
		}
	case nil, bool:
	default:
		*found = append(*found, fmt.Sprint(x))
	}
}
