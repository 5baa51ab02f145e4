package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/xeipuuv/gojsonschema"
)

var update = flag.Bool("update", false, "rewrite the committed *.schema.json files")

func TestCommittedDocumentsAreCurrent(t *testing.T) {
	t.Parallel()
	for _, kind := range Kinds {
		doc, err := build(kind)
		if err != nil {
			t.Fatal(err)
		}
		path := kind + ".schema.json"
		if *update {
			if err := os.WriteFile(path, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run go test ./schema -update)", path, err)
		}
		if !bytes.Equal(got, doc) {
			t.Errorf("%s is out of date with definitions.json: run go test ./schema -update", path)
		}
		if embedded, err := Document(kind); err != nil || !bytes.Equal(embedded, doc) {
			t.Errorf("Document(%q) is not the document built from definitions.json (err %v): rebuild after go test ./schema -update", kind, err)
		}
	}
}

func TestDocumentsCompile(t *testing.T) {
	t.Parallel()
	for _, kind := range Kinds {
		doc, err := Document(kind)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(doc)); err != nil {
			t.Errorf("schema %s does not compile: %v", kind, err)
		}
	}
}

func TestUnknownKind(t *testing.T) {
	t.Parallel()
	if _, err := Document("evals"); err == nil {
		t.Fatal("want an error for an unknown kind")
	}
}

// TestEveryPropertyHasDescription walks every definition: each property must
// describe itself or reference a definition that does, so editors show help for it.
func TestEveryPropertyHasDescription(t *testing.T) {
	t.Parallel()
	defs := Definitions()
	var walk func(path string, node any)
	walk = func(path string, node any) {
		m, ok := node.(map[string]any)
		if !ok {
			return
		}
		if props, ok := m["properties"].(map[string]any); ok {
			for name, p := range props {
				pm, _ := p.(map[string]any)
				if !hasDescription(pm, defs) {
					t.Errorf("%s.%s has no description", path, name)
				}
				walk(path+"."+name, p)
			}
		}
		for _, key := range []string{"items", "additionalProperties"} {
			walk(path+"."+key, m[key])
		}
		for _, key := range []string{"anyOf", "oneOf", "allOf"} {
			if list, ok := m[key].([]any); ok {
				for _, v := range list {
					walk(path, v)
				}
			}
		}
	}
	for name, def := range defs {
		walk(name, def)
	}
}

func hasDescription(m map[string]any, defs map[string]any) bool {
	if d, ok := m["description"].(string); ok && d != "" {
		return true
	}
	if ref, ok := m["$ref"].(string); ok {
		target, _ := defs[RefName(ref)].(map[string]any)
		return hasDescription(target, defs)
	}
	return false
}

func TestEveryReferenceResolves(t *testing.T) {
	t.Parallel()
	defs := Definitions()
	var refs []string
	var walk func(node any)
	walk = func(node any) {
		switch n := node.(type) {
		case map[string]any:
			if r, ok := n["$ref"].(string); ok {
				refs = append(refs, r)
			}
			for _, v := range n {
				walk(v)
			}
		case []any:
			for _, v := range n {
				walk(v)
			}
		}
	}
	walk(defs)
	for _, r := range refs {
		if _, ok := defs[RefName(r)]; !ok {
			t.Errorf("reference %s points at no definition", r)
		}
	}
}

func TestDefinitionsAreValidJSON(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(filepath.Join(".", "definitions.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(raw) {
		t.Fatal("definitions.json is not valid JSON")
	}
}
