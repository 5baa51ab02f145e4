package scorers

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/expr-lang/expr"
	"github.com/xeipuuv/gojsonschema"
)

// helperOptions implement spec.HelperFunctions. The scoring helpers return a
// score in [0, 1] (a float), as the built-in scorers of the same name do, so
// that they combine arithmetically: (exact_match(a, b) + json_diff(a, b)) / 2.
var helperOptions = []expr.Option{
	expr.Function("levenshtein", func(p ...any) (any, error) {
		return Levenshtein(p[0], p[1]), nil
	}, new(func(any, any) float64)),
	expr.Function("numeric_diff", func(p ...any) (any, error) {
		return NumericDiff(p[0], p[1])
	}, new(func(any, any) float64)),
	expr.Function("json_diff", func(p ...any) (any, error) {
		return JSONDiff(p[0], p[1]), nil
	}, new(func(any, any) float64)),
	expr.Function("exact_match", func(p ...any) (any, error) {
		return ExactMatch(p[0], p[1], false), nil
	}, new(func(any, any) float64)),
	expr.Function("valid_json", func(p ...any) (any, error) {
		if len(p) == 1 || p[1] == nil {
			return ValidJSON(p[0], nil), nil
		}
		schema, err := helperSchema(p[1])
		if err != nil {
			return nil, err
		}
		return ValidJSON(p[0], schema), nil
	}, new(func(any) float64), new(func(any, any) float64)),
	expr.Function("list_contains", func(p ...any) (any, error) {
		allowExtra := len(p) == 3 && p[2] == true
		return ListContains(p[0], p[1], nil, allowExtra)
	}, new(func(any, any) float64), new(func(any, any, bool) float64)),
	expr.Function("parse_json", func(p ...any) (any, error) {
		var s string
		switch v := p[0].(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		default:
			return nil, fmt.Errorf("parse_json: want a string, not %s", describe(p[0]))
		}
		v, err := parseJSON(s)
		if err != nil {
			return nil, fmt.Errorf("parse_json: %w", err)
		}
		return v, nil
	}, new(func(string) any)),
	expr.Function("to_json", func(p ...any) (any, error) {
		s, err := canonicalJSON(p[0], true)
		if err != nil {
			return nil, fmt.Errorf("to_json: %w", err)
		}
		return s, nil
	}, new(func(any) string)),
}

// ExprFunctions returns the expr options that define the helper functions of
// expressions (spec.HelperFunctions), for spec.Expr.Compile:
//
//	levenshtein(a, b) float           Levenshtein similarity of the texts
//	numeric_diff(a, b) float          NumericDiff; an error for non-numbers
//	json_diff(a, b) float             JSONDiff
//	exact_match(a, b) float           ExactMatch (1 or 0), by JSON equality
//	valid_json(v[, schema]) float     ValidJSON; schema is a map or a JSON text
//	list_contains(out, exp[, allow_extra]) float
//	                                  ListContains with Levenshtein pairs
//	parse_json(s) any                 the JSON value in s; an error if invalid
//	to_json(v) string                 canonical JSON: compact, keys sorted
//
// Each call returns a new slice, which the caller may append to.
func ExprFunctions() []expr.Option {
	return slices.Clone(helperOptions)
}

// Schemas given to valid_json in an expression are usually constants: they are
// compiled once and kept, up to maxCachedSchemas distinct ones.
const maxCachedSchemas = 64

var schemaCache struct {
	sync.Mutex
	m map[string]*gojsonschema.Schema
}

func helperSchema(raw any) (*gojsonschema.Schema, error) {
	doc := raw
	if s, ok := raw.(string); ok {
		v, err := parseJSON(s)
		if err != nil {
			return nil, fmt.Errorf("valid_json: the schema is not JSON: %w", err)
		}
		doc = v
	}
	doc = normalizeDeep(doc)
	if _, ok := doc.(map[string]any); !ok {
		return nil, errors.New("valid_json: the schema must be an object (a map or its JSON text)")
	}
	key, err := canonicalJSON(doc, true)
	if err != nil {
		return nil, fmt.Errorf("valid_json: the schema: %w", err)
	}
	schemaCache.Lock()
	schema := schemaCache.m[key]
	schemaCache.Unlock()
	if schema != nil {
		return schema, nil
	}
	schema, err = gojsonschema.NewSchema(gojsonschema.NewStringLoader(key))
	if err != nil {
		return nil, fmt.Errorf("valid_json: invalid schema: %w", err)
	}
	schemaCache.Lock()
	if schemaCache.m == nil {
		schemaCache.m = map[string]*gojsonschema.Schema{}
	}
	if len(schemaCache.m) < maxCachedSchemas {
		schemaCache.m[key] = schema
	}
	schemaCache.Unlock()
	return schema, nil
}
