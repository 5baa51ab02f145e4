package scorers

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
	"github.com/xeipuuv/gojsonschema"
)

// The scoring helpers return a score in [0, 1] (a float), as the built-in
// scorers of the same name do, so that they combine arithmetically:
// (exact_match(a, b) + json_diff(a, b)) / 2. Those helpers are part of their
// scorer's record; the two below belong to no scorer.

var parseJSONHelper = spec.Helper{
	Name: "parse_json", Signature: "parse_json(s) any",
	Description: "The JSON value in the string s; an error if it is not JSON.",
	Func: func(p ...any) (any, error) {
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
	},
	Types: []any{new(func(string) any)},
}

var toJSONHelper = spec.Helper{
	Name: "to_json", Signature: "to_json(v) string",
	Description: "The canonical JSON text of v: compact, keys sorted.",
	Func: func(p ...any) (any, error) {
		s, err := canonicalJSON(p[0], true)
		if err != nil {
			return nil, fmt.Errorf("to_json: %w", err)
		}
		return s, nil
	},
	Types: []any{new(func(any) string)},
}

func validJSONHelper(p ...any) (any, error) {
	if len(p) == 1 || p[1] == nil {
		return ValidJSON(p[0], nil), nil
	}
	schema, err := helperSchema(p[1])
	if err != nil {
		return nil, err
	}
	return ValidJSON(p[0], schema), nil
}

// pairwiseNames returns the values list_contains' with.pairwise takes, sorted.
func pairwiseNames() []string {
	names := make([]string, 0, len(pairwiseScorers))
	for name := range pairwiseScorers {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// defaultHelpers are the helper options of Builtins, made once (in init: the
// records refer to ExprFunctions through their factories).
var defaultHelpers []expr.Option

func init() { defaultHelpers = Builtins().ExprOptions() }

// ExprFunctions returns the expr options that define the helper functions of
// the built-in registry (Builtins), for spec.Expr.Compile. Each call returns a
// new slice, which the caller may append to.
func ExprFunctions() []expr.Option {
	return slices.Clone(defaultHelpers)
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
