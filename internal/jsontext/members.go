package jsontext

// Members receives the members of an object decoded by DecodeMembers, by
// the index of their key in Names, without a map: for a document whose keys
// are known, such as a dataset's row {id, input, expected...}.
type Members struct {
	// Names are the keys the object may have, at most 64.
	Names []string
	// AsString marks the names (bit i for Names[i]) whose value, when it is
	// a string, goes into Strings rather than into Values as an any.
	AsString uint64

	// Values holds the value of each name present, and nil for the others,
	// but for a string value of a name that AsString marks.
	Values []any
	// Strings holds the string value of a name that AsString marks.
	Strings []string
	// Present marks the names the object has (bit i for Names[i]).
	Present uint64
	// InStrings marks the names whose value is in Strings.
	InStrings uint64
}

// DecodeMembers decodes the JSON document b, an object each of whose keys is
// one of m.Names, into m. Its values are those Decode gives. It reports false
// when b is not such an object, or is one Decode would give json.Unmarshal
// (see DecodeFast); m is then to be ignored.
func (d *Decoder) DecodeMembers(b []byte, m *Members) bool {
	defer d.release()
	m.reset()
	p := parser{b: b, d: d}
	p.skipSpace()
	if p.i >= len(b) || b[p.i] != '{' {
		return false
	}
	p.i++
	p.skipSpace()
	if p.i < len(b) && b[p.i] == '}' {
		p.i++
		return p.end()
	}
	for {
		k, ok := p.memberName(m.Names)
		if !ok || !p.member(m, k) {
			return false
		}
		p.skipSpace()
		if p.i >= len(b) {
			return false
		}
		switch b[p.i] {
		case ',':
			p.i++
			p.skipSpace()
		case '}':
			p.i++
			return p.end()
		default:
			return false
		}
	}
}

// reset empties m for the next object.
func (m *Members) reset() {
	if len(m.Values) != len(m.Names) {
		m.Values = make([]any, len(m.Names))
		m.Strings = make([]string, len(m.Names))
	}
	for i := range m.Values { // only the members present: clear would cost more
		if m.Present&(1<<i) != 0 {
			m.Values[i], m.Strings[i] = nil, ""
		}
	}
	m.Present, m.InStrings = 0, 0
}

// end reports whether only space is left after the document's value.
func (p *parser) end() bool {
	p.skipSpace()
	return p.i == len(p.b)
}

// memberName parses the key at p.i and the colon after it, and returns the
// index of the key in names.
func (p *parser) memberName(names []string) (int, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return 0, false
	}
	kb, ok := p.stringBytes()
	if !ok {
		return 0, false
	}
	k := -1
	for i, n := range names {
		if n == string(kb) {
			k = i
			break
		}
	}
	p.skipSpace()
	if k < 0 || k >= 64 || p.i >= len(p.b) || p.b[p.i] != ':' {
		return 0, false
	}
	p.i++
	p.skipSpace()
	return k, true
}

// member parses the value at p.i into m as the value of Names[k]. A key
// given twice keeps its last value, as in the map Decode gives.
func (p *parser) member(m *Members, k int) bool {
	bit := uint64(1) << k
	m.Present |= bit
	if m.AsString&bit != 0 && p.i < len(p.b) && p.b[p.i] == '"' {
		s, ok := p.stringBytes()
		if !ok {
			return false
		}
		m.Strings[k], m.Values[k] = string(s), nil
		m.InStrings |= bit
		return true
	}
	v, ok := p.value(1)
	if !ok {
		return false
	}
	m.Values[k], m.Strings[k] = v, ""
	m.InStrings &^= bit
	return true
}
