package jsontext

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"testing"
)

// valueCases are documents whose decoded values and encodings must be those
// of encoding/json.
var valueCases = []string{
	`{"id": "c1", "input": {"a": 1, "b": 2}, "expected": "3"}`,
	`{"z": [1, 2.5, -0, 1e-7, 1e21, 123456789012345678, -3.25e10, 0.000001], "a": null, "m": true, "f": false}`,
	`"<b>a & b</b> \u2028 \u00e9 \n\t\"\\\/ é"`,
	`{"nested": {"deep": [[{"x": {}}], []]}, "": "", "dup": 1, "dup": 2}`,
	`  [ "x" , { "k" : "v" } ]  `,
	`{"k9": 1, "k8": 2, "k7": 3, "k6": 4, "k5": 5, "k4": 6, "k3": 7, "k2": 8, "k1": 9, "k0": {"y": 1, "x": [2]}}`,
	`-0`, `0`, `1.0`, `99999999999999999999999999999`, `1E+2`,
	`"\ud83d\ude00"`, `"\ud800"`, "\"bad \xff utf8\"",
	`{"a": 1,}`, `[1 2]`, `01`, `1.`, `.5`, `"unterminated`, `tru`, `{"a" 1}`, `1e400`, ``, `nul`,
	"\"control \x01\"",
}

func TestDecodeIsJSONUnmarshal(t *testing.T) {
	t.Parallel()
	var d Decoder
	for _, doc := range valueCases {
		var want any
		wantErr := json.Unmarshal([]byte(doc), &want)
		got, err := d.Decode([]byte(doc))
		if (err != nil) != (wantErr != nil) {
			t.Errorf("Decode(%q): error %v, json.Unmarshal's %v", doc, err, wantErr)
			continue
		}
		if err == nil && !sameValue(got, want) {
			t.Errorf("Decode(%q) = %#v, json.Unmarshal gives %#v", doc, got, want)
		}
	}
}

func TestAppendMarshalIsJSONMarshal(t *testing.T) {
	t.Parallel()
	values := []any{math.Copysign(0, -1), 1e-7, 1e21, 1e20, 0.1, float64(1 << 60), "a<b>&c\u2028", map[string]any{}, []any{}, []any(nil), map[string]any(nil)}
	for _, doc := range valueCases {
		var v any
		if json.Unmarshal([]byte(doc), &v) == nil {
			values = append(values, v)
		}
	}
	for _, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := AppendMarshal([]byte("prefix"), v)
		if !ok || string(got) != "prefix"+string(want) {
			t.Errorf("AppendMarshal(%#v) = %s, %v; json.Marshal gives %s", v, got, ok, want)
		}
	}
}

func TestAppendMarshalLeavesOtherValuesToEncodingJSON(t *testing.T) {
	t.Parallel()
	for _, v := range []any{math.NaN(), math.Inf(1), 3, map[string]string{"a": "b"}, []any{1.0, json.RawMessage(`1`)}, map[string]any{"a": struct{}{}}} {
		if got, ok := AppendMarshal([]byte("x"), v); ok || string(got) != "x" {
			t.Errorf("AppendMarshal(%#v) = %q, %v; want x, false", v, got, ok)
		}
	}
}

// sameValue is reflect.DeepEqual that also tells 0 from -0.
func sameValue(a, b any) bool {
	if !reflect.DeepEqual(a, b) {
		return false
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, doc := range valueCases {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var want any
		wantErr := json.Unmarshal(doc, &want)
		var d Decoder
		got, err := d.Decode(doc)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("Decode(%q): error %v, json.Unmarshal's %v", doc, err, wantErr)
		}
		if err != nil {
			return
		}
		if !sameValue(got, want) {
			t.Fatalf("Decode(%q) = %#v, json.Unmarshal gives %#v", doc, got, want)
		}
		std, err := json.Marshal(want)
		if err != nil {
			return
		}
		if enc, ok := AppendMarshal(nil, got); !ok || string(enc) != string(std) {
			t.Fatalf("AppendMarshal(%#v) = %s, %v; json.Marshal gives %s", got, enc, ok, std)
		}
	})
}

// TestAppendMarshalFastPathsAreJSONMarshal checks the whole numbers written
// as integers and the small objects sorted on the stack against
// json.Marshal, at their edges (-0, 1e15, 2^53, eight and nine keys), and
// that a value neither encodes leaves the buffer as it was.
func TestAppendMarshalFastPathsAreJSONMarshal(t *testing.T) {
	t.Parallel()
	values := []any{
		0.0, math.Copysign(0, -1), 1.0, -1.0, 12.0, 345.0, 1e15 - 1, -(1e15 - 1), 1e15, 1e20, 1e21, 0.1, -2.5, 1e-7,
		float64(1 << 53), math.MaxFloat64, "a \"q\" \\ \n\t\x01 <b>&</b> \u2028 é 日本 🎉 bad\xff",
		map[string]any{}, map[string]any{"b": 345.0, "a": 12.0},
		map[string]any{"z": "s", "m": nil, "a": true, "k": []any{1.0, "x"}, "n": map[string]any{"y": 1.0, "x": 2.0}},
		map[string]any{"<k>": "&", "é": math.Copysign(0, -1), "": 0.5, "h": 1e21, "g": 7.0, "f": "f", "e": false, "d": nil}, // 8 keys
		map[string]any{"i": 9.0, "h": 8.0, "g": 7.0, "f": 6.0, "e": 5.0, "d": 4.0, "c": 3.0, "b": 2.0, "a": 1.0},            // 9 keys
		map[string]any(nil), []any{map[string]any{"b": 1.0, "a": 2.0}},
	}
	for i := -1000; i <= 1000; i += 7 {
		values = append(values, float64(i), map[string]any{"a": float64(i), "b": strconv.Itoa(i)})
	}
	for _, v := range values {
		got, ok := AppendMarshal([]byte("x"), v)
		if b, err := json.Marshal(v); !ok || err != nil || "x"+string(b) != string(got) {
			t.Errorf("AppendMarshal(%#v) = %s, %v; json.Marshal: x%s, %v", v, got, ok, b, err)
		}
	}
	for _, v := range []any{math.NaN(), map[string]any{"a": 1.0, "b": math.Inf(1)}, map[string]any{"a": map[string]any{"n": math.NaN()}}} {
		if got, ok := AppendMarshal([]byte("x"), v); ok || string(got) != "x" {
			t.Errorf("AppendMarshal(%#v) = %q, %v; want x, false", v, got, ok)
		}
	}
}

// BenchmarkAppendMarshal measures the encoding of the input of the
// throughput benchmark's cases.
func BenchmarkAppendMarshal(b *testing.B) {
	input := map[string]any{"a": 12.0, "b": 345.0}
	buf := make([]byte, 0, 64)
	for b.Loop() {
		buf, _ = AppendMarshal(buf[:0], input)
	}
}
