// Package mask hides secrets (API keys, values of the environment variables an
// eval may read) and the user's masked data in everything Caliper stores,
// prints or reports. A Masker is built once per run and applied at each
// outlet: a row before the writer, a span, a cache entry, an error message,
// a program's stderr, the terminal.
package mask

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
)

// Redacted replaces a secret.
const Redacted = "[redacted]"

// Masked is the default replacement of a field rule.
const Masked = "[masked]"

// MinSecret is the shortest value masked as a secret: a shorter one (such as
// "1" or "on") would mask ordinary text everywhere.
const MinSecret = 4

// Rule is one masking rule of caliper.yaml: a regular expression whose
// matches in every string are replaced, or a field path (input.user.email)
// whose value is replaced wherever it appears in the row.
type Rule struct {
	Pattern *regexp.Regexp // nil for a field rule
	Field   []string       // the path, root first: input, expected, output, metadata
	Replace string
}

// Replacement is a value to mask and what replaces it.
type Replacement struct{ Old, New string }

// Masker masks secrets and rules. The nil *Masker masks nothing.
type Masker struct {
	secrets  []Replacement // longest first
	text     *strings.Replacer
	json     *strings.Replacer // also the JSON-escaped forms of the secrets
	patterns []Rule
	fields   []Rule
}

// New builds a Masker from secret values and rules. Values shorter than
// MinSecret are ignored.
func New(secrets []string, rules []Rule) *Masker {
	m := &Masker{}
	for _, r := range rules {
		if r.Pattern != nil {
			m.patterns = append(m.patterns, r)
		} else if len(r.Field) > 0 {
			m.fields = append(m.fields, r)
		}
	}
	m.setSecrets(redacted(secrets))
	return m
}

func redacted(secrets []string) []Replacement {
	out := make([]Replacement, len(secrets))
	for i, s := range secrets {
		out[i] = Replacement{Old: s, New: Redacted}
	}
	return out
}

func (m *Masker) setSecrets(secrets []Replacement) {
	var keep []Replacement
	for _, s := range secrets {
		if len(s.Old) >= MinSecret && !slices.ContainsFunc(keep, func(k Replacement) bool { return k.Old == s.Old }) {
			keep = append(keep, s)
		}
	}
	slices.SortStableFunc(keep, func(a, b Replacement) int { return len(b.Old) - len(a.Old) })
	m.secrets = keep
	m.text, m.json = nil, nil
	if len(keep) == 0 {
		return
	}
	var text, js []string
	seen := map[string]bool{}
	for _, s := range keep {
		text = append(text, s.Old, s.New)
		newJSON := jsonForms(s.New)[1]
		for _, form := range jsonForms(s.Old) {
			if !seen[form] {
				seen[form] = true
				js = append(js, form, newJSON)
			}
		}
	}
	m.text, m.json = strings.NewReplacer(text...), strings.NewReplacer(js...)
}

// jsonForms are the ways s can be written inside a JSON string: as it is, and
// escaped with and without HTML escaping.
func jsonForms(s string) []string {
	forms := []string{s}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		b := bytes.TrimSpace(buf.Bytes())
		forms = append(forms, string(b[1:len(b)-1]))
	}
	return forms
}

// With returns a Masker that also masks the given secrets as Redacted.
func (m *Masker) With(secrets ...string) *Masker {
	return m.WithReplacements(redacted(secrets)...)
}

// WithReplacements returns a Masker that also replaces each Old with its New.
func (m *Masker) WithReplacements(rs ...Replacement) *Masker {
	if len(rs) == 0 {
		return m
	}
	out := &Masker{}
	if m != nil {
		out.patterns, out.fields = m.patterns, m.fields
		rs = append(slices.Clone(m.secrets), rs...)
	}
	out.setSecrets(rs)
	return out
}

// Active reports whether m masks anything.
func (m *Masker) Active() bool {
	return m != nil && (len(m.secrets) > 0 || len(m.patterns) > 0 || len(m.fields) > 0)
}

// Secrets reports how many secret values m masks.
func (m *Masker) Secrets() int {
	if m == nil {
		return 0
	}
	return len(m.secrets)
}

// String masks the secrets and then the pattern rules in s.
func (m *Masker) String(s string) string {
	if m == nil {
		return s
	}
	if m.text != nil {
		s = m.text.Replace(s)
	}
	for _, r := range m.patterns {
		s = r.Pattern.ReplaceAllString(s, r.Replace)
	}
	return s
}

// Error returns err with its message masked; errors.As and errors.Is still
// see err.
func (m *Masker) Error(err error) error {
	if err == nil || !m.Active() {
		return err
	}
	msg := err.Error()
	if masked := m.String(msg); masked != msg {
		return &maskedError{msg: masked, err: err}
	}
	return err
}

type maskedError struct {
	msg string
	err error
}

func (e *maskedError) Error() string { return e.msg }
func (e *maskedError) Unwrap() error { return e.err }

// Value returns a copy of a JSON-like value (maps, slices, strings, numbers)
// with every string, map keys included, masked. Values of other types are
// returned as they are.
func (m *Masker) Value(v any) any {
	if !m.Active() {
		return v
	}
	return m.value(v)
}

func (m *Masker) value(v any) any {
	switch x := v.(type) {
	case string:
		return m.String(x)
	case map[string]any:
		if x == nil {
			return x
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[m.String(k)] = m.value(e)
		}
		return out
	case []any:
		if x == nil {
			return x
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = m.value(e)
		}
		return out
	case []string:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = m.String(e)
		}
		return out
	case json.RawMessage:
		return m.JSON(x)
	case nil, bool, float64, float32, int, int64, int32, uint, uint64, json.Number:
		return v
	}
	return m.viaJSON(v)
}

// viaJSON masks a value of another type (a struct, a typed map) as its JSON
// encoding reads back, when that holds something to mask.
func (m *Masker) viaJSON(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Pointer, reflect.Interface, reflect.String:
	default:
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	masked := m.JSON(b)
	if bytes.Equal(masked, b) {
		return v
	}
	dec := json.NewDecoder(bytes.NewReader(masked))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return v
	}
	return out
}

// JSON masks the strings of an encoded JSON value. Secrets are replaced in
// every form JSON can write them; pattern rules run on the decoded strings.
// Text that is not JSON is masked as text.
func (m *Masker) JSON(b []byte) []byte {
	if !m.Active() || len(b) == 0 {
		return b
	}
	if len(m.patterns) == 0 {
		if m.json == nil {
			return b
		}
		return []byte(m.json.Replace(string(b)))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return []byte(m.String(string(b)))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m.value(v)); err != nil {
		return []byte(m.String(string(b)))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
