package functions

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/cbroglie/mustache"

	"github.com/caliperhq/caliper/internal/jsontext"
)

// The values http templates see are converted from the request into these
// types, so that mustache inserts strings raw and everything else as JSON
// (numbers as JSON writes them, null as nothing), as prompts do.
type (
	tmap  map[string]any // an object; renders as JSON
	tlist []any          // an array; renders as JSON
	tnum  float64        // a number; renders as JSON
	tnull struct{}       // null; renders as nothing and is false in a section
)

func (m tmap) String() string  { return jsonText(m) }
func (l tlist) String() string { return jsonText(l) }
func (n tnum) String() string  { return jsonText(float64(n)) }
func (tnull) String() string   { return "" }

// MarshalJSON encodes null.
func (tnull) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

// jsonText encodes v as compact JSON without HTML escaping, for templates.
func jsonText(v any) string {
	b, err := encodeJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// encodeJSON encodes v as compact JSON without HTML escaping.
func encodeJSON(v any) ([]byte, error) { return jsontext.Marshal(v) }

// templateData is what http templates see: input, expected, metadata, tags,
// parameters, trial, and output for a scorer. The process environment is not
// exposed.
func templateData(req *Request, role string) tmap {
	d := tmap{
		"input":      toTemplate(req.Input),
		"expected":   toTemplate(req.Expected),
		"metadata":   toTemplate(req.Metadata),
		"tags":       toTemplate(req.Tags),
		"parameters": toTemplate(req.Parameters),
		"trial":      req.Trial,
	}
	if role == RoleScorer {
		d["output"] = toTemplate(req.Output)
	}
	return d
}

// toTemplate converts a JSON-like value for templates.
func toTemplate(v any) any {
	switch v := v.(type) {
	case nil:
		return tnull{}
	case string, bool, json.Number,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return v
	case float64:
		return tnum(v)
	case float32:
		return tnum(v)
	case map[string]any:
		if v == nil {
			return tnull{}
		}
		m := make(tmap, len(v))
		for k, x := range v {
			m[k] = toTemplate(x)
		}
		return m
	case []any:
		if v == nil {
			return tnull{}
		}
		l := make(tlist, len(v))
		for i, x := range v {
			l[i] = toTemplate(x)
		}
		return l
	}
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice || rv.Kind() == reflect.Pointer) && rv.IsNil() {
		return tnull{}
	}
	// Any other type: as its JSON encoding reads back.
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var x any
	if json.Unmarshal(b, &x) != nil {
		return fmt.Sprint(v)
	}
	return toTemplate(x)
}

// lookupPath resolves a dotted name, such as input.question, as mustache does
// at the top level of a template.
func lookupPath(data tmap, name string) (any, bool) {
	var cur any = data
	for part := range strings.SplitSeq(name, ".") {
		m, ok := cur.(tmap)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// template is a compiled mustache template rendered without HTML escaping.
// A variable outside sections that names nothing in the request is an error
// (package mustache's AllowMissingVariables is a process-wide setting, so it
// is checked here instead); a section over a missing name renders nothing,
// which is how a template makes a field optional.
type template struct {
	where string // what the template is, for errors: url, header "X", body.q
	src   string
	t     *mustache.Template
	vars  []string // variables outside sections
}

func parseTemplate(where, src string) (*template, error) {
	t, err := mustache.ParseStringRaw(src, true)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid template %q: %w", where, src, err)
	}
	tp := &template{where: where, src: src, t: t}
	for _, tag := range t.Tags() {
		if tag.Type() == mustache.Variable && tag.Name() != "." {
			tp.vars = append(tp.vars, tag.Name())
		}
	}
	return tp, nil
}

func (t *template) render(data tmap) (string, error) {
	for _, name := range t.vars {
		if _, ok := lookupPath(data, name); !ok {
			return "", missingError(t.where, name)
		}
	}
	s, err := t.t.Render(data)
	if err != nil {
		return "", fmt.Errorf("%s: rendering %q: %w", t.where, t.src, err)
	}
	return s, nil
}

func missingError(where, name string) error {
	return fmt.Errorf("%s: {{%s}} names nothing in this case (templates see input, expected, metadata, tags, parameters, trial, and output in a scorer): fix the name, or make it optional with {{#%s}}...{{/%s}}", where, name, name, name)
}

// exactTag matches a string that is one variable tag and nothing else.
var exactTag = regexp.MustCompile(`^\{\{\s*([\w.-]+)\s*\}\}$|^\{\{\{\s*([\w.-]+)\s*\}\}\}$|^\{\{&\s*([\w.-]+)\s*\}\}$`)

// valueTemplate is a JSON-like value with templates in its strings.
type valueTemplate interface {
	render(data tmap) (any, error)
}

type (
	literalValue struct{ v any }
	exactValue   struct{ where, name string }
	stringValue  struct{ t *template }
	objectValue  map[string]valueTemplate
	arrayValue   []valueTemplate
)

func (v literalValue) render(tmap) (any, error) { return v.v, nil }

func (v exactValue) render(data tmap) (any, error) {
	x, ok := lookupPath(data, v.name)
	if !ok {
		return nil, missingError(v.where, v.name)
	}
	return x, nil
}

func (v stringValue) render(data tmap) (any, error) { return v.t.render(data) }

func (v objectValue) render(data tmap) (any, error) {
	out := make(map[string]any, len(v))
	for k, t := range v {
		x, err := t.render(data)
		if err != nil {
			return nil, err
		}
		out[k] = x
	}
	return out, nil
}

func (v arrayValue) render(data tmap) (any, error) {
	out := make([]any, len(v))
	for i, t := range v {
		x, err := t.render(data)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// compileValue compiles every string inside v as a template. A string that is
// exactly one tag, like "{{input}}", is replaced by the value it names, keeping
// its JSON type.
func compileValue(where string, v any) (valueTemplate, error) {
	switch v := v.(type) {
	case string:
		if !strings.Contains(v, "{{") {
			return literalValue{v}, nil
		}
		if m := exactTag.FindStringSubmatch(v); m != nil {
			return exactValue{where: where, name: m[1] + m[2] + m[3]}, nil
		}
		t, err := parseTemplate(where, v)
		if err != nil {
			return nil, err
		}
		return stringValue{t}, nil
	case map[string]any:
		out := make(objectValue, len(v))
		for k, x := range v {
			t, err := compileValue(where+"."+k, x)
			if err != nil {
				return nil, err
			}
			out[k] = t
		}
		return out, nil
	case map[any]any:
		out := make(objectValue, len(v))
		for k, x := range v {
			key := fmt.Sprint(k)
			t, err := compileValue(where+"."+key, x)
			if err != nil {
				return nil, err
			}
			out[key] = t
		}
		return out, nil
	case []any:
		out := make(arrayValue, len(v))
		for i, x := range v {
			t, err := compileValue(fmt.Sprintf("%s[%d]", where, i), x)
			if err != nil {
				return nil, err
			}
			out[i] = t
		}
		return out, nil
	}
	return literalValue{v}, nil
}
