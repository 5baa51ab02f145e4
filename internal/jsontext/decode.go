package jsontext

import (
	"encoding/json"
	"math"
	"strconv"
	"unicode/utf8"
)

// Decoder decodes JSON documents into the values json.Unmarshal gives an
// *any (map[string]any, []any, string, float64, bool and nil) without
// reflection, and keeps the object keys it has seen so that a key repeated on
// every row is allocated once. It is not safe for concurrent use.
type Decoder struct {
	keys   map[string]string
	recent [keyCacheSize]string // keys seen last, by keySlot, checked before keys
	stack  []any                // the elements of the arrays being parsed
}

// keyCacheSize is the number of slots of Decoder.recent: enough for the
// keys of the rows of a dataset, which repeat row after row.
const keyCacheSize = 64

// maxDecodeDepth is the deepest nesting Decode parses itself; deeper
// documents go to encoding/json, whose own limit and error apply.
const maxDecodeDepth = 1000

// Keys at most this long, and at most maxInternedKeys of them, are interned.
const (
	maxInternedKey  = 64
	maxInternedKeys = 1024
)

// Decode returns the value of the JSON document b, exactly as json.Unmarshal
// into an *any returns it. What the fast path does not take (invalid JSON, a
// number out of range, surrogate escapes, very deep nesting) is decoded by
// json.Unmarshal, so its errors are encoding/json's.
func (d *Decoder) Decode(b []byte) (any, error) {
	if v, ok := d.DecodeFast(b); ok {
		return v, nil
	}
	var slow any
	if err := json.Unmarshal(b, &slow); err != nil {
		return nil, err
	}
	return slow, nil
}

// DecodeFast is Decode without its fallback to encoding/json: it reports
// false for what Decode would give json.Unmarshal, such as invalid JSON. A
// document it decodes is valid UTF-8 with no \u escape of a UTF-16
// surrogate, and its value is the one Decode gives.
func (d *Decoder) DecodeFast(b []byte) (any, bool) {
	defer d.release()
	p := parser{b: b, d: d}
	p.skipSpace()
	v, ok := p.value(0)
	if !ok {
		return nil, false
	}
	p.skipSpace()
	return v, p.i == len(b)
}

// parser is one Decode's position in its document.
type parser struct {
	b   []byte
	i   int
	d   *Decoder
	buf []byte // unescapes strings
}

func (p *parser) skipSpace() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value parses the value at p.i; false means the fast path gives up.
func (p *parser) value(depth int) (any, bool) {
	if p.i >= len(p.b) {
		return nil, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		if depth >= maxDecodeDepth {
			return nil, false
		}
		return p.object(depth)
	case c == '[':
		if depth >= maxDecodeDepth {
			return nil, false
		}
		return p.array(depth)
	case c == '"':
		s, ok := p.stringBytes()
		if !ok {
			return nil, false
		}
		return string(s), true
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *parser) literal(word string) bool {
	if len(p.b)-p.i < len(word) || string(p.b[p.i:p.i+len(word)]) != word {
		return false
	}
	p.i += len(word)
	return true
}

func (p *parser) object(depth int) (any, bool) {
	p.i++ // {
	m := map[string]any{}
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return nil, false
		}
		kb, ok := p.stringBytes()
		if !ok {
			return nil, false
		}
		k := p.d.key(kb)
		p.skipSpace()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return nil, false
		}
		p.i++
		p.skipSpace()
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k] = v
		p.skipSpace()
		if p.i >= len(p.b) {
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

// array parses an array, gathering its elements on the decoder's stack so
// that the slice is allocated once, at its length.
func (p *parser) array(depth int) (any, bool) {
	p.i++ // [
	p.skipSpace()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return []any{}, true
	}
	mark := len(p.d.stack)
	for {
		v, ok := p.value(depth + 1)
		if !ok {
			p.d.pop(mark)
			return nil, false
		}
		p.d.stack = append(p.d.stack, v)
		p.skipSpace()
		if p.i >= len(p.b) {
			p.d.pop(mark)
			return nil, false
		}
		switch p.b[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case ']':
			p.i++
			a := make([]any, len(p.d.stack)-mark)
			copy(a, p.d.stack[mark:])
			p.d.pop(mark)
			return a, true
		default:
			p.d.pop(mark)
			return nil, false
		}
	}
}

// pop drops the elements of the stack from mark on, so that it keeps none
// of them alive.
func (d *Decoder) pop(mark int) {
	for i := mark; i < len(d.stack); i++ {
		d.stack[i] = nil
	}
	d.stack = d.stack[:mark]
}

// maxKeptStack is the largest stack a decoder keeps between documents: a
// larger one, grown by one long array, is released.
const maxKeptStack = 4096

// release drops a stack grown past maxKeptStack by the document just decoded.
func (d *Decoder) release() {
	if cap(d.stack) > maxKeptStack {
		d.stack = nil
	}
}

// key is the string of an object key, interned when it is short.
func (d *Decoder) key(b []byte) string {
	if len(b) > maxInternedKey {
		return string(b)
	}
	slot := keySlot(b)
	if s := d.recent[slot]; s == string(b) {
		return s
	}
	if s, ok := d.keys[string(b)]; ok {
		d.recent[slot] = s
		return s
	}
	s := string(b)
	if d.keys == nil {
		d.keys = map[string]string{}
	}
	if len(d.keys) < maxInternedKeys {
		d.keys[s] = s
		d.recent[slot] = s
	}
	return s
}

// keySlot is the slot of Decoder.recent for the key b, from its length and
// its first and last bytes.
func keySlot(b []byte) int {
	h := uint(len(b))
	if len(b) > 0 {
		h = h*31 + uint(b[0])*7 + uint(b[len(b)-1])
	}
	return int(h % keyCacheSize)
}

// stringBytes parses the string at p.i and returns its unescaped bytes,
// valid until the next call. Invalid UTF-8 and surrogate escapes, which
// encoding/json replaces by U+FFFD, are left to it.
func (p *parser) stringBytes() ([]byte, bool) {
	p.i++ // "
	start, ascii := p.i, true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\':
			return p.escapedString(start)
		case c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return nil, false
}

// escapedString goes on parsing a string from its first backslash, p.i; the
// string's text began at start.
func (p *parser) escapedString(start int) ([]byte, bool) {
	p.buf = append(p.buf[:0], p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(p.buf) {
				return nil, false
			}
			return p.buf, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			p.buf = append(p.buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.b) {
			return nil, false
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			p.buf = append(p.buf, e)
		case 'b':
			p.buf = append(p.buf, '\b')
		case 'f':
			p.buf = append(p.buf, '\f')
		case 'n':
			p.buf = append(p.buf, '\n')
		case 'r':
			p.buf = append(p.buf, '\r')
		case 't':
			p.buf = append(p.buf, '\t')
		case 'u':
			if p.i+4 > len(p.b) {
				return nil, false
			}
			r, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
			if err != nil || r >= 0xd800 && r < 0xe000 {
				return nil, false
			}
			p.buf = utf8.AppendRune(p.buf, rune(r))
			p.i += 4
		default:
			return nil, false
		}
	}
	return nil, false
}

// number parses a number by JSON's grammar into a float64.
func (p *parser) number() (any, bool) {
	start := p.i
	if p.b[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.b) && p.b[p.i] == '0':
		p.i++
	case p.i < len(p.b) && p.b[p.i] >= '1' && p.b[p.i] <= '9':
		p.digits()
	default:
		return nil, false
	}
	integer := p.i
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if !p.digits() {
			return nil, false
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			return nil, false
		}
	}
	if p.i == integer {
		if v, ok := smallInteger(p.b[start:p.i]); ok {
			return v, true
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil {
		return nil, false
	}
	return f, true
}

// boxedSmall holds the float64 values 0 to boxedSmallCount-1 as an any,
// which numbers in that range share instead of each allocating its own.
var boxedSmall = func() (a [boxedSmallCount]any) {
	for i := range a {
		a[i] = float64(i)
	}
	return a
}()

const boxedSmallCount = 1024

// digits skips the digits at p.i and reports whether there was one.
func (p *parser) digits() bool {
	from := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > from
}

// smallInteger is the value of b, a JSON integer, when it has at most 15
// digits: exactly the float64 strconv.ParseFloat would give, without its
// string, and shared (boxedSmall) when it is below boxedSmallCount.
func smallInteger(b []byte) (any, bool) {
	neg := b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) > 15 {
		return nil, false
	}
	var n int64
	for _, c := range b {
		n = n*10 + int64(c-'0')
	}
	switch {
	case neg && n == 0:
		return math.Copysign(0, -1), true
	case neg:
		return float64(-n), true
	case n < boxedSmallCount:
		return boxedSmall[n], true
	}
	return float64(n), true
}
