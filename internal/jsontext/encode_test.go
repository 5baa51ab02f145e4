package jsontext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// unescapeHTML undoes the three escapes json.Marshal adds for HTML.
var unescapeHTML = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")

func TestMarshalIsJSONMarshalWithoutHTMLEscapes(t *testing.T) {
	t.Parallel()
	tests := map[string]any{
		"html":       "<b>a & b</b>",
		"separators": "a\u2028b\u2029c",
		"map":        map[string]any{"z": 1, "a": []any{"<", 2.5, nil, true}},
		"bad utf8":   "bad \xff",
		"raw":        json.RawMessage(`{"b": "<x>",  "a": 1}`),
		"struct": struct {
			Q string `json:"q"`
		}{"x > y"},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			std, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if want := unescapeHTML.Replace(string(std)); string(got) != want {
				t.Errorf("Marshal(%#v) = %s, want %s", v, got, want)
			}
		})
	}
}

func TestNewEncoderEndsEachValueWithALineBreak(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	enc := NewEncoder(&b)
	for _, v := range []any{"<a>", map[string]int{"&": 1}} {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	if want := "\"<a>\"\n{\"&\":1}\n"; b.String() != want {
		t.Errorf("encoded %q, want %q", b.String(), want)
	}
}

func TestMarshalReportsUnsupportedValues(t *testing.T) {
	t.Parallel()
	if _, err := Marshal(make(chan int)); err == nil {
		t.Error("Marshal(chan) gave no error")
	}
}
