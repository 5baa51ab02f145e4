package spec

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// FS is the file system validation reads, with OS paths.
type FS interface {
	ReadFile(name string) ([]byte, error)
	Stat(name string) (fs.FileInfo, error)
	Glob(pattern string) ([]string, error)
	WalkDir(root string, fn fs.WalkDirFunc) error
}

// OSFS is the operating system's file system.
type OSFS struct{}

// ReadFile reads a whole file.
func (OSFS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// Stat describes a file.
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// Glob lists the files matching a pattern.
func (OSFS) Glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

// WalkDir walks a directory tree.
func (OSFS) WalkDir(root string, fn fs.WalkDirFunc) error { return filepath.WalkDir(root, fn) }

// Validator loads and validates Caliper files. The zero value is not usable: call
// NewValidator.
type Validator struct {
	fs    FS
	dir   string  // file names in diagnostics are relative to it
	cat   Catalog // the built-in scorers, helper functions and body kinds
	exprs *exprCompiler
}

// NewValidator returns a validator reading fsys, naming files relative to dir,
// that knows the components of cat (pipeline.DefaultCatalog for a run). A nil cat is
// EmptyCatalog: every `use:` is unknown and expressions have no helpers.
func NewValidator(fsys FS, dir string, cat Catalog) *Validator {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if cat == nil {
		cat = EmptyCatalog{}
	}
	return &Validator{fs: fsys, dir: dir, cat: cat, exprs: newExprCompiler(cat)}
}

// Result is what validating a set of files found.
type Result struct {
	Files       []string // every file validated, evals and the files they reference
	Evals       []*Eval  // the evals that have no problem
	Diagnostics Diagnostics
}

// Validate discovers **/*.eval.yaml under paths (files are taken as they are) and
// validates them with every prompt, function and project file they use.
func (v *Validator) Validate(paths []string) *Result {
	s := v.newSession()
	files, diags := v.discover(paths)
	s.addDiags(diags)
	evals := make([]*Eval, len(files))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			evals[i] = s.validatePath(f)
		}()
	}
	wg.Wait()
	res := &Result{Diagnostics: s.diags}
	for _, e := range evals {
		if e != nil {
			res.Evals = append(res.Evals, e)
		}
	}
	res.Files = sortedKeys(s.files)
	for i, f := range res.Files {
		res.Files[i] = v.display(f)
	}
	res.Diagnostics.Sort()
	return res
}

// LoadEval validates one eval file and what it references, returning the eval
// when there is no problem.
func (v *Validator) LoadEval(path string) (*Eval, Diagnostics) {
	s := v.newSession()
	ev := s.validatePath(v.abs(path))
	s.diags.Sort()
	if len(s.diags) > 0 {
		return nil, s.diags
	}
	return ev, nil
}

func (v *Validator) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(v.dir, p)
}

func (v *Validator) display(abs string) string {
	if rel, err := filepath.Rel(v.dir, abs); err == nil && !strings.HasPrefix(rel, "../..") {
		return rel
	}
	return abs
}

// FileKind tells the kind of a Caliper file from its name.
func FileKind(path string) string {
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(base, ".eval.yaml"), strings.HasSuffix(base, ".eval.yml"):
		return "eval"
	case strings.HasSuffix(base, ".prompt.yaml"), strings.HasSuffix(base, ".prompt.yml"):
		return "prompt"
	case base == "caliper.yaml", base == "caliper.yml":
		return "project"
	case filepath.Base(filepath.Dir(path)) == "functions":
		return "function"
	}
	return "eval"
}

// IsEvalFile reports whether a file name is an eval's.
func IsEvalFile(name string) bool {
	return strings.HasSuffix(name, ".eval.yaml") || strings.HasSuffix(name, ".eval.yml")
}

// skippedDirs are never searched for evals; testdata holds fixtures, by Go convention.
var skippedDirs = map[string]bool{".git": true, ".caliper": true, "node_modules": true, "vendor": true, ".venv": true, "__pycache__": true, "testdata": true}

func (v *Validator) discover(paths []string) ([]string, Diagnostics) {
	if len(paths) == 0 {
		paths = []string{"."}
	}
	var files []string
	var diags Diagnostics
	seen := map[string]bool{}
	for _, p := range paths {
		root := v.abs(p)
		info, err := v.fs.Stat(root)
		if err != nil {
			diags = append(diags, Diagnostic{File: p, Line: 1, Col: 1, Message: "no such file or directory: check the path"})
			continue
		}
		if !info.IsDir() {
			if !seen[root] {
				seen[root] = true
				files = append(files, root)
			}
			continue
		}
		found := 0
		_ = v.fs.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if d.IsDir() {
				if path != root && (skippedDirs[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if IsEvalFile(d.Name()) && !seen[path] {
				seen[path] = true
				files = append(files, path)
				found++
			}
			return nil
		})
		if found == 0 {
			diags = append(diags, Diagnostic{File: p, Line: 1, Col: 1, Message: "no *.eval.yaml file found here: create one (`caliper init`) or pass another path"})
		}
	}
	sort.Strings(files)
	return files, diags
}

// Functions returns the functions callable from dir: functions/*.yaml there and
// in its parents up to the project root, with the problems of their files.
func (v *Validator) Functions(dir string) (map[string]*Function, Diagnostics) {
	s := v.newSession()
	funcs := s.functionsFor(v.abs(dir))
	s.diags.Sort()
	return funcs, s.diags
}
