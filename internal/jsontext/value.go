package jsontext

import (
	"math"
	"slices"
	"strconv"
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
		var small [smallObject]string // on the stack: most objects are small
		ks := small[:0]
		for k := range m {
			ks = append(ks, k)
		}
		insertionSort(ks)
		return appendMembers(dst, m, ks, depth)
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return appendMembers(dst, m, ks, depth)
}

// smallObject is the most keys an object has for appendObject to sort them
// on the stack.
const smallObject = 8

// appendMembers appends the members of m in the order of ks, and the brace
// that closes them.
func appendMembers(dst []byte, m map[string]any, ks []string, depth int) ([]byte, bool) {
	dst = append(dst, '{')
	for i, k := range ks {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendHTMLString(dst, k)
		dst = append(dst, ':')
		var ok bool
		if dst, ok = appendValue(dst, m[k], depth+1); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// insertionSort sorts the few keys of a small object.
func insertionSort(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
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
