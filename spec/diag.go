package spec

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a 1-based line and column in a YAML file; the zero Pos means "unknown".
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

// IsKnown reports whether the position points somewhere in a file.
func (p Pos) IsKnown() bool { return p.Line > 0 }

// Diagnostic is one problem found in a file, at a line and column, with a message
// that says what is wrong and what to do.
type Diagnostic struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"column"`
	Message string `json:"message"`
}

// String formats the diagnostic as file:line:col: message.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Col, d.Message)
}

// Diagnostics is a list of problems, usually across several files.
type Diagnostics []Diagnostic

// Sort orders the diagnostics by file, line, column and message, dropping exact duplicates.
func (ds *Diagnostics) Sort() {
	list := *ds
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i], list[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Message < b.Message
	})
	out := list[:0]
	for i, d := range list {
		if i > 0 && d == list[i-1] {
			continue
		}
		out = append(out, d)
	}
	*ds = out
}

// Error joins the diagnostics one per line, so a Diagnostics can be returned as an error.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// reporter collects the diagnostics of one file.
type reporter struct {
	file  string
	diags Diagnostics
	exprs *exprCompiler // compiles the file's expressions
}

func (r *reporter) at(p Pos, format string, args ...any) {
	if !p.IsKnown() {
		p = Pos{Line: 1, Col: 1}
	}
	r.diags = append(r.diags, Diagnostic{File: r.file, Line: p.Line, Col: p.Col, Message: fmt.Sprintf(format, args...)})
}
