package scorers

import (
	"fmt"

	"github.com/caliperhq/caliper/spec"
	"github.com/xeipuuv/gojsonschema"
)

// ValidJSON scores 1 when a value is JSON structure: an object or an array, or a
// string that parses as one; and, when schema is not nil, the value matches it.
// Anything else scores 0: ValidJSON("1", nil) and ValidJSON(100, nil) are 0.
func ValidJSON(v any, schema *gojsonschema.Schema) float64 {
	if ok, _ := validJSON(v, schema); ok {
		return 1
	}
	return 0
}

// validJSON also says why a value is not valid.
func validJSON(v any, schema *gojsonschema.Schema) (bool, string) {
	s, isString := v.(string)
	if isString {
		parsed, err := parseJSON(s)
		if err != nil {
			return false, fmt.Sprintf("not JSON: %v", err)
		}
		if !isContainer(parsed) {
			return false, fmt.Sprintf("JSON %s, not an object or an array", describe(parsed))
		}
	} else if n := normalize(v); !isContainer(n) {
		return false, fmt.Sprintf("%s, not an object or an array", describe(n))
	}
	if schema == nil {
		return true, ""
	}
	var doc gojsonschema.JSONLoader
	if isString {
		doc = gojsonschema.NewStringLoader(s)
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
