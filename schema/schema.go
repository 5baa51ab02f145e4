// Package schema holds the JSON Schema of every file Caliper reads. It is the source
// of truth for the format: spec validates against it, `caliper schema` prints it and
// editors complete and check YAML files with it.
package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/caliperhq/caliper/internal/jsontext"
)

//go:embed definitions.json
var definitionsJSON []byte

// Kinds lists the file kinds that have a schema, in the order `caliper schema` shows them.
var Kinds = []string{"eval", "prompt", "function", "project"}

// Definitions returns a fresh decoded copy of every definition, keyed by name.
func Definitions() map[string]any {
	var defs map[string]any
	if err := json.Unmarshal(definitionsJSON, &defs); err != nil {
		panic(fmt.Sprintf("schema: embedded definitions.json is not valid JSON: %v", err))
	}
	return defs
}

// DefinitionsSource returns the embedded definitions.json as written, keys in authored order.
func DefinitionsSource() []byte { return definitionsJSON }

// documents are the committed *.schema.json files: build's output for each
// kind, which TestCommittedDocumentsAreCurrent keeps current. Reading them
// spares every command's start the decoding and encoding of build.
//
//go:embed eval.schema.json prompt.schema.json function.schema.json project.schema.json
var documents embed.FS

// Document returns the self-contained JSON Schema (draft-07) for one kind of file:
// the kind's definition at the root and every definition it references.
func Document(kind string) ([]byte, error) {
	if slices.Contains(Kinds, kind) {
		return documents.ReadFile(kind + ".schema.json")
	}
	return build(kind)
}

// build assembles the document of a definition from definitions.json.
func build(kind string) ([]byte, error) {
	defs := Definitions()
	root, ok := defs[kind].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("unknown schema %q: use one of %s", kind, strings.Join(Kinds, ", "))
	}
	doc := map[string]any{"$schema": "http://json-schema.org/draft-07/schema#"}
	for k, v := range root {
		doc[k] = v
	}
	used := map[string]any{}
	collectRefs(root, defs, used)
	if len(used) > 0 {
		doc["definitions"] = used
	}
	var buf bytes.Buffer
	enc := jsontext.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding schema %q: %w", kind, err)
	}
	return buf.Bytes(), nil
}

// RefName returns the definition a "#/definitions/NAME" reference points at.
func RefName(ref string) string { return strings.TrimPrefix(ref, "#/definitions/") }

func collectRefs(node any, defs map[string]any, used map[string]any) {
	switch n := node.(type) {
	case map[string]any:
		if ref, ok := n["$ref"].(string); ok {
			name := RefName(ref)
			if _, seen := used[name]; !seen {
				used[name] = defs[name]
				collectRefs(defs[name], defs, used)
			}
		}
		keys := make([]string, 0, len(n))
		for k := range n {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			collectRefs(n[k], defs, used)
		}
	case []any:
		for _, v := range n {
			collectRefs(v, defs, used)
		}
	}
}
