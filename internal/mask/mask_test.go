package mask

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const key = "sk-test-0123456789abcdef"

func TestString(t *testing.T) {
	t.Parallel()
	email := Rule{Pattern: regexp.MustCompile(`[\w.]+@example\.com`), Replace: "[email]"}
	tests := []struct {
		name    string
		m       *Masker
		in, out string
	}{
		{"nil masks nothing", nil, "a " + key, "a " + key},
		{"a secret", New([]string{key}, nil), "key=" + key + ".", "key=[redacted]."},
		{"the longer of two overlapping secrets", New([]string{"sk-test", key}, nil), key + " sk-test", "[redacted] [redacted]"},
		{"a value too short to mask", New([]string{"on"}, nil), "only on", "only on"},
		{"a pattern after the secrets", New([]string{key}, []Rule{email}), "bob@example.com " + key, "[email] [redacted]"},
		{"a pattern with a group", New(nil, []Rule{{Pattern: regexp.MustCompile(`(\d{3})-\d{4}`), Replace: "$1-####"}}), "555-1234", "555-####"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.m.String(tt.in); got != tt.out {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.out)
			}
		})
	}
}

func TestJSONMasksEveryEncoding(t *testing.T) {
	t.Parallel()
	secret := `p<a>ss"w\rd&1`
	m := New([]string{secret}, nil)
	plain, _ := json.Marshal(map[string]string{"k": "x" + secret})
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"k": secret})
	for _, b := range [][]byte{plain, buf.Bytes()} {
		got := string(m.JSON(b))
		if strings.Contains(got, "ss") || !strings.Contains(got, Redacted) {
			t.Errorf("JSON(%s) = %s", b, got)
		}
	}
	withRule := New([]string{secret}, []Rule{{Pattern: regexp.MustCompile(`x`), Replace: "y"}})
	if got := string(withRule.JSON(plain)); got != `{"k":"y[redacted]"}` {
		t.Errorf("with a pattern: %s", got)
	}
	if got := string(withRule.JSON([]byte("not json x " + secret))); got != "not json y [redacted]" {
		t.Errorf("text that is not JSON: %s", got)
	}
}

func TestValue(t *testing.T) {
	t.Parallel()
	m := New([]string{key}, nil)
	in := map[string]any{"a": []any{"x " + key, 1.5, nil, true}, key: "k", "typed": map[string]string{"t": key}}
	got, _ := json.Marshal(m.Value(in))
	want := `{"[redacted]":"k","a":["x [redacted]",1.5,null,true],"typed":{"t":"[redacted]"}}`
	if string(got) != want {
		t.Errorf("Value = %s, want %s", got, want)
	}
	if in["a"].([]any)[0] != "x "+key {
		t.Error("Value changed its argument")
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	m := New(nil, []Rule{
		{Field: []string{"input", "user", "email"}, Replace: "[m]"},
		{Field: []string{"input", "items", "*", "card"}, Replace: "[card]"},
		{Field: []string{"metadata", "ssn"}, Replace: "[m]"},
	})
	in := map[string]any{"user": map[string]any{"email": "a@b.c", "name": "Ann"},
		"items": []any{map[string]any{"card": "4111"}, map[string]any{"card": 4222.0}}}
	out, found := m.Fields("input", in)
	got, _ := json.Marshal(out)
	if want := `{"items":[{"card":"[card]"},{"card":"[card]"}],"user":{"email":"[m]","name":"Ann"}}`; string(got) != want {
		t.Errorf("Fields = %s, want %s", got, want)
	}
	var olds []string
	for _, f := range found {
		olds = append(olds, f.Old+"="+f.New)
	}
	if strings.Join(olds, ",") != "a@b.c=[m],4111=[card],4222=[card]" {
		t.Errorf("found %v", found)
	}
	if in["user"].(map[string]any)["email"] != "a@b.c" {
		t.Error("Fields changed its argument")
	}
	if out, found := m.Fields("output", "a@b.c"); out != "a@b.c" || found != nil {
		t.Errorf("a root without rules: %v %v", out, found)
	}
}

func TestErrorKeepsTheChain(t *testing.T) {
	t.Parallel()
	base := errors.New("boom " + key)
	err := New([]string{key}, nil).Error(base)
	if err.Error() != "boom [redacted]" || !errors.Is(err, base) {
		t.Errorf("Error = %v (is base: %v)", err, errors.Is(err, base))
	}
}

func FuzzStringNeverLeaks(f *testing.F) {
	f.Add("prefix", "suffix")
	f.Fuzz(func(t *testing.T, a, b string) {
		m := New([]string{key}, nil)
		if got := m.String(a + key + b); strings.Contains(got, key) {
			t.Errorf("String left the key in %q", got)
		}
		js, _ := json.Marshal([]string{a + key + b})
		if got := m.JSON(js); bytes.Contains(got, []byte(key)) {
			t.Errorf("JSON left the key in %s", got)
		}
	})
}

func TestHeaderSecrets(t *testing.T) {
	t.Parallel()
	got := HeaderSecrets(map[string]string{"X-Api-Key": " k-123456 ", "Authorization": "Bearer tok-abcdef", "Empty": "",
		"Content-Type": "application/json", "anthropic-version": "2023-06-01", "X-Debug": "true", "X-Max": "2048"})
	want := []string{"Bearer tok-abcdef", "tok-abcdef", "k-123456"}
	if !slices.Equal(got, want) {
		t.Errorf("HeaderSecrets = %q, want %q", got, want)
	}
}
