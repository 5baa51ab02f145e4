package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/internal/jsontext"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The writer encodes score and metric maps and tags itself: these encoders
// write the same JSON as encoding/json (sorted keys, no HTML escaping) at a
// fraction of its cost, and DecodeFloats reads it back without reflection.
// A value that JSON cannot hold (NaN, ±Inf) is left out, as a skipped score
// is, rather than failing the whole batch; a null read back is absent too.

// Encoder keeps the scratch space of one writer goroutine; it is not safe for
// concurrent use.
type Encoder struct {
	keys   []string
	floats []KeyFloat
}

// AppendFloats appends m as a JSON object with sorted keys, leaving out the values
// JSON cannot hold (NaN, ±Inf). It appends nothing when no value is left, so
// the column is stored as NULL.
func (e *Encoder) AppendFloats(dst []byte, m map[string]float64) []byte {
	e.floats = e.floats[:0]
	for k, v := range m {
		e.floats = append(e.floats, KeyFloat{k, v})
	}
	return e.appendFloats(dst)
}

// AppendKeyFloats appends kv as AppendFloats appends the map of them: a key
// given twice keeps its last value.
func (e *Encoder) AppendKeyFloats(dst []byte, kv []KeyFloat) []byte {
	e.floats = append(e.floats[:0], kv...)
	return e.appendFloats(dst)
}

// appendFloats appends e.floats as a JSON object with sorted keys.
func (e *Encoder) appendFloats(dst []byte) []byte {
	defer clear(e.floats)
	sortKeyFloats(e.floats)
	open := false
	for i, kv := range e.floats {
		if i+1 < len(e.floats) && e.floats[i+1].Key == kv.Key {
			continue // a later value of the same key wins, as in a map
		}
		if math.IsNaN(kv.Value) || math.IsInf(kv.Value, 0) {
			continue
		}
		if open {
			dst = append(dst, ',')
		} else {
			dst, open = append(dst, '{'), true
		}
		dst = jsontext.AppendString(dst, kv.Key)
		dst = append(dst, ':')
		dst = appendFloat(dst, kv.Value)
	}
	if !open {
		return dst
	}
	return append(dst, '}')
}

// KeyFloat is one named number of a row: a score or a metric.
type KeyFloat struct {
	Key   string
	Value float64
}

// sortKeyFloats sorts a by key, keeping the order of equal keys: by
// insertion for the few scores and metrics of a row, which is cheaper than a
// general sort and keeps the values beside their keys.
func sortKeyFloats(a []KeyFloat) {
	if len(a) > 12 {
		slices.SortStableFunc(a, func(x, y KeyFloat) int { return strings.Compare(x.Key, y.Key) })
		return
	}
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].Key < a[j-1].Key; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// AppendStrings appends a as a JSON array of strings; an empty slice appends nothing.
func (e *Encoder) AppendStrings(dst []byte, a []string) []byte {
	if len(a) == 0 {
		return dst
	}
	dst = append(dst, '[')
	for i, s := range a {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendString(dst, s)
	}
	return append(dst, ']')
}

// appendFloat appends f, which must be finite, as the shortest JSON number
// that reads back as f.
func appendFloat(dst []byte, f float64) []byte {
	if f > -1e15 && f < 1e15 {
		if i := int64(f); float64(i) == f {
			return strconv.AppendInt(dst, i, 10)
		}
	}
	abs := math.Abs(f)
	if abs >= 1e-9 && abs < 1e6 {
		if out, ok := appendNanos(dst, f); ok {
			return out
		}
	}
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	// As encoding/json: exponents without a leading zero, 1e-07 as 1e-7.
	dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
	if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
		dst[n-2] = dst[n-1]
		dst = dst[:n-1]
	}
	return dst
}

// appendNanos appends f, a non-integer of magnitude in [1e-9, 1e6), when it
// is a whole number of nanoseconds, as durations in seconds are, without
// strconv's search for the shortest digits: below 1e6, a float's neighbours
// are closer than 1e-9, so the nine-decimal form without its trailing zeros
// is the shortest that reads back as f (in exponent form below 1e-6, as
// encoding/json writes those).
func appendNanos(dst []byte, f float64) ([]byte, bool) {
	n := int64(math.Round(f * 1e9))
	if float64(n)/1e9 != f {
		return dst, false
	}
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	if n < 1000 {
		return appendSubMicro(dst, n), true
	}
	dst = strconv.AppendInt(dst, n/1e9, 10)
	frac := n % 1e9
	var digits [10]byte
	digits[0] = '.'
	for i := 9; i >= 1; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := 10
	for digits[end-1] == '0' {
		end--
	}
	return append(dst, digits[:end]...), true
}

// appendSubMicro appends n nanoseconds, 0 < n < 1000, in seconds in
// encoding/json's exponent form: 850 as 8.5e-7.
func appendSubMicro(dst []byte, n int64) []byte {
	exp := byte('9')
	for n%10 == 0 {
		n /= 10
		exp--
	}
	var digits [3]byte
	i := len(digits)
	for ; n > 0; n /= 10 {
		i--
		digits[i] = byte('0' + n%10)
	}
	dst = append(dst, digits[i])
	if i+1 < len(digits) {
		dst = append(dst, '.')
		dst = append(dst, digits[i+1:]...)
	}
	exp -= byte(len(digits) - 1 - i)
	return append(dst, 'e', '-', exp)
}

var errBadFloats = errors.New("not a flat JSON object of numbers")

// DecodeFloats reads what floats wrote: a flat JSON object of numbers, where
// null values are absent. Empty input is a nil map.
func DecodeFloats(b []byte) (map[string]float64, error) {
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

// scanFloats is DecodeFloats' fast path for compact objects with plain keys.
func scanFloats(b []byte) (map[string]float64, error) {
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, errBadFloats
	}
	m := make(map[string]float64, 4)
	i := 1
	if b[i] == '}' {
		if len(b) != 2 {
			return nil, errBadFloats
		}
		return m, nil
	}
	for {
		if b[i] != '"' {
			return nil, errBadFloats
		}
		j, ascii := i+1, true
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' || b[j] < 0x20 {
				return nil, errBadFloats
			}
			ascii = ascii && b[j] < utf8.RuneSelf
			j++
		}
		if j+1 >= len(b) || b[j+1] != ':' || !ascii && !utf8.Valid(b[i+1:j]) {
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

// isJSONNumber reports whether b is a number by JSON's grammar, which
// strconv.ParseFloat is more lenient than (Inf, hex, underscores, 01).
func isJSONNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = skipDigits(b, i)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := skipDigits(b, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := skipDigits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(b)
}

// skipDigits returns the index of the first non-digit of b from i on.
func skipDigits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

// DecodeStrings reads a JSON array of strings; empty input is a nil slice.
func DecodeStrings(b []byte) ([]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, err
	}
	return a, nil
}

// AppendRaw appends m, a map of encoded JSON values, as a JSON object with
// sorted keys; it appends nothing for an empty map. A value that is empty or
// not valid JSON is written as null, so one bad value never spoils the others.
func (e *Encoder) AppendRaw(dst []byte, m map[string]json.RawMessage) []byte {
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
		dst = jsontext.AppendString(dst, k)
		dst = append(dst, ':')
		if v := m[k]; len(v) > 0 && json.Valid(v) {
			dst = append(dst, v...)
		} else {
			dst = append(dst, "null"...)
		}
	}
	clear(e.keys)
	return append(dst, '}')
}

// AppendStringMap appends m as a JSON object of strings with sorted keys; it
// appends nothing for an empty map.
func (e *Encoder) AppendStringMap(dst []byte, m map[string]string) []byte {
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
		dst = jsontext.AppendString(dst, k)
		dst = append(dst, ':')
		dst = jsontext.AppendString(dst, m[k])
	}
	clear(e.keys)
	return append(dst, '}')
}

// DecodeRaw reads what AppendRaw wrote; empty input is a nil map.
func DecodeRaw(b []byte) (map[string]json.RawMessage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// DecodeStringMap reads what AppendStringMap wrote; empty input is a nil map.
func DecodeStringMap(b []byte) (map[string]string, error) {
	if len(b) == 0 {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
