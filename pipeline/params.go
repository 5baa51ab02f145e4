package pipeline

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/spec"
)

// ResolveParameters gives every declared parameter its value: the --param
// override parsed by its declared type, else its default. An override of an
// undeclared parameter and a parameter with neither are errors of usage
// (exit code 2).
func ResolveParameters(declared []spec.Parameter, overrides map[string]string) (map[string]any, error) {
	out := make(map[string]any, len(declared))
	known := make(map[string]bool, len(declared))
	for _, p := range declared {
		known[p.Name] = true
		raw, given := overrides[p.Name]
		switch {
		case given:
			v, err := parseParam(p, raw)
			if err != nil {
				return nil, err
			}
			out[p.Name] = v
		case p.HasDefault:
			out[p.Name] = p.Default
		default:
			return nil, exitcode.Invalidf("parameter %q has no default: pass --param %s=VALUE", p.Name, p.Name)
		}
	}
	var unknown []string
	for name := range overrides {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		names := make([]string, 0, len(declared))
		for _, p := range declared {
			names = append(names, p.Name)
		}
		return nil, exitcode.Invalidf("--param %s: the eval declares no such parameter (declared: %s)", strings.Join(unknown, ", "), strings.Join(names, ", "))
	}
	return out, nil
}

func parseParam(p spec.Parameter, raw string) (any, error) {
	var v any
	var err error
	switch p.Type {
	case "string":
		v = raw
	case "number":
		v, err = strconv.ParseFloat(raw, 64)
	case "integer":
		var i int64
		i, err = strconv.ParseInt(raw, 10, 64)
		v = i
	case "boolean":
		v, err = strconv.ParseBool(raw)
	default:
		err = json.Unmarshal([]byte(raw), &v)
		if err == nil && !spec.OfParamType(v, p.Type) {
			err = fmt.Errorf("not a JSON %s", p.Type)
		}
	}
	if err != nil {
		return nil, exitcode.Invalidf("--param %s=%s: want a value of type %s", p.Name, raw, p.Type)
	}
	if len(p.Enum) > 0 {
		for _, e := range p.Enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				return v, nil
			}
		}
		return nil, exitcode.Invalidf("--param %s=%s: want one of %v", p.Name, raw, p.Enum)
	}
	return v, nil
}
