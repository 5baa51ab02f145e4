package pipeline

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/caliperhq/caliper/internal/jsontext"
)

// TestAppendValueIsAppendMarshal checks appendValue's fast paths against
// jsontext.AppendMarshal and json.Marshal, and that a value neither can
// encode leaves the buffer as it was.
func TestAppendValueIsAppendMarshal(t *testing.T) {
	t.Parallel()
	values := []any{
		nil, true, false, "", "plain", "a \"q\" \\ \n\t\x01 <b>&</b> \u2028 é 日本 🎉 bad\xff",
		0.0, math.Copysign(0, -1), 1.0, -1.0, 12.0, 345.0, 1e15 - 1, -(1e15 - 1), 1e15, 1e20, 1e21, 0.1, -2.5, 1e-7, float64(1 << 53), math.MaxFloat64,
		map[string]any{}, map[string]any{"b": 345.0, "a": 12.0}, map[string]any{"z": "s", "m": nil, "a": true, "k": []any{1.0, "x"}, "n": map[string]any{"y": 1.0, "x": 2.0}},
		map[string]any{"<k>": "&", "é": math.Copysign(0, -1), "": 0.5, "h": 1e21, "g": 7.0, "f": "f", "e": false, "d": nil}, // 8 keys
		map[string]any{"i": 9.0, "h": 8.0, "g": 7.0, "f": 6.0, "e": 5.0, "d": 4.0, "c": 3.0, "b": 2.0, "a": 1.0},            // 9 keys
		map[string]any(nil), []any{map[string]any{"b": 1.0, "a": 2.0}}, []any(nil),
	}
	for i := -1000; i <= 1000; i += 7 {
		values = append(values, float64(i), map[string]any{"a": float64(i), "b": strconv.Itoa(i)})
	}
	for _, v := range values {
		got, ok := appendValue([]byte("x"), v)
		want, wantOK := jsontext.AppendMarshal([]byte("x"), v)
		if !ok || !wantOK || string(got) != string(want) {
			t.Errorf("appendValue(%#v) = %s, %v; AppendMarshal: %s, %v", v, got, ok, want, wantOK)
		}
		if b, err := json.Marshal(v); err != nil || "x"+string(b) != string(got) {
			t.Errorf("appendValue(%#v) = %s; json.Marshal: x%s, %v", v, got, b, err)
		}
	}
	for _, v := range []any{math.NaN(), map[string]any{"a": 1.0, "b": math.Inf(1)}, map[string]any{"a": map[string]any{"n": math.NaN()}}, struct{}{}} {
		if got, ok := appendValue([]byte("x"), v); ok || string(got) != "x" {
			t.Errorf("appendValue(%#v) = %q, %v; want x, false", v, got, ok)
		}
	}
}

// BenchmarkAppendValue measures the encoding of the input of the throughput
// benchmark's cases, against jsontext.AppendMarshal's.
func BenchmarkAppendValue(b *testing.B) {
	input := map[string]any{"a": 12.0, "b": 345.0}
	buf := make([]byte, 0, 64)
	b.Run("appendValue", func(b *testing.B) {
		for b.Loop() {
			buf, _ = appendValue(buf[:0], input)
		}
	})
	b.Run("AppendMarshal", func(b *testing.B) {
		for b.Loop() {
			buf, _ = jsontext.AppendMarshal(buf[:0], input)
		}
	})
}
