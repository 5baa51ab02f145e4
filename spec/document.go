package spec

import (
	"bytes"
	"errors"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// document is one parsed YAML file: its root node, its plain value (for schema
// validation) and an index from value paths to the nodes that hold them.
type document struct {
	src   []byte
	root  *yaml.Node // the top-level mapping
	value any
	nodes map[string]*yaml.Node // path -> value node
	keys  map[string]*yaml.Node // path -> key node of a mapping entry
	size  int                   // nodes converted so far, aliases expanded
	open  map[*yaml.Node]bool   // aliased nodes being expanded, to catch cycles
}

// maxNodes bounds the expanded size of a document, so aliases cannot blow it up.
const maxNodes = 200_000

// maxDepth bounds how deeply values nest.
const maxDepth = 200

// pathKey joins path segments as gojsonschema contexts do, rooted at "(root)".
func pathKey(segs ...string) string {
	return strings.Join(append([]string{"(root)"}, segs...), "\x00")
}

func nodePos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{}
	}
	return Pos{Line: n.Line, Col: n.Column}
}

// keyOrValuePos returns where a path is written: its key when it has one, else its value.
func (d *document) keyOrValuePos(path string) Pos {
	if k := d.keys[path]; k != nil {
		return nodePos(k)
	}
	return nodePos(d.nodes[path])
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseDocument parses src and reports syntax problems, tabs, duplicate keys, a
// missing or non-mapping top level. kindNoun names the file kind in messages.
func parseDocument(src []byte, r *reporter, nouns [2]string) *document {
	if strings.TrimSpace(stripComments(src)) == "" {
		r.at(Pos{Line: 1, Col: 1}, "the file is empty: write %s here (run `caliper init` for an example)", nouns[0])
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		reportSyntax(src, err, r)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		r.at(nodePos(&extra), "the file holds a second YAML document after \"---\": put each %s in its own file", nouns[1])
	} else if !errors.Is(err, io.EOF) {
		reportSyntax(src, err, r)
		return nil
	}
	top := &root
	if top.Kind == yaml.DocumentNode && len(top.Content) > 0 {
		top = top.Content[0]
	}
	if top.Kind != yaml.MappingNode {
		r.at(nodePos(top), "the file must be a mapping of keys to values (such as `name: ...`), not %s", describeNode(top))
		return nil
	}
	d := &document{src: src, root: top, nodes: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}, open: map[*yaml.Node]bool{}}
	d.value = d.convert(top, nil, r)
	return d
}

func stripComments(src []byte) string {
	var b strings.Builder
	for _, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") || t == "---" || t == "..." {
			continue
		}
		b.WriteString(t)
	}
	return b.String()
}

const tabMessage = "tab character in indentation: YAML indents with spaces only; replace the tab with spaces"

// reportSyntax turns a yaml.v3 error into a diagnostic at the place to fix.
func reportSyntax(src []byte, err error, r *reporter) {
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	msg := err.Error()
	m := yamlLineErr.FindStringSubmatch(msg)
	if m == nil {
		if p, ok := firstTabIndent(lines); ok && strings.Contains(msg, "tab") {
			r.at(p, tabMessage)
			return
		}
		r.at(Pos{Line: 1, Col: 1}, "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return
	}
	line, _ := strconv.Atoi(m[1])
	problem := m[2]
	if strings.HasPrefix(problem, "did not find expected") {
		line++ // yaml.v3 numbers the lines of parser (not scanner) errors from 0
	}
	line = min(max(line, 1), len(lines)) // YAML also breaks lines at U+0085, U+2028 and U+2029
	text := lineAt(lines, line)
	switch {
	case tabIndent(text) > 0:
		r.at(Pos{Line: line, Col: tabIndent(text)}, tabMessage)
	case strings.Contains(problem, "tab"):
		if p, ok := firstTabIndent(lines); ok {
			r.at(p, tabMessage)
		} else {
			r.at(Pos{Line: line, Col: 1}, tabMessage)
		}
	case problem == "mapping values are not allowed in this context" && secondColon(text) > 0:
		r.at(Pos{Line: line, Col: secondColon(text)}, "invalid YAML: a value that contains \": \" must be quoted, e.g. expr: 'a ? b : c'")
	case problem == "found unexpected end of stream" && unclosedQuote(lines).IsKnown():
		r.at(unclosedQuote(lines), "invalid YAML: this quoted string is never closed: add the closing quote")
	case strings.HasPrefix(problem, "did not find expected ',' or '}'"):
		r.at(Pos{Line: line, Col: runeCol(text, strings.LastIndex(text, "{"))}, "invalid YAML: %s", problem)
	case strings.HasPrefix(problem, "did not find expected ',' or ']'"):
		r.at(Pos{Line: line, Col: runeCol(text, strings.LastIndex(text, "["))}, "invalid YAML: %s", problem)
	default:
		r.at(Pos{Line: line, Col: runeCol(text, len(text)-len(strings.TrimLeft(text, " ")))}, "invalid YAML: %s", problem)
	}
}

func lineAt(lines []string, line int) string {
	if line < 1 || line > len(lines) {
		return ""
	}
	return lines[line-1]
}

// runeCol is the 1-based column of byte index i in text; 1 when i is negative.
func runeCol(text string, i int) int {
	if i < 0 || i > len(text) {
		return 1
	}
	return utf8.RuneCountInString(text[:i]) + 1
}

// tabIndent is the column of a tab in the indentation of a line, or 0.
func tabIndent(text string) int {
	for j, c := range text {
		if c == '\t' {
			return runeCol(text, j)
		}
		if c != ' ' {
			return 0
		}
	}
	return 0
}

// unclosedQuote finds the first quoted scalar that does not close on its line.
func unclosedQuote(lines []string) Pos {
	for i, text := range lines {
		if col := openQuote(text); col > 0 {
			return Pos{Line: i + 1, Col: col}
		}
	}
	return Pos{}
}

// openQuote returns the column of a quote that opens a scalar on this line and
// is not closed on it, or 0.
func openQuote(text string) int {
	prev := ' '
	for j := 0; j < len(text); j++ {
		c := text[j]
		if c == '#' && (prev == ' ' || prev == '\t') {
			return 0
		}
		if (c == '"' || c == '\'') && strings.ContainsRune(" \t[{,:-", prev) && (j == 0 || text[j-1] != c) {
			end := closingQuote(text, j)
			if end < 0 {
				return runeCol(text, j)
			}
			j = end
			prev = rune(c)
			continue
		}
		prev = rune(c)
	}
	return 0
}

// closingQuote returns the index of the quote that closes the one at start, or -1.
func closingQuote(text string, start int) int {
	q := text[start]
	for j := start + 1; j < len(text); j++ {
		switch {
		case q == '"' && text[j] == '\\':
			j++
		case q == '\'' && text[j] == '\'' && j+1 < len(text) && text[j+1] == '\'':
			j++
		case text[j] == q:
			return j
		}
	}
	return -1
}

// secondColon is the column of the ": " inside the value of a "key: value" line,
// where YAML saw a second mapping, or 0.
func secondColon(text string) int {
	first := strings.Index(text, ": ")
	if first < 0 {
		return 0
	}
	second := strings.Index(text[first+2:], ": ")
	if second < 0 {
		return 0
	}
	return runeCol(text, first+2+second)
}

func firstTabIndent(lines []string) (Pos, bool) {
	for i, text := range lines {
		if col := tabIndent(text); col > 0 {
			return Pos{Line: i + 1, Col: col}, true
		}
	}
	return Pos{}, false
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return "a single value"
	case yaml.AliasNode:
		return "an alias"
	}
	return "empty"
}

// convert turns a node into the plain value a JSON Schema validator sees, recording
// every node's path and reporting duplicate keys.
func (d *document) convert(n *yaml.Node, path []string, r *reporter) any {
	d.size++
	if d.size == maxNodes {
		r.at(nodePos(n), "the file expands to more than %d values (aliases?): split it or use fewer aliases", maxNodes)
	}
	if d.size >= maxNodes {
		return nil
	}
	if len(path) > maxDepth {
		r.at(nodePos(n), "values nest more than %d levels deep: flatten the file", maxDepth)
		d.size = maxNodes
		return nil
	}
	key := pathKey(path...)
	if _, seen := d.nodes[key]; !seen {
		d.nodes[key] = n
	}
	switch n.Kind {
	case yaml.AliasNode:
		if d.open[n.Alias] {
			r.at(nodePos(n), "alias *%s refers to a value that contains it: YAML values cannot contain themselves", n.Value)
			d.size = maxNodes
			return nil
		}
		d.open[n.Alias] = true
		v := d.convert(n.Alias, path, r)
		delete(d.open, n.Alias)
		return v
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = d.convert(c, append(path, strconv.Itoa(i)), r)
		}
		return out
	case yaml.MappingNode:
		return d.convertMapping(n, path, r)
	case yaml.ScalarNode:
		return scalarValue(n)
	}
	return nil
}

func (d *document) convertMapping(n *yaml.Node, path []string, r *reporter) map[string]any {
	out := map[string]any{}
	seen := map[string]*yaml.Node{}
	var dups []int
	defer func() { dropPairs(n, dups) }()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			for _, src := range mergeSources(v) {
				if merged, ok := d.convert(src, path, r).(map[string]any); ok {
					for mk, mv := range merged {
						if _, has := out[mk]; !has {
							out[mk] = mv
						}
					}
				}
			}
			continue
		}
		name := k.Value
		if prev, dup := seen[name]; dup {
			r.at(nodePos(k), "duplicate key %q (first written at line %d): remove one of them", name, prev.Line)
			dups = append(dups, i)
			continue
		}
		seen[name] = k
		child := append(append([]string(nil), path...), name)
		d.keys[pathKey(child...)] = k
		out[name] = d.convert(v, child, r)
	}
	return out
}

// dropPairs removes the key-value pairs starting at the given indices, so that
// decoding the mapping (which rejects duplicate keys) sees the first of each.
func dropPairs(n *yaml.Node, starts []int) {
	if len(starts) == 0 {
		return
	}
	kept := n.Content[:0:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		if !slices.Contains(starts, i) {
			kept = append(kept, n.Content[i], n.Content[i+1])
		}
	}
	n.Content = kept
}

func mergeSources(v *yaml.Node) []*yaml.Node {
	if v.Kind == yaml.SequenceNode {
		return v.Content
	}
	return []*yaml.Node{v}
}

func scalarValue(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value
}
