package spec

import (
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// locateInScalar maps a rune offset in a scalar's decoded value to its position
// in the source, following YAML's rules for each style: escapes and ” in quoted
// scalars, line folding in flow scalars, indentation in block scalars.
func locateInScalar(src []byte, n *yaml.Node, value string, offset int) Pos {
	c := newCursor(src, n.Line, n.Column)
	if c == nil {
		return nodePos(n)
	}
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		c.block(offset)
	case n.Style&yaml.DoubleQuotedStyle != 0:
		c.next()
		c.flow(offset, '"')
	case n.Style&yaml.SingleQuotedStyle != 0:
		c.next()
		c.flow(offset, '\'')
	default:
		c.flow(offset, 0)
	}
	return Pos{Line: c.line, Col: c.col}
}

// cursor walks the source one rune at a time, knowing its line and column.
type cursor struct {
	src       []byte
	at        int
	line, col int
}

func newCursor(src []byte, line, col int) *cursor {
	c := &cursor{src: src, line: 1, col: 1}
	for c.line < line {
		if c.at >= len(src) {
			return nil
		}
		c.next()
	}
	for c.col < col && c.at < len(src) && src[c.at] != '\n' {
		c.next()
	}
	return c
}

func (c *cursor) peek() rune {
	if c.at >= len(c.src) {
		return -1
	}
	r, _ := utf8.DecodeRune(c.src[c.at:])
	return r
}

func (c *cursor) next() {
	if c.at >= len(c.src) {
		return
	}
	r, size := utf8.DecodeRune(c.src[c.at:])
	c.at += size
	if r == '\n' {
		c.line, c.col = c.line+1, 1
	} else {
		c.col++
	}
}

// restOfLineBlank reports whether only spaces and tabs remain before the line ends.
func (c *cursor) restOfLineBlank() bool {
	for i := c.at; i < len(c.src); i++ {
		switch c.src[i] {
		case ' ', '\t', '\r':
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

func (c *cursor) skipSpaces() {
	for r := c.peek(); r == ' ' || r == '\t' || r == '\r'; r = c.peek() {
		c.next()
	}
}

// flow advances over offset decoded runes of a flow scalar (plain when quote is 0).
func (c *cursor) flow(offset int, quote rune) {
	for decoded := 0; decoded < offset && c.at < len(c.src); {
		r := c.peek()
		switch {
		case r == quote && quote == '\'' && c.at+1 < len(c.src) && c.src[c.at+1] == '\'':
			c.next()
			c.next()
			decoded++
		case r == quote:
			return
		case (r == ' ' || r == '\t') && c.restOfLineBlank():
			c.skipSpaces() // trailing spaces before a line break are not part of the value
		case r == '\n' || r == '\r':
			decoded += c.fold()
		case r == '\\' && quote == '"':
			decoded += c.escape()
		default:
			c.next()
			decoded++
		}
	}
}

// fold crosses a line break of a flow scalar: it decodes to one space, or to one
// newline per empty line that follows.
func (c *cursor) fold() int {
	for c.peek() == '\r' {
		c.next()
	}
	c.next()
	empty := 0
	for {
		c.skipSpaces()
		if c.peek() != '\n' {
			break
		}
		c.next()
		empty++
	}
	return max(empty, 1)
}

// escape crosses one escape sequence of a double-quoted scalar.
func (c *cursor) escape() int {
	c.next()
	switch c.peek() {
	case '\n', '\r':
		c.fold()
		return 0 // an escaped line break joins the lines
	case 'x':
		c.skip(3)
	case 'u':
		c.skip(5)
	case 'U':
		c.skip(9)
	default:
		c.next()
	}
	return 1
}

func (c *cursor) skip(n int) {
	for range n {
		c.next()
	}
}

// block advances over offset decoded runes of a literal or folded block scalar,
// whose content starts on the line after its indicator.
func (c *cursor) block(offset int) {
	for c.at < len(c.src) && c.peek() != '\n' {
		c.next()
	}
	c.next()
	indent := c.blockIndent()
	for decoded := 0; ; {
		for c.col <= indent && (c.peek() == ' ') {
			c.next()
		}
		for c.at < len(c.src) && c.peek() != '\n' {
			if c.peek() == '\r' && c.at+1 < len(c.src) && c.src[c.at+1] == '\n' {
				c.next() // CRLF decodes to one line break
				continue
			}
			if decoded == offset {
				return
			}
			c.next()
			decoded++
		}
		if decoded == offset || c.at >= len(c.src) {
			return
		}
		c.next()
		decoded++
	}
}

// blockIndent is the indentation of the first non-empty line from the cursor.
func (c *cursor) blockIndent() int {
	indent := 0
	for i := c.at; i < len(c.src); i++ {
		switch c.src[i] {
		case ' ':
			indent++
		case '\n':
			indent = 0
		default:
			return indent
		}
	}
	return indent
}
