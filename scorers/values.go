package scorers

import (
	"encoding/json"
	"fmt"
	"github.com/caliperhq/caliper/internal/jsontext"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Values reach scorers from JSON and YAML decoders, from expressions and from
// exec and HTTP functions, so they come in many Go types. The functions here
// bring them to the JSON model (nil, bool, number, string, []any,
// map[string]any) and write them as canonical JSON: compact, object keys sorted,
// no HTML escaping, non-ASCII kept as UTF-8 (as JavaScript's JSON.stringify does).

// number returns the value of a JSON number of any Go numeric type.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case float32:
		return float64(n), true
	case int8:
		return float64(n), true
	case int16:
		return float64(n), true
	case int32:
		return float64(n), true
	case uint:
		return float64(n), true
	case uint8:
		return float64(n), true
	case uint16:
		return float64(n), true
	case uint32:
		return float64(n), true
	case uint64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

// normalize returns v in the JSON model. Maps and lists are converted one level
// deep: functions that walk a value normalize each element they visit.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, string, float64, []any, map[string]any, json.Number,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v
	case float32:
		return float64(x)
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	case map[string]string:
		out := make(map[string]any, len(x))
		for k, s := range x {
			out[k] = s
		}
		return out
	case map[string]float64:
		out := make(map[string]any, len(x))
		for k, f := range x {
			out[k] = f
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if s, ok := k.(string); ok {
				out[s] = e
			} else {
				out[fmt.Sprint(k)] = e
			}
		}
		return out
	case []byte:
		return string(x)
	}
	// Anything else (structs, typed slices and maps) goes through encoding/json.
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprint(v)
	}
	return out
}

// text is how a value is compared as text: a string is itself, anything else
// is its canonical JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := appendJSON(nil, v, false)
	return string(b)
}

// canonicalJSON returns v as canonical JSON; with strict, NaN and infinities are
// an error (JSON has no such numbers), otherwise they are written as NaN,
// Infinity and -Infinity.
func canonicalJSON(v any, strict bool) (string, error) {
	b, err := appendJSON(nil, v, strict)
	return string(b), err
}

func appendJSON(b []byte, v any, strict bool) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case string:
		return jsontext.AppendString(b, x), nil
	case float64:
		return appendFloat(b, x, strict)
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case json.Number:
		if _, err := x.Float64(); err != nil {
			return b, fmt.Errorf("invalid number %q", string(x))
		}
		return append(b, x...), nil
	case []any:
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendJSON(b, e, strict); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(b, k)
			b = append(b, ':')
			var err error
			if b, err = appendJSON(b, x[k], strict); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	if f, ok := number(v); ok {
		return appendFloat(b, f, strict)
	}
	n := normalize(v)
	if s, ok := n.(string); ok {
		return jsontext.AppendString(b, s), nil
	}
	return appendJSON(b, n, strict)
}

// appendFloat writes f as encoding/json and JavaScript do: no exponent between
// 1e-6 and 1e21, the shortest text that reads back as f.
func appendFloat(b []byte, f float64, strict bool) ([]byte, error) {
	switch {
	case math.IsNaN(f):
		if strict {
			return b, fmt.Errorf("NaN is not a JSON number")
		}
		return append(b, "NaN"...), nil
	case math.IsInf(f, 0):
		if strict {
			return b, fmt.Errorf("%v is not a JSON number", f)
		}
		if f > 0 {
			return append(b, "Infinity"...), nil
		}
		return append(b, "-Infinity"...), nil
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 -> 1e-7, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// parseJSON decodes s as one JSON document.
func parseJSON(s string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, err
	}
	return v, nil
}

// parseContainer decodes s when it is a JSON object or array, as autoevals does
// before comparing strings structurally.
func parseContainer(s string) (any, bool) {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[') {
		return nil, false
	}
	v, err := parseJSON(t)
	if err != nil {
		return nil, false
	}
	return v, true
}

// isContainer reports whether a normalized value is an object or an array.
func isContainer(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// describe names a value for an error message, briefly.
func describe(v any) string {
	const limit = 40
	switch x := v.(type) {
	case nil:
		return "nil"
	case string:
		if utf8.RuneCountInString(x) > limit {
			x = string([]rune(x)[:limit]) + "..."
		}
		return fmt.Sprintf("string %q", x)
	case bool:
		return fmt.Sprintf("bool %v", x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	}
	if f, ok := number(v); ok {
		return "number " + text(f)
	}
	return fmt.Sprintf("a value of type %T", v)
}
