package scorers

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/caliperhq/caliper/spec"
	"github.com/xeipuuv/gojsonschema"
	"gopkg.in/yaml.v3"
)

// maxProblems caps the schema violations a score's metadata lists.
const maxProblems = 10

// JSONSchema scores 1 when a value matches a JSON Schema, else 0, and lists the
// violations (at most 10). A string that holds a JSON object or array is
// validated as the parsed value; any other string is validated as a string, so
// {type: string, maxLength: 280} checks plain text. The error is for a value
// that cannot be written as JSON.
func JSONSchema(schema *gojsonschema.Schema, v any) (float64, []string, error) {
	var doc gojsonschema.JSONLoader
	if s, ok := v.(string); ok {
		if _, ok := parseContainer(s); ok {
			doc = gojsonschema.NewStringLoader(s)
		}
	}
	if doc == nil {
		doc = gojsonschema.NewGoLoader(normalizeDeep(v))
	}
	res, err := schema.Validate(doc)
	if err != nil {
		return 0, nil, fmt.Errorf("json_schema: reading the value: %w", err)
	}
	if res.Valid() {
		return 1, nil, nil
	}
	return 0, schemaProblems(res), nil
}

func schemaProblems(res *gojsonschema.Result) []string {
	errs := res.Errors()
	out := make([]string, 0, min(len(errs), maxProblems))
	for _, e := range errs[:min(len(errs), maxProblems)] {
		out = append(out, e.String())
	}
	if len(out) == 0 {
		out = append(out, "invalid")
	}
	return out
}

func newJSONSchema(sc spec.Scorer, deps Deps) (Scorer, error) {
	raw, ok := sc.With["schema"]
	if !ok {
		return nil, errors.New("json_schema needs `with: {schema: ...}`: a JSON Schema inline or a file path")
	}
	schema, err := loadSchema(raw, deps.Dir)
	if err != nil {
		return nil, err
	}
	return newOutputScorer(sc, deps, func(out any) (float64, map[string]any, error) {
		s, problems, err := JSONSchema(schema, out)
		if err != nil || problems == nil {
			return s, nil, err
		}
		return s, map[string]any{"errors": problems}, nil
	})
}

// loadSchema compiles with.schema: a schema inline (a map), or the path of a
// .json, .yaml or .yml file relative to dir. A .json file may $ref files next to
// it; a YAML file is read as one document.
func loadSchema(raw any, dir string) (*gojsonschema.Schema, error) {
	var loader gojsonschema.JSONLoader
	var where string
	switch v := raw.(type) {
	case map[string]any:
		loader, where = gojsonschema.NewGoLoader(normalizeDeep(v)), "the inline schema"
	case string:
		path := v
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		where = fmt.Sprintf("schema file %q", v)
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("reading %s (paths are relative to the eval file): %w", where, err)
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml":
			b, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", where, err)
			}
			var doc any
			if err := yaml.Unmarshal(b, &doc); err != nil {
				return nil, fmt.Errorf("reading %s: %w", where, err)
			}
			loader = gojsonschema.NewGoLoader(normalizeDeep(doc))
		default:
			abs, err := filepath.Abs(path)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", where, err)
			}
			u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
			loader = gojsonschema.NewReferenceLoader(u.String())
		}
	default:
		return nil, fmt.Errorf("with.schema must be a JSON Schema (a map) or a file path, not %s", describe(raw))
	}
	schema, err := gojsonschema.NewSchema(loader)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", where, err)
	}
	return schema, nil
}

// normalizeDeep brings a whole decoded document to the JSON model.
func normalizeDeep(v any) any {
	switch x := normalize(v).(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalizeDeep(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalizeDeep(e)
		}
		return out
	default:
		return x
	}
}
