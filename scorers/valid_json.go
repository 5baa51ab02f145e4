package scorers

import (
	"encoding/json"
	"fmt"

	"github.com/caliperhq/caliper/spec"
	"github.com/xeipuuv/gojsonschema"
)

// ValidJSON scores 1 when a value is valid JSON, else 0, as autoevals does. A
// string is parsed as JSON (only JSON's own whitespace may surround it; a
// number beyond float64 such as 1e400 is valid); any other value is taken as
// it is. Without a schema the value must be an object or an array:
// ValidJSON("1", nil) and ValidJSON(100, nil) are 0. With a schema the value,
// of any JSON type, must match it: ValidJSON("1", {"type": "number"}) is 1.
func ValidJSON(v any, schema *gojsonschema.Schema) float64 {
	if ok, _ := validJSON(v, schema); ok {
		return 1
	}
	return 0
}

// validJSON also says why a value is not valid.
func validJSON(v any, schema *gojsonschema.Schema) (bool, string) {
	s, isString := v.(string)
	var parsed any
	if isString {
		var err error
		if parsed, err = parseJSON(s); err != nil {
			return false, fmt.Sprintf("not JSON: %v", err)
		}
	} else {
		parsed = normalize(v)
	}
	if schema == nil {
		if !isContainer(parsed) {
			return false, fmt.Sprintf("%s, not an object or an array", describeJSON(parsed, isString))
		}
		return true, ""
	}
	var doc gojsonschema.JSONLoader
	if isString && json.Valid([]byte(s)) {
		doc = gojsonschema.NewStringLoader(s) // keeps numbers beyond float64 exact
	} else {
		doc = gojsonschema.NewGoLoader(normalizeDeep(v))
	}
	res, err := schema.Validate(doc)
	if err != nil {
		return false, fmt.Sprintf("validating: %v", err)
	}
	if !res.Valid() {
		return false, "does not match the schema: " + schemaProblems(res)[0]
	}
	return true, ""
}

// describeJSON names a value that is not JSON structure; parsed says it came
// from a JSON text.
func describeJSON(v any, parsed bool) string {
	if parsed {
		return "JSON " + describe(v)
	}
	return describe(v)
}

func newValidJSON(sc spec.Scorer, deps Deps) (Scorer, error) {
	var schema *gojsonschema.Schema
	if raw, ok := sc.With["schema"]; ok {
		var err error
		if schema, err = loadSchema(raw, deps.Dir); err != nil {
			return nil, err
		}
	}
	return newOutputScorer(sc, deps, func(out any) (float64, map[string]any, error) {
		if ok, why := validJSON(out, schema); !ok {
			return 0, map[string]any{"reason": why}, nil
		}
		return 1, nil, nil
	})
}
