package jsontext

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

// rowNames are the keys of a dataset row, with id asked for as a string.
var rowNames = []string{"id", "input", "expected", "metadata", "tags"}

// membersCases are documents for DecodeMembers: rows it takes, and ones it
// must leave to Decode.
var membersCases = []string{
	`{"id": "c1", "input": {"a": 12, "b": 345}, "expected": "357"}`,
	`{"id": 7, "input": "x", "expected": null, "metadata": {"k": [1, -0, 1023, 1024, 0.5]}, "tags": ["a"]}`,
	`  {"input": 1, "id": "a", "id": 2, "expected": "\u00e9\n", "expected": 3}  `,
	`{"id": 1, "id": "s"}`, `{"id": "s", "id": null}`, `{"id": ""}`,
	`{}`, ` { } `, `{"\u0069nput": 1}`, `{"input": "é✓😀"}`,
	`{"input": 1, "other": 2}`, `{"inpu": 1}`, `[]`, `"s"`, `1`, `null`,
	`{"input": 1,}`, `{"input" 1}`, `{"input": 1} x`, `{"input": 1`, `{"input": "\ud800"}`,
	"{\"input\": \"bad \xff\"}", "{\"id\": \"bad \xff\"}", `{"input": 1e400}`, `{"input": 01}`, `{input: 1}`, ``,
}

func TestDecodeMembersIsDecode(t *testing.T) {
	t.Parallel()
	for _, doc := range membersCases {
		checkMembers(t, []byte(doc))
	}
}

func FuzzDecodeMembersMatchesDecode(f *testing.F) {
	for _, doc := range append(slices.Clone(membersCases), valueCases...) {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkMembers(t, doc)
	})
}

// checkMembers checks that DecodeMembers takes doc exactly when DecodeFast
// does and gives an object of rowNames keys, and then gives its members.
func checkMembers(t *testing.T, doc []byte) {
	t.Helper()
	var d Decoder
	m := Members{Names: rowNames, AsString: 1}
	// A previous object's members must not leak into the next one.
	if !d.DecodeMembers([]byte(`{"id": "old", "input": 1, "expected": 2, "metadata": {}, "tags": []}`), &m) {
		t.Fatal("DecodeMembers refused a row")
	}
	ok := d.DecodeMembers(doc, &m)
	v, fast := d.DecodeFast(doc)
	obj, isObject := v.(map[string]any)
	wantOK := fast && isObject
	for k := range obj {
		wantOK = wantOK && slices.Contains(rowNames, k)
	}
	if ok != wantOK {
		t.Fatalf("DecodeMembers(%q) = %v; DecodeFast gives %#v, %v", doc, ok, v, fast)
	}
	if !ok {
		return
	}
	var want any
	if err := json.Unmarshal(doc, &want); err != nil {
		t.Fatalf("DecodeMembers(%q) took what json.Unmarshal refuses: %v", doc, err)
	}
	got := map[string]any{}
	for i, name := range rowNames {
		bit := uint64(1) << i
		switch {
		case m.Present&bit == 0:
			if m.Values[i] != nil || m.Strings[i] != "" || m.InStrings&bit != 0 {
				t.Fatalf("DecodeMembers(%q): absent %s holds %#v, %q", doc, name, m.Values[i], m.Strings[i])
			}
		case m.InStrings&bit != 0:
			if i != 0 || m.Values[i] != nil {
				t.Fatalf("DecodeMembers(%q): %s in Strings, value %#v", doc, name, m.Values[i])
			}
			got[name] = m.Strings[i]
		default:
			if _, isString := m.Values[i].(string); i == 0 && isString {
				t.Fatalf("DecodeMembers(%q): string id boxed", doc)
			}
			got[name] = m.Values[i]
		}
	}
	if !sameValue(got, want) {
		t.Fatalf("DecodeMembers(%q) = %#v, json.Unmarshal gives %#v", doc, got, want)
	}
}

func TestDecodeFastIsDecode(t *testing.T) {
	t.Parallel()
	var d Decoder
	for _, doc := range append(slices.Clone(valueCases), membersCases...) {
		want, err := d.Decode([]byte(doc))
		got, ok := d.DecodeFast([]byte(doc))
		if ok && (err != nil || !sameValue(got, want)) {
			t.Errorf("DecodeFast(%q) = %#v; Decode gives %#v, %v", doc, got, want, err)
		}
	}
	for _, doc := range []string{`{"a": 1}`, `[1, "x", true, null, -0.5]`, `"é"`} {
		if _, ok := d.DecodeFast([]byte(doc)); !ok {
			t.Errorf("DecodeFast(%q) refused plain JSON", doc)
		}
	}
	for _, doc := range []string{`"\ud83d\ude00"`, "\"\xff\"", `1e400`, `[1,]`} {
		if _, ok := d.DecodeFast([]byte(doc)); ok {
			t.Errorf("DecodeFast(%q) took what it must leave to encoding/json", doc)
		}
	}
}

func TestSmallNumbersAreSharedAndExact(t *testing.T) {
	var d Decoder
	for _, doc := range []string{"0", "-0", "1", "1023", "1024", "-1", "5.0", "5.5", "1e2", "0e0", "-0.0"} {
		var want any
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatal(err)
		}
		got, err := d.Decode([]byte(doc))
		if err != nil || !sameValue(got, want) || math.Signbit(got.(float64)) != math.Signbit(want.(float64)) {
			t.Errorf("Decode(%q) = %#v, %v; want %#v", doc, got, err, want)
		}
	}
	// An array allocates its elements and its header, boxed in an any.
	for doc, want := range map[string]float64{"0": 0, "1023": 0, "1024": 1, "-1": 1, "0.5": 1, "[1, 2, 3, 4, 5]": 2, "[[1, 2], [3, [4, 5]]]": 8} {
		b := []byte(doc)
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := d.Decode(b); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != want {
			t.Errorf("decoding %s made %v allocations, want %v", doc, allocs, want)
		}
	}
}

func TestDecodeStackIsLeftEmpty(t *testing.T) {
	t.Parallel()
	var d Decoder
	for _, doc := range []string{`[1, [2, 3`, `[1, [2, 3]]`, `[1, [2, x]]`, `[[[]], [1,]]`} {
		d.Decode([]byte(doc))
		if len(d.stack) != 0 {
			t.Errorf("Decode(%q) left %d values on the stack", doc, len(d.stack))
		}
	}
	long := []byte("[" + strings.Repeat("1, ", 10_000) + "1]")
	v, err := d.Decode(long)
	if err != nil || len(v.([]any)) != 10_001 {
		t.Fatalf("Decode of a long array: %v", err)
	}
	if cap(d.stack) > maxKeptStack {
		t.Errorf("the decoder keeps a stack of %d values", cap(d.stack))
	}
}
