package spec

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/caliperhq/caliper/schema"
	"golang.org/x/text/unicode/norm"
)

// suggest returns the candidate closest to word when it is close enough to be a
// likely typo, or "". Words are compared after Unicode compatibility
// normalisation (NFKC) and case folding, so a key typed in full-width letters
// ("ｔｒｉａｌｓ") or with a ligature ("ﬁlter") is the key it looks like.
func suggest(word string, candidates []string) string {
	if word == "" {
		return ""
	}
	best, bestDist := "", 1<<30
	lw := foldKey(word)
	for _, c := range candidates {
		lc := foldKey(c)
		d := editDistance(lw, lc)
		if lw == lc || strings.ReplaceAll(lw, "-", "_") == lc {
			d = 0
		}
		if d < bestDist || (d == bestDist && c < best) {
			best, bestDist = c, d
		}
	}
	n := utf8.RuneCountInString(lw)
	limit := max(1, n/3)
	if n >= 4 && limit < 2 {
		limit = 2
	}
	if bestDist <= limit {
		return best
	}
	return ""
}

// foldKey is word in NFKC normal form and lower case.
func foldKey(word string) string { return strings.ToLower(norm.NFKC.String(word)) }

// editDistance is the optimal string alignment distance: insertions, deletions,
// substitutions and transpositions of neighbours each cost 1, so "fitler" is one
// step from "filter".
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// schemasAt returns the schemas that apply to the value at path in a document of
// the given kind, with references and combinators expanded.
func schemasAt(kind string, path []string) []map[string]any {
	def, ok := schemaDefs()[kind]
	if !ok {
		return nil
	}
	cur := expand(def)
	for _, seg := range path {
		var next []map[string]any
		_, isIndex := strconv.Atoi(seg)
		for _, s := range cur {
			if props, ok := s["properties"].(map[string]any); ok {
				if p, ok := props[seg]; ok {
					next = append(next, expand(p)...)
					continue
				}
			}
			if isIndex == nil {
				if items, ok := s["items"]; ok {
					next = append(next, expand(items)...)
					continue
				}
			}
			if ap, ok := s["additionalProperties"].(map[string]any); ok {
				next = append(next, expand(ap)...)
			}
		}
		cur = next
	}
	return cur
}

func expand(node any) []map[string]any {
	m, ok := node.(map[string]any)
	if !ok {
		return nil
	}
	if ref, ok := m["$ref"].(string); ok {
		return expand(schemaDefs()[schema.RefName(ref)])
	}
	out := []map[string]any{m}
	for _, key := range []string{"anyOf", "oneOf", "allOf"} {
		if list, ok := m[key].([]any); ok {
			for _, b := range list {
				out = append(out, expand(b)...)
			}
		}
	}
	return out
}

// propertiesAt lists the keys allowed in the mapping at path.
func propertiesAt(kind string, path []string) []string {
	set := map[string]bool{}
	for _, s := range schemasAt(kind, path) {
		if props, ok := s["properties"].(map[string]any); ok {
			for k := range props {
				set[k] = true
			}
		}
	}
	return sortedKeys(set)
}

// typesAt lists the JSON types allowed at path, such as "[string,array]", or "".
func typesAt(kind string, path []string) string {
	var types []string
	for _, s := range schemasAt(kind, path) {
		switch t := s["type"].(type) {
		case string:
			if !contains(types, t) {
				types = append(types, t)
			}
		case []any:
			for _, v := range t {
				if name := fmt.Sprint(v); !contains(types, name) {
					types = append(types, name)
				}
			}
		}
	}
	return strings.Join(types, ",")
}

// isDurationAt reports whether the value at path is a duration.
func isDurationAt(kind string, path []string) bool {
	dur := expand(schemaDefs()["duration"])
	for _, s := range schemasAt(kind, path) {
		if len(dur) > 0 && fmt.Sprintf("%p", s) == fmt.Sprintf("%p", dur[0]) {
			return true
		}
	}
	return false
}

// allowedValues lists the enum values allowed at path.
func allowedValues(kind string, path []string) []string {
	var out []string
	for _, s := range schemasAt(kind, path) {
		if enum, ok := s["enum"].([]any); ok {
			for _, v := range enum {
				out = append(out, fmt.Sprint(v))
			}
		}
	}
	return out
}

// describeAt returns the schema's description of the value at path, used to say
// what a badly formed value should look like.
func describeAt(kind string, path []string) string {
	for _, s := range schemasAt(kind, path) {
		if d, ok := s["description"].(string); ok && d != "" {
			return strings.TrimSuffix(d, ".")
		}
	}
	return "see `caliper schema " + kind + "`"
}

var (
	homesOnce  sync.Once
	homesIndex map[string]map[string][]string // kind -> key -> display paths of mappings that allow it
)

// homesOf lists where else in a document of this kind a key is allowed, so a
// misplaced key can be pointed to its place.
func homesOf(kind, key string) []string {
	homesOnce.Do(func() {
		homesIndex = map[string]map[string][]string{}
		for _, k := range schema.Kinds {
			idx := map[string][]string{}
			if def, ok := schemaDefs()[k]; ok {
				indexHomes(expand(def), "", idx, 0)
			}
			for key, paths := range idx {
				sort.Strings(paths)
				idx[key] = paths
			}
			homesIndex[k] = idx
		}
	})
	homes := homesIndex[kind][key]
	if len(homes) > 3 {
		homes = homes[:3]
	}
	return homes
}

func indexHomes(schemas []map[string]any, at string, idx map[string][]string, depth int) {
	if depth > 5 {
		return
	}
	for _, s := range schemas {
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			home := "the top level"
			if at != "" {
				home = strconv.Quote(at)
			}
			if !contains(idx[name], home) {
				idx[name] = append(idx[name], home)
			}
			child := name
			if at != "" {
				child = at + "." + name
			}
			indexHomes(expand(p), child, idx, depth+1)
		}
		if items, ok := s["items"]; ok && at != "" {
			indexHomes(expand(items), at+"[]", idx, depth+1)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
