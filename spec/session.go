package spec

import (
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// session is one validation run: it validates each referenced file once, however
// many evals use it, and collects every diagnostic.
type session struct {
	v         *Validator
	mu        sync.Mutex
	files     map[string]bool // every file validated -> whether it has problems
	diags     Diagnostics
	prompts   onceMap[*Prompt]              // by prompt file
	funcFiles onceMap[*Function]            // by function file
	funcs     onceMap[map[string]*Function] // by directory: functions/*.yaml visible from it
	projects  onceMap[*Project]             // by caliper.yaml file
}

// onceMap computes each key's value once, even when asked concurrently.
type onceMap[T any] struct {
	mu sync.Mutex
	m  map[string]*onceEntry[T]
}

type onceEntry[T any] struct {
	once sync.Once
	v    T
}

func (o *onceMap[T]) get(key string, compute func() T) T {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[string]*onceEntry[T]{}
	}
	e, ok := o.m[key]
	if !ok {
		e = &onceEntry[T]{}
		o.m[key] = e
	}
	o.mu.Unlock()
	e.once.Do(func() { e.v = compute() })
	return e.v
}

func (v *Validator) newSession() *session {
	return &session{v: v, files: map[string]bool{}}
}

func (s *session) addDiags(ds Diagnostics) {
	if len(ds) == 0 {
		return
	}
	s.mu.Lock()
	s.diags = append(s.diags, ds...)
	s.mu.Unlock()
}

func (s *session) markFile(abs string) {
	s.mu.Lock()
	if _, seen := s.files[abs]; !seen {
		s.files[abs] = false
	}
	s.mu.Unlock()
}

// validatePath validates one file given on the command line by its kind.
func (s *session) validatePath(abs string) *Eval {
	switch FileKind(abs) {
	case "prompt":
		s.promptFile(abs)
	case "project":
		s.projectFile(abs)
	case "function":
		s.functionFile(abs)
	default:
		return s.evalFile(abs)
	}
	return nil
}

// parsed is a file read, parsed and checked against its schema.
type parsed struct {
	abs   string
	doc   *document
	bad   map[string]bool // value paths with a schema problem at or below them
	badAt map[string]bool // value paths with a schema problem of their own
	r     *reporter
}

// clean reports whether the schema found nothing wrong at or below path.
func (p *parsed) clean(path ...string) bool { return !p.bad[pathKey(path...)] }

// choiceClean reports whether the alternatives set in the mapping at path can be
// counted: the mapping has no problem of its own (such as a misspelled
// alternative) and no alternative is malformed.
func (p *parsed) choiceClean(path []string, alternatives ...string) bool {
	if p.badAt[pathKey(path...)] {
		return false
	}
	for _, a := range alternatives {
		if !p.clean(append(append([]string(nil), path...), a)...) {
			return false
		}
	}
	return true
}

// kindNouns name each kind of file in messages: what to write in an empty file,
// and what each file holds.
var kindNouns = map[string][2]string{
	"eval":     {"an eval (name, data, task, scorers)", "eval"},
	"prompt":   {"a prompt (model, messages)", "prompt"},
	"function": {"a function (slug and one of prompt, exec, http, expr)", "function"},
	"project":  {"project settings (store, providers, prices, cache)", "project settings file"},
}

// load reads, parses and schema-checks a file; doc is nil when it could not be parsed.
func (s *session) load(abs, kind string) *parsed {
	s.markFile(abs)
	p := &parsed{abs: abs, r: &reporter{file: s.v.display(abs), exprs: s.v.exprs}}
	src, err := s.v.fs.ReadFile(abs)
	if err != nil {
		p.r.at(Pos{Line: 1, Col: 1}, "cannot read the file: %v", unwrapPathError(err))
		return p
	}
	p.doc = parseDocument(src, p.r, kindNouns[kind])
	if p.doc != nil {
		p.bad, p.badAt = checkSchema(kind, p.doc, p.r)
	}
	return p
}

func (s *session) finish(p *parsed) {
	s.addDiags(p.r.diags)
	if len(p.r.diags) > 0 {
		s.mu.Lock()
		s.files[p.abs] = true
		s.mu.Unlock()
	}
}

// anyProblem reports whether one of the files has problems.
func (s *session) anyProblem(files []string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		if s.files[f] {
			return true
		}
	}
	return false
}

func decodeInto(doc *document, out any) {
	_ = doc.root.Decode(out) // type problems were reported by the schema check
}

// functionsFor returns the functions visible from an eval in dir: functions/*.yaml
// (function files, and prompt files with a slug)
// in dir and in each parent up to the project root.
func (s *session) functionsFor(dir string) map[string]*Function {
	return s.funcs.get(dir, func() map[string]*Function {
		out := map[string]*Function{}
		root := s.projectRoot(dir)
		for d := dir; ; d = filepath.Dir(d) {
			for _, f := range s.functionFilesIn(d) {
				if _, ok := out[f.Slug]; !ok {
					out[f.Slug] = f
				}
			}
			if d == root || filepath.Dir(d) == d {
				break
			}
		}
		return out
	})
}

func (s *session) functionFilesIn(dir string) []*Function {
	var paths []string
	for _, ext := range []string{"*.yaml", "*.yml"} {
		m, _ := s.v.fs.Glob(filepath.Join(dir, "functions", ext))
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	var out []*Function
	seen := map[string]string{}
	for _, p := range paths {
		f := s.callable(p)
		if f == nil {
			continue
		}
		if first, dup := seen[f.Slug]; dup {
			s.addDiags(Diagnostics{{File: s.v.display(p), Line: f.SlugPos.Line, Col: f.SlugPos.Col,
				Message: "function slug " + quote(f.Slug) + " is already defined in " + s.v.display(first) + ": give one of them another slug"}})
			s.mu.Lock()
			s.files[p], s.files[first] = true, true // an eval using the slug cannot know which it gets
			s.mu.Unlock()
			continue
		}
		seen[f.Slug] = p
		out = append(out, f)
	}
	return out
}

// projectRoot is the nearest directory at or above dir with caliper.yaml or .git;
// dir itself when there is none.
func (s *session) projectRoot(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		for _, marker := range []string{"caliper.yaml", "caliper.yml", ".git"} {
			if _, err := s.v.fs.Stat(filepath.Join(d, marker)); err == nil {
				return d
			}
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// projectFor validates and returns the caliper.yaml that applies to dir, if any.
func (s *session) projectFor(dir string) *Project {
	root := s.projectRoot(dir)
	for _, name := range []string{"caliper.yaml", "caliper.yml"} {
		p := filepath.Join(root, name)
		if _, err := s.v.fs.Stat(p); err == nil {
			return s.projectFile(p)
		}
	}
	return nil
}

func quote(s string) string { return `"` + s + `"` }

func unwrapPathError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// expr builds an Expr for a positioned string in a parsed file.
func (p *parsed) expr(sc Scalar[string]) Expr {
	e := Expr{Code: sc.Value, File: p.r.file, Pos: sc.Pos, node: sc.node}
	if p.doc != nil {
		e.src = p.doc.src
	}
	return e
}

// exprPtr builds an *Expr when the string was written, else nil.
func (p *parsed) exprPtr(sc Scalar[string]) *Expr {
	if !sc.IsSet() {
		return nil
	}
	e := p.expr(sc)
	return &e
}

// nodeOf returns the node of a value path, or nil.
func (p *parsed) nodeOf(path ...string) *yaml.Node {
	if p.doc == nil {
		return nil
	}
	return p.doc.nodes[pathKey(path...)]
}

// writtenAt returns pos, unless the value at path comes through an alias: then
// where the alias is written, since pos is inside the anchored original.
func (p *parsed) writtenAt(pos Pos, path ...string) Pos {
	for i := 1; i <= len(path); i++ {
		if n := p.nodeOf(path[:i]...); n != nil && n.Kind == yaml.AliasNode {
			return nodePos(n)
		}
	}
	return pos
}

// posOf returns where a value path is written (its key when it has one).
func (p *parsed) posOf(path ...string) Pos {
	if p.doc == nil {
		return Pos{}
	}
	return p.doc.keyOrValuePos(pathKey(path...))
}
