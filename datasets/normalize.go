package datasets

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"time"
)

// normalize turns a decoded value into the types encoding/json decodes into:
// map[string]any, []any, float64, string, bool and nil. Rows from YAML, inline
// rows and the results of data.fields expressions are normalised this way, so
// that the same row gives the same case whatever its format.
//
// Every number becomes a float64, as encoding/json makes it: integers beyond
// 2^53 lose precision. Map keys that are not strings (YAML allows them) are
// formatted with fmt; YAML timestamps become strings again, a date as
// 2006-01-02 and a time in RFC 3339. NaN and infinities, which
// JSON cannot hold, are an error. The result shares nothing with v that could be
// changed: maps and slices are copied, so values owned by the spec or an
// expression's program are never modified.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, bool:
		return x, nil
	case float64:
		return x, checkFinite(x)
	case int:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case uint64:
		return float64(x), nil
	case map[string]any:
		if x == nil {
			return nil, nil
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			m[k] = n
		}
		return m, nil
	case []any:
		if x == nil {
			return nil, nil
		}
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case map[any]any:
		if x == nil {
			return nil, nil
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			m[fmt.Sprint(k)] = n
		}
		return m, nil
	case time.Time:
		return timeString(x), nil
	case []byte:
		return string(x), nil
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("number %s: %w", x, err)
		}
		return f, nil
	}
	return normalizeReflect(reflect.ValueOf(v))
}

var errNotFinite = errors.New("a value is NaN or infinite, which JSON cannot hold")

func checkFinite(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return errNotFinite
	}
	return nil
}

// normalizeReflect handles the less common kinds: other numbers, typed slices
// and maps (such as []string from an expression), pointers, and, through a JSON
// round trip, anything else JSON can encode.
func normalizeReflect(rv reflect.Value) (any, error) {
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(rv.Uint()), nil
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		return f, checkFinite(f)
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return nil, nil
		}
		out := make([]any, rv.Len())
		for i := range out {
			n, err := normalize(rv.Index(i).Interface())
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	case reflect.Map:
		if rv.IsNil() {
			return nil, nil
		}
		out := make(map[string]any, rv.Len())
		iter := rv.MapRange()
		for iter.Next() {
			n, err := normalize(iter.Value().Interface())
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(iter.Key().Interface())] = n
		}
		return out, nil
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil, nil
		}
		return normalize(rv.Elem().Interface())
	}
	b, err := json.Marshal(rv.Interface())
	if err != nil {
		return nil, fmt.Errorf("a value of type %s cannot be written as JSON: %w", rv.Type(), err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("a value of type %s cannot be read back from JSON: %w", rv.Type(), err)
	}
	return out, nil
}

// timeString formats a YAML timestamp back into text: a plain date as it was
// written, a time in RFC 3339.
func timeString(t time.Time) string {
	if t.Location() == time.UTC && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339Nano)
}
