package jsontext

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// AppendMarshal appends v as json.Marshal encodes it, for the values
// encoding/json decodes into an any (map[string]any, []any, string, float64,
// bool and nil) and trees of them, without reflection.
// It reports false, having appended nothing, for a value it does not handle,
// such as another type or a NaN: the caller then uses json.Marshal, which
// gives the same bytes or the error.
func AppendMarshal(dst []byte, v any) ([]byte, bool) {
	n := len(dst)
	out, ok := appendValue(dst, v, 0)
	if !ok {
		return dst[:n], false
	}
	return out, true
}

// maxEncodeDepth is the deepest nesting AppendMarshal encodes; deeper values
// are left to encoding/json.
const maxEncodeDepth = 1000

func appendValue(dst []byte, v any, depth int) ([]byte, bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return AppendHTMLString(dst, x), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case float64:
		return appendJSONFloat(dst, x)
	case []any:
		if x == nil {
			return append(dst, "null"...), true
		}
		if depth >= maxEncodeDepth {
			return dst, false
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendValue(dst, e, depth+1); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), true
		}
		if depth >= maxEncodeDepth {
			return dst, false
		}
		return appendObject(dst, x, depth)
	}
	return dst, false
}

// appendObject appends m with its keys sorted, as encoding/json orders them.
func appendObject(dst []byte, m map[string]any, depth int) ([]byte, bool) {
	if len(m) <= smallObject {
		var small [smallObject]member // on the stack: most objects are small
		ms := small[:0]
		for k, v := range m {
			ms = append(ms, member{k, v})
		}
		sortMembers(ms)
		return appendMembers(dst, ms, depth)
	}
	ms := make([]member, 0, len(m))
	for k, v := range m {
		ms = append(ms, member{k, v})
	}
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	return appendMembers(dst, ms, depth)
}

// member is one key of an object and its value.
type member struct {
	key   string
	value any
}

// smallObject is the most keys an object has for appendObject to sort them
// on the stack.
const smallObject = 8

// appendMembers appends the members ms in their order, and the brace that
// closes them.
func appendMembers(dst []byte, ms []member, depth int) ([]byte, bool) {
	dst = append(dst, '{')
	for i, mb := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendHTMLString(dst, mb.key)
		dst = append(dst, ':')
		var ok bool
		if dst, ok = appendValue(dst, mb.value, depth+1); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// sortMembers sorts the few members of a small object by key.
func sortMembers(a []member) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j].key < a[j-1].key; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// appendJSONFloat appends f as encoding/json writes a float64; it reports
// false for NaN and ±Inf, which JSON cannot hold.
func appendJSONFloat(dst []byte, f float64) ([]byte, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	// A whole number, as most are, in digits without strconv's search for
	// the shortest form (exact below 2^53; -0 keeps its sign below).
	if f > -1e15 && f < 1e15 {
		if i := int64(f); float64(i) == f && (i != 0 || !math.Signbit(f)) {
			return strconv.AppendInt(dst, i, 10), true
		}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// As encoding/json: 1e-07 becomes 1e-7.
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}
