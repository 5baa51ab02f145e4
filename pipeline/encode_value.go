package pipeline

import (
	"math"
	"strconv"

	"github.com/caliperhq/caliper/internal/jsontext"
)

// appendValue appends v as jsontext.AppendMarshal does, and reports false as
// it does, having appended nothing; faster for the values most cases hold:
// strings, whole numbers and small objects of them.
func appendValue(dst []byte, v any) ([]byte, bool) {
	if m, ok := v.(map[string]any); ok && m != nil && len(m) <= smallObject {
		return appendSmallObject(dst, m)
	}
	if out, ok := appendScalar(dst, v); ok {
		return out, true
	}
	return jsontext.AppendMarshal(dst, v)
}

// smallObject is the most keys of an object appendValue sorts on the stack.
const smallObject = 8

// appendSmallObject appends m, of at most smallObject keys, with its keys
// sorted, as encoding/json orders them.
func appendSmallObject(dst []byte, m map[string]any) ([]byte, bool) {
	var small [smallObject]member
	members := small[:0]
	for k, v := range m {
		members = append(members, member{k, v})
	}
	for i := 1; i < len(members); i++ {
		for j := i; j > 0 && members[j].key < members[j-1].key; j-- {
			members[j], members[j-1] = members[j-1], members[j]
		}
	}
	from := len(dst)
	dst = append(dst, '{')
	for i, mb := range members {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsontext.AppendHTMLString(dst, mb.key)
		dst = append(dst, ':')
		out, ok := appendScalar(dst, mb.value)
		if !ok {
			if out, ok = jsontext.AppendMarshal(dst, mb.value); !ok {
				return dst[:from], false
			}
		}
		dst = out
	}
	return append(dst, '}'), true
}

// member is one key and value of an object.
type member struct {
	key   string
	value any
}

// appendScalar appends v when it is a string or a whole number that
// encoding/json writes in digits, and reports whether it did.
func appendScalar(dst []byte, v any) ([]byte, bool) {
	switch x := v.(type) {
	case string:
		return jsontext.AppendHTMLString(dst, x), true
	case float64:
		if x > -1e15 && x < 1e15 {
			if i := int64(x); float64(i) == x && (i != 0 || !math.Signbit(x)) {
				return strconv.AppendInt(dst, i, 10), true
			}
		}
	}
	return dst, false
}
