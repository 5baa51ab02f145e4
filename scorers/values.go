package scorers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/caliperhq/caliper/internal/jsontext"
)

// Values reach scorers from JSON and YAML decoders, from expressions and from
// exec and HTTP functions, so they come in many Go types. The functions here
// bring them to the JSON model (nil, bool, number, string, []any,
// map[string]any) and write them as canonical JSON: the text JSON.stringify
// writes, compact, with object keys in the order autoevals sorts them
// (sortedObjectKeys), so that scores equal autoevals' to the last bit.

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
		return jsonNumber(n)
	}
	return 0, false
}

// jsonNumber returns the float64 nearest to n, as JSON.parse reads it: an
// infinity when it is too large.
func jsonNumber(n json.Number) (float64, bool) {
	f, err := strconv.ParseFloat(string(n), 64)
	var numErr *strconv.NumError
	return f, err == nil || (errors.As(err, &numErr) && numErr.Err == strconv.ErrRange)
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

// text is how a value is compared as text: a string is itself, a number is
// written as JavaScript writes it (NaN and infinities as NaN, Infinity and
// -Infinity), anything else is its canonical JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var buf [64]byte
	return string(appendText(buf[:0], v))
}

// appendText appends the text of a value that is not a string: a number as
// JavaScript's template strings write it (1e+21, NaN, Infinity), anything else
// as its canonical JSON.
func appendText(b []byte, v any) []byte {
	if f, ok := number(v); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return append(b, nonFiniteText(f)...)
	}
	b, _ = appendJSON(b, v, false)
	return b
}

func nonFiniteText(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case f > 0:
		return "Infinity"
	}
	return "-Infinity"
}

// canonicalJSON returns v as canonical JSON; with strict, NaN and infinities are
// an error (JSON has no such numbers), otherwise they are written null, as
// JSON.stringify writes them.
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
		return jsontext.AppendJSString(b, x), nil
	case float64:
		return appendFloat(b, x, strict)
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case json.Number:
		f, ok := jsonNumber(x)
		if !ok {
			return b, fmt.Errorf("invalid number %q", string(x))
		}
		return appendFloat(b, f, strict)
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
		b = append(b, '{')
		keys := sortedObjectKeys(x)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendJSString(b, k)
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
		return jsontext.AppendJSString(b, s), nil
	}
	return appendJSON(b, n, strict)
}

// appendFloat writes f as JSON.stringify does: no exponent between 1e-6 and
// 1e21, the shortest text that reads back as f, and -0 as 0.
func appendFloat(b []byte, f float64, strict bool) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if strict {
			return b, fmt.Errorf("%s is not a JSON number", nonFiniteText(f))
		}
		return append(b, "null"...), nil
	}
	if f == 0 {
		f = 0 // -0 is written 0
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 -> 1e-7, as JavaScript writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// parseJSON decodes s as one JSON document, as JSON.parse does: a number
// beyond float64 is an infinity (1e400) or zero (1e-400), not an error.
func parseJSON(s string) (any, error) {
	var v any
	err := json.Unmarshal([]byte(s), &v)
	if err == nil {
		return v, nil
	}
	var rangeErr *json.UnmarshalTypeError
	if !errors.As(err, &rangeErr) || !strings.HasPrefix(rangeErr.Value, "number") {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return numbersToFloat(v), nil
}

// numbersToFloat replaces the json.Numbers of a decoded document by their
// nearest float64, an infinity when they are too large.
func numbersToFloat(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, _ := jsonNumber(x)
		return f
	case []any:
		for i, e := range x {
			x[i] = numbersToFloat(e)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = numbersToFloat(e)
		}
	}
	return v
}

// trimJSONSpace removes the whitespace JSON allows around a value: space, tab,
// line feed and carriage return, and no other.
func trimJSONSpace(s string) string {
	return strings.Trim(s, " \t\n\r")
}

// parseContainer decodes s when it is a JSON object or array, as autoevals does
// before comparing strings structurally. Only JSON's own whitespace may
// surround it: JSON.parse refuses a no-break space.
func parseContainer(s string) (any, bool) {
	t := trimJSONSpace(s)
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
