package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/caliperhq/caliper/schema"
	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

// schemaDefs is every definition of the schema, decoded once.
var schemaDefs = sync.OnceValue(schema.Definitions)

// compiledSchemas compiles each kind's schema the first time a file of that
// kind is checked: a run that reads only an eval and a project file does
// not pay for the prompt and function schemas (a few milliseconds of every
// command's start).
var compiledSchemas = func() map[string]func() (*gojsonschema.Schema, error) {
	m := map[string]func() (*gojsonschema.Schema, error){}
	for _, k := range schema.Kinds {
		m[k] = sync.OnceValues(func() (*gojsonschema.Schema, error) { return compileSchema(k) })
	}
	return m
}()

func compileSchema(kind string) (*gojsonschema.Schema, error) {
	doc, err := schema.Document(kind)
	if err != nil {
		return nil, err
	}
	s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return nil, fmt.Errorf("compiling the %s schema: %w", kind, err)
	}
	return s, nil
}

func compiledSchema(kind string) (*gojsonschema.Schema, error) {
	compile, ok := compiledSchemas[kind]
	if !ok {
		return nil, fmt.Errorf("no schema for %q files", kind)
	}
	return compile()
}

// schemaError is one schema violation at a value path.
type schemaError struct {
	path   []string
	kind   string
	detail gojsonschema.ErrorDetails
	desc   string
}

// checkSchema validates the document against the kind's schema and reports every
// violation at its node in our own words. It returns the paths with a problem at
// or below them, and the paths with a problem of their own.
func checkSchema(kind string, d *document, r *reporter) (under, at map[string]bool) {
	s, err := compiledSchema(kind)
	if err != nil {
		r.at(Pos{Line: 1, Col: 1}, "internal error: %v", err)
		return nil, nil
	}
	res, err := s.Validate(gojsonschema.NewGoLoader(d.value))
	if err != nil {
		r.at(Pos{Line: 1, Col: 1}, "cannot validate the file: %v", err)
		return nil, nil
	}
	errs := make([]schemaError, 0, len(res.Errors()))
	for _, e := range res.Errors() {
		segs := strings.Split(e.Context().String("\x00"), "\x00")[1:]
		errs = append(errs, schemaError{path: segs, kind: e.Type(), detail: e.Details(), desc: e.Description()})
	}
	under, at = map[string]bool{}, map[string]bool{}
	for _, e := range errs {
		if isCombinatorNoise(e, errs) {
			continue
		}
		for i := 0; i <= len(e.path); i++ {
			under[pathKey(e.path[:i]...)] = true
		}
		at[pathKey(e.path...)] = true
		reportSchemaError(kind, d, e, r)
	}
	return under, at
}

// isCombinatorNoise drops "must match one of the schemas" when a more precise error
// about the same value (from the closest branch) is also reported.
func isCombinatorNoise(e schemaError, all []schemaError) bool {
	switch e.kind {
	case "number_any_of", "number_one_of", "number_all_of", "condition_then", "condition_else":
	default:
		return false
	}
	prefix := pathKey(e.path...)
	for _, o := range all {
		if o.kind != e.kind && strings.HasPrefix(pathKey(o.path...), prefix) {
			return true
		}
	}
	return false
}

func reportSchemaError(kind string, d *document, e schemaError, r *reporter) {
	key := pathKey(e.path...)
	where := nodePos(d.nodes[key])
	name := displayPath(e.path)
	switch e.kind {
	case "additional_property_not_allowed":
		prop := fmt.Sprint(e.detail["property"])
		child := append(append([]string(nil), e.path...), prop)
		r.at(d.keyOrValuePos(pathKey(child...)), "%s", unknownKeyMessage(kind, e.path, prop))
	case "required":
		r.at(d.keyOrValuePos(key), "%s is missing the required key %q", containerName(e.path), fmt.Sprint(e.detail["property"]))
	case "invalid_type":
		if isDurationAt(kind, e.path) {
			r.at(where, "%s %s is not a duration: write a number and a unit, such as 500ms, 30s, 2m or 1h30m", strings.Join(e.path, "."), d.nodes[key].Value)
			return
		}
		expected := typesAt(kind, e.path)
		if expected == "" {
			expected = fmt.Sprint(e.detail["expected"])
		}
		r.at(where, "%s must be %s, not %s", name, typeNoun(expected), typeNoun(fmt.Sprint(e.detail["given"])))
	case "enum":
		r.at(where, "%s", enumMessage(name, d.nodes[key].Value, allowedValues(kind, e.path)))
	case "invalid_property_name":
		prop := fmt.Sprint(e.detail["property"])
		child := append(append([]string(nil), e.path...), prop)
		r.at(d.keyOrValuePos(pathKey(child...)), "%q is not a valid name in %s: use letters, digits and '_' (starting with a letter or '_')", prop, name)
	case "pattern":
		n := d.nodes[key]
		if n == nil || n.Kind != yaml.ScalarNode {
			return // the name check of propertyNames, reported as invalid_property_name
		}
		how, ok := patternHelp[fmt.Sprint(e.detail["pattern"])]
		if !ok {
			how = describeAt(kind, e.path)
		}
		r.at(where, "%s %q is not valid: %s", name, n.Value, how)
	case "number_gte":
		r.at(where, "%s must be at least %v", name, e.detail["min"])
	case "number_lte":
		r.at(where, "%s must be at most %v", name, e.detail["max"])
	case "number_gt":
		r.at(where, "%s must be greater than %v", name, e.detail["min"])
	case "number_lt":
		r.at(where, "%s must be less than %v", name, e.detail["max"])
	case "string_gte":
		r.at(where, "%s must not be empty", name)
	case "array_min_items":
		r.at(where, "%s needs at least %v %s", name, e.detail["min"], plural(e.detail["min"], "item"))
	case "array_min_properties":
		r.at(where, "%s needs at least %v %s", name, e.detail["min"], plural(e.detail["min"], "entry"))
	case "number_any_of", "number_one_of":
		r.at(where, "%s has the wrong form: %s", name, describeAt(kind, e.path))
	default:
		r.at(where, "%s: %s", name, strings.ToLower(e.desc[:1])+e.desc[1:])
	}
}

// patternHelp says in words what each pattern of the schema accepts.
var patternHelp = map[string]string{
	`^[A-Za-z_][A-Za-z0-9_]*$`:                    "use letters, digits and '_', starting with a letter or '_'",
	`^[A-Za-z0-9][A-Za-z0-9._-]*$`:                "use letters, digits, '.', '_' and '-', starting with a letter or a digit",
	`^[a-z0-9][a-z0-9_-]*$`:                       "use lower-case letters, digits, '-' and '_', starting with a letter or a digit",
	`^[A-Za-z0-9][A-Za-z0-9._-]*(@[1-9][0-9]*)?$`: "write NAME or NAME@VERSION, with a version from 1",
	`^([A-Za-z0-9_-]+/.+|.*\{\{.+\}\}.*)$`:        "write provider/model, such as openai/gpt-4o-mini",
	`^https?://`:                                  "write a URL starting with http:// or https://",
	`^[A-Za-z0-9_-]+$`:                            "use letters, digits, '-' and '_'",
}

func plural(n any, word string) string {
	if fmt.Sprint(n) == "1" {
		return word
	}
	if strings.HasSuffix(word, "y") {
		return word[:len(word)-1] + "ies"
	}
	return word + "s"
}

// displayPath writes a value path as a user reads it: scorers[0].with.model.
func displayPath(path []string) string {
	if len(path) == 0 {
		return "the file"
	}
	var b strings.Builder
	for i, s := range path {
		if _, err := strconv.Atoi(s); err == nil && i > 0 {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return strconv.Quote(b.String())
}

func containerName(path []string) string {
	if len(path) == 0 {
		return "the file"
	}
	return displayPath(path)
}

func typeNoun(t string) string {
	t = strings.Trim(t, "[]")
	parts := strings.Split(t, ",")
	for i, p := range parts {
		switch p = strings.TrimSpace(p); p {
		case "object":
			parts[i] = "a mapping"
		case "array":
			parts[i] = "a list"
		case "integer":
			parts[i] = "an integer"
		case "null":
			parts[i] = "empty"
		default:
			parts[i] = "a " + p
		}
	}
	return strings.Join(parts, " or ")
}

func enumMessage(name, got string, allowed []string) string {
	msg := fmt.Sprintf("%s must be one of %s, not %q", name, strings.Join(allowed, ", "), got)
	if s := suggest(got, allowed); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}

func unknownKeyMessage(kind string, path []string, prop string) string {
	allowed := propertiesAt(kind, path)
	where := "at the top level"
	if len(path) > 0 {
		where = "in " + displayPath(path)
	}
	msg := fmt.Sprintf("unknown key %q %s", prop, where)
	if s := suggest(prop, allowed); s != "" {
		return msg + fmt.Sprintf("; did you mean %q?", s)
	}
	if homes := homesOf(kind, prop); len(homes) > 0 {
		return msg + fmt.Sprintf("; %q belongs under %s", prop, strings.Join(homes, " or "))
	}
	sort.Strings(allowed)
	return msg + "; allowed keys: " + strings.Join(allowed, ", ")
}
