package schema

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// referenceSections lists the definitions the reference documents, in order, with
// the heading each gets.
var referenceSections = []struct{ def, heading string }{
	{"eval", "Eval files (`*.eval.yaml`)"},
	{"parameter", "`parameters.NAME`"},
	{"data", "`data`"},
	{"fields", "`data.fields`"},
	{"task", "`task`"},
	{"scorer", "`scorers[]`"},
	{"scorer_args", "`scorers[].with`"},
	{"exec", "`exec` (task, scorer or function)"},
	{"http", "`http` (task, scorer or function)"},
	{"function", "Function files (`functions/*.yaml`, or `functions:` in an eval)"},
	{"prompt", "Prompt files (`*.prompt.yaml`, or a prompt inline)"},
	{"project", "Project settings (`caliper.yaml`)"},
	{"provider", "`providers.NAME`"},
}

// Reference renders the Markdown reference of every file format from the
// definitions, keys in the order they are written there.
func Reference() (string, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(definitionsJSON, &root); err != nil {
		return "", fmt.Errorf("parsing definitions.json: %w", err)
	}
	defs := mapping(root.Content[0])
	var b strings.Builder
	for _, sec := range referenceSections {
		def := defs[sec.def]
		if def == nil {
			return "", fmt.Errorf("reference: no definition %q", sec.def)
		}
		fmt.Fprintf(&b, "#### %s\n\n%s\n\n| key | type | meaning |\n|---|---|---|\n", sec.heading, text(mapping(def)["description"]))
		writeRows(&b, def, "", defs)
		b.WriteString("\n")
	}
	return b.String(), nil
}

func writeRows(b *strings.Builder, def *yaml.Node, prefix string, defs map[string]*yaml.Node) {
	m := mapping(def)
	props := m["properties"]
	if props == nil {
		return
	}
	required := map[string]bool{}
	if req := m["required"]; req != nil {
		for _, r := range req.Content {
			required[r.Value] = true
		}
	}
	for i := 0; i+1 < len(props.Content); i += 2 {
		name, p := props.Content[i].Value, props.Content[i+1]
		key := "`" + prefix + name + "`"
		if required[name] {
			key += " (required)"
		}
		desc := text(mapping(p)["description"])
		if desc == "" {
			desc = text(mapping(resolveRef(p, defs))["description"])
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", key, typeOf(p, defs), escapeCell(desc))
		if nested := mapping(p)["properties"]; nested != nil {
			writeRows(b, p, prefix+name+".", defs)
		}
		if items := mapping(p)["items"]; items != nil && mapping(items)["properties"] != nil {
			writeRows(b, items, prefix+name+"[].", defs)
		}
	}
}

// documented definitions get a section of their own and are linked, not expanded.
var documented = map[string]string{
	"data": "data", "fields": "datafields", "task": "task", "scorer": "scorers", "scorer_args": "scorerswith",
	"exec": "exec-task-scorer-or-function", "http": "http-task-scorer-or-function", "prompt": "prompt-files-promptyaml-or-a-prompt-inline",
	"function": "function-files-functionsyaml-or-functions-in-an-eval", "parameter": "parametersname", "provider": "providersname",
}

func typeOf(p *yaml.Node, defs map[string]*yaml.Node) string {
	m := mapping(p)
	if ref := m["$ref"]; ref != nil {
		name := RefName(ref.Value)
		if anchor, ok := documented[name]; ok {
			return fmt.Sprintf("[%s](#%s)", name, anchor)
		}
		switch name {
		case "string_list":
			return "list of strings"
		case "model":
			return "provider/model"
		}
		return name
	}
	if enum := m["enum"]; enum != nil {
		vals := make([]string, len(enum.Content))
		for i, v := range enum.Content {
			vals[i] = "`" + v.Value + "`"
		}
		return strings.Join(vals, " \\| ")
	}
	if any := m["anyOf"]; any != nil {
		parts := make([]string, len(any.Content))
		for i, alt := range any.Content {
			parts[i] = typeOf(alt, defs)
		}
		return strings.Join(parts, " or ")
	}
	t := m["type"]
	switch {
	case t == nil:
		return "any"
	case t.Kind == yaml.SequenceNode:
		parts := make([]string, len(t.Content))
		for i, v := range t.Content {
			parts[i] = v.Value
		}
		return strings.Join(parts, " or ")
	case t.Value == "array":
		if items := m["items"]; items != nil {
			return "list of " + typeOf(items, defs)
		}
		return "list"
	case t.Value == "object":
		if ap := m["additionalProperties"]; ap != nil && ap.Kind == yaml.MappingNode {
			return "map of " + typeOf(ap, defs)
		}
		return "mapping"
	}
	return t.Value
}

func resolveRef(p *yaml.Node, defs map[string]*yaml.Node) *yaml.Node {
	if ref := mapping(p)["$ref"]; ref != nil {
		return defs[RefName(ref.Value)]
	}
	return p
}

func mapping(n *yaml.Node) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n == nil || n.Kind != yaml.MappingNode {
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out[n.Content[i].Value] = n.Content[i+1]
	}
	return out
}

func text(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
