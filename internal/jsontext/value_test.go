package jsontext

import (
	"encoding/json"
	"math"
	"reflect"
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
