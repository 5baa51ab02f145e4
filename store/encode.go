package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The writer encodes score and metric maps and tags itself: these encoders
// write the same JSON as encoding/json (sorted keys, no HTML escaping) at a
// fraction of its cost, and decodeFloats reads it back without reflection.
// A value that JSON cannot hold (NaN, ±Inf) is written as null and read back
// as absent, like a skipped score, rather than failing the whole batch.

// encoder keeps the scratch space of one writer goroutine; it is not safe for
// concurrent use.
type encoder struct {
	keys []string
}

// floats appends m as a JSON object with sorted keys. A nil or empty map
// appends nothing, so the column is stored as NULL.
func (e *encoder) floats(dst []byte, m map[string]float64) []byte {
	if len(m) == 0 {
		return dst
	}
	e.keys = e.keys[:0]
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys)
	dst = append(dst, '{')
	for i, k := range e.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, k)
		dst = append(dst, ':')
		dst = appendFloat(dst, m[k])
	}
	clear(e.keys)
	return append(dst, '}')
}

// strings appends a as a JSON array of strings; an empty slice appends nothing.
func (e *encoder) strings(dst []byte, a []string) []byte {
	if len(a) == 0 {
		return dst
	}
	dst = append(dst, '[')
	for i, s := range a {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// appendFloat appends f as the shortest JSON number that reads back as f.
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(dst, int64(f), 10)
	}
	abs := math.Abs(f)
	if abs < 1e-6 || abs >= 1e21 {
		return strconv.AppendFloat(dst, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD, as
// encoding/json does.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

var errBadFloats = errors.New("not a flat JSON object of numbers")

// decodeFloats reads what floats wrote: a flat JSON object of numbers, where
// null values are absent. Empty input is a nil map.
func decodeFloats(b []byte) (map[string]float64, error) {
	if len(b) == 0 {
		return nil, nil
	}
	m, err := scanFloats(b)
	if err == nil {
		return m, nil
	}
	// Anything unusual (whitespace, escaped keys) takes the slow, general path.
	var slow map[string]*float64
	if json.Unmarshal(b, &slow) != nil {
		return nil, fmt.Errorf("%w: %.40q", errBadFloats, b)
	}
	m = make(map[string]float64, len(slow))
	for k, v := range slow {
		if v != nil {
			m[k] = *v
		}
	}
	return m, nil
}

// scanFloats is decodeFloats' fast path for compact objects with plain keys.
func scanFloats(b []byte) (map[string]float64, error) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, errBadFloats
	}
	m := make(map[string]float64, 4)
	i := 1
	if b[i] == '}' {
		return m, nil
	}
	for {
		if b[i] != '"' {
			return nil, errBadFloats
		}
		j := i + 1
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' || b[j] < 0x20 {
				return nil, errBadFloats
			}
			j++
		}
		if j+1 >= len(b) || b[j+1] != ':' {
			return nil, errBadFloats
		}
		key := string(b[i+1 : j])
		i = j + 2
		j = i
		for j < len(b) && b[j] != ',' && b[j] != '}' {
			j++
		}
		if j == len(b) {
			return nil, errBadFloats
		}
		if v := b[i:j]; string(v) != "null" {
			if !isJSONNumber(v) {
				return nil, errBadFloats
			}
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return nil, errBadFloats
			}
			m[key] = f
		}
		if b[j] == '}' {
			if j != len(b)-1 {
				return nil, errBadFloats
			}
			return m, nil
		}
		i = j + 1
	}
}

// isJSONNumber reports whether b uses only the characters of a JSON number,
// which keeps strconv's extras (Inf, NaN, hex, underscores) out.
func isJSONNumber(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && c != '-' && c != '+' && c != '.' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}

// decodeStrings reads a JSON array of strings; empty input is a nil slice.
func decodeStrings(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	return a, nil
}
