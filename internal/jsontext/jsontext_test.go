package jsontext

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
)

// separators are the two characters encoding/json escapes and JSON.stringify
// does not.
var separators = regexp.MustCompile("[\u2028\u2029]")

// stringifyLike is what JSON.stringify writes for s: encoding/json's text of
// the pieces between line and paragraph separators, joined by the separators
// themselves.
func stringifyLike(t *testing.T, s string) []byte {
	t.Helper()
	out := []byte{'"'}
	last := 0
	for _, loc := range append(separators.FindAllStringIndex(s, -1), []int{len(s), len(s)}) {
		var piece bytes.Buffer
		enc := json.NewEncoder(&piece)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s[last:loc[0]]); err != nil {
			t.Fatal(err)
		}
		quoted := bytes.TrimSuffix(piece.Bytes(), []byte("\n"))
		out = append(out, quoted[1:len(quoted)-1]...)
		out = append(out, s[loc[0]:loc[1]]...)
		last = loc[1]
	}
	return append(out, '"')
}

func FuzzAppendStringMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" and \\ backslash", "\n\t\r\b\f\x00\x1f", "é✓😀", "\u2028\u2029", "bad \xff utf8", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		got := AppendString(nil, s)
		if !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte("\n"))) {
			t.Fatalf("AppendString(%q) = %s, encoding/json gives %s", s, got, want.Bytes())
		}
	})
}

func TestAppendJSStringWritesSeparatorsRaw(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"a\u2028b\u2029c": "\"a\u2028b\u2029c\"",
		"\x00\x1f\x7f":    `"\u0000\u001f` + "\x7f\"",
		"<&>":             `"<&>"`,
		"\\u2028":         `"\\u2028"`,
		"bad \xff":        `"bad \ufffd"`,
	}
	for in, want := range tests {
		if got := string(AppendJSString(nil, in)); got != want {
			t.Errorf("AppendJSString(%q) = %s, want %s", in, got, want)
		}
	}
}

func FuzzAppendJSStringMatchesStringify(f *testing.F) {
	for _, s := range []string{"", "plain", "quote \" and \\ backslash", "\n\t\r\b\f\x00\x1f", "é✓😀", "\u2028\u2029", "bad \xff utf8", "<&>", "\xe2\u2028", "\\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := stringifyLike(t, s)
		if got := AppendJSString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendJSString(%q) = %s, want %s", s, got, want)
		}
	})
}
