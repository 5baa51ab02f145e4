package spec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// MaskRule is one rule of `masking:` in caliper.yaml: exactly one of
// Pattern (a regular expression) and Field (a path such as input.user.email).
type MaskRule struct {
	Pattern *regexp.Regexp
	Field   []string // root first: input, expected, output or metadata
	Replace string
}

// DefaultMaskReplace replaces what a masking rule matches when it sets no replace.
const DefaultMaskReplace = "[masked]"

// maskRoots are the parts of a row a field rule can start at.
var maskRoots = []string{"input", "expected", "output", "metadata"}

// RawMaskRule is one entry of `masking` in caliper.yaml.
type RawMaskRule struct {
	Pattern Scalar[string]  `yaml:"pattern"`
	Field   Scalar[string]  `yaml:"field"`
	Replace *Scalar[string] `yaml:"replace"`
}

// envTag finds {{env.NAME}} (and {{{env.NAME}}}, {{&env.NAME}}) in a template.
var envTag = regexp.MustCompile(`\{\{\{?&?\s*env\.([^\s{}]*)\s*\}?\}\}`)

// maskingRules validates the masking rules of caliper.yaml.
func maskingRules(p *parsed, raw List[RawMaskRule]) []MaskRule {
	var out []MaskRule
	for i, r := range raw {
		path := []string{"masking", strconv.Itoa(i)}
		if !p.clean(path...) {
			continue
		}
		rule := MaskRule{Replace: DefaultMaskReplace}
		if r.Replace != nil {
			rule.Replace = r.Replace.Value
		}
		switch {
		case r.Pattern.IsSet() == r.Field.IsSet():
			p.r.at(p.posOf(path...), "a masking rule takes exactly one of pattern (a regular expression) and field (a path such as input.user.email)")
			continue
		case r.Pattern.IsSet():
			re, err := regexp.Compile(r.Pattern.Value)
			if err != nil {
				p.r.at(r.Pattern.Pos, "pattern %q is not a valid regular expression (RE2 syntax): %v", r.Pattern.Value, err)
				continue
			}
			if re.MatchString("") {
				p.r.at(r.Pattern.Pos, "pattern %q matches the empty string, so it would mask between every character: make it match at least one", r.Pattern.Value)
				continue
			}
			rule.Pattern = re
		default:
			parts := strings.Split(r.Field.Value, ".")
			if !slices.Contains(maskRoots, parts[0]) || slices.Contains(parts, "") {
				p.r.at(r.Field.Pos, "field %q: write a dotted path that starts with %s, e.g. input.user.email", r.Field.Value, strings.Join(maskRoots, ", "))
				continue
			}
			rule.Field = parts
		}
		out = append(out, rule)
	}
	return out
}

// envNames collects the names of an env: list.
func envNames(raw List[Scalar[string]]) []string {
	var out []string
	for _, n := range raw {
		if n.Value != "" && !slices.Contains(out, n.Value) {
			out = append(out, n.Value)
		}
	}
	return out
}

// checkEnvTemplates reports every {{env.NAME}} of an http body whose NAME the
// eval (or caliper.yaml) does not list in env:.
func (b bodyChecker) checkEnvTemplates(rh *RawHTTP, path []string) {
	check := func(pos Pos, where, s string) {
		for _, m := range envTag.FindAllStringSubmatch(s, -1) {
			name := m[1]
			if slices.Contains(b.env, name) {
				continue
			}
			hint := fmt.Sprintf("add it to env: at the top of the eval or in caliper.yaml (env: [%s])", name)
			if len(b.env) > 0 {
				hint += "; listed: " + strings.Join(b.env, ", ")
			}
			b.p.r.at(pos, "%s reads env.%s, which is not listed in env: %s", where, name, hint)
		}
	}
	check(rh.URL.Pos, "http.url", rh.URL.Value)
	for _, name := range slices.Sorted(maps.Keys(rh.Headers)) {
		check(valuePos(b.p, append(slices.Clone(path), "headers", name)...), "http.headers."+name, rh.Headers[name])
	}
	var walk func(v any, at []string)
	walk = func(v any, at []string) {
		switch x := v.(type) {
		case string:
			check(valuePos(b.p, at...), strings.Join(at[len(path)-1:], "."), x)
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k], append(slices.Clone(at), k))
			}
		case []any:
			for i, e := range x {
				walk(e, append(slices.Clone(at), strconv.Itoa(i)))
			}
		}
	}
	walk(rh.Body, append(slices.Clone(path), "body"))
}

// valuePos is where the value at path is written.
func valuePos(p *parsed, path ...string) Pos {
	if n := p.nodeOf(path...); n != nil {
		return p.writtenAt(nodePos(n), path...)
	}
	return p.posOf(path...)
}

// envNames lists the variables an eval's templates may read: its own env:
// and caliper.yaml's.
func (c *evalChecker) envNames() []string {
	names := envNames(c.raw.Env)
	if c.ev.Project != nil {
		for _, n := range c.ev.Project.Env {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	return names
}

// projectEnv is the env: of the caliper.yaml that applies to dir.
func (s *session) projectEnv(dir string) []string {
	if proj := s.projectFor(dir); proj != nil {
		return proj.Env
	}
	return nil
}
