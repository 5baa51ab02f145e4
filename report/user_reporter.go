package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/template"
	"time"
)

// User reporters, the Braintrust SDK's Reporter: --report exec:PROGRAM=FILE
// runs PROGRAM with the JSON report (the document of --json) on stdin and
// writes its stdout to FILE; --report template:PATH=FILE renders the Go
// text/template file PATH over that document and writes the result to FILE.
// FILE "-" is the terminal (the command's own cmd/caliper decides).

// User reporter kinds, the prefix of their --report format.
const (
	UserExec     = "exec"
	UserTemplate = "template"
)

// userProgramTimeout bounds one run of a report program.
const userProgramTimeout = 5 * time.Minute

// UserOptions are what a user reporter needs from the command.
type UserOptions struct {
	Dir    string   // PROGRAM and PATH are relative to it
	Env    []string // the program's environment
	Stderr io.Writer
	// Mask hides the run's secrets in the JSON document before the program
	// or the template sees it; called at each write. Nil masks nothing.
	Mask func([]byte) []byte
}

// UserReporter returns the reporter of a --report format "exec:PROGRAM" or
// "template:PATH", and false for any other format. A template is parsed here,
// so that its syntax errors come before the run; a program is looked up here.
func UserReporter(format string, opts UserOptions) (Reporter, bool, error) {
	kind, arg, ok := strings.Cut(format, ":")
	if !ok || (kind != UserExec && kind != UserTemplate) {
		return Reporter{}, false, nil
	}
	if strings.TrimSpace(arg) == "" {
		return Reporter{}, true, fmt.Errorf("%s: name the %s after the colon, e.g. --report exec:./report.py=out.txt or --report template:report.tmpl=out.md", format, map[string]string{UserExec: "program", UserTemplate: "template file"}[kind])
	}
	if kind == UserTemplate {
		rep, err := templateReporter(format, arg, opts)
		return rep, true, err
	}
	rep, err := execReporter(format, arg, opts)
	return rep, true, err
}

// reportDocument is the JSON report of runs, masked: what a user reporter sees.
func reportDocument(runs []Run, opts UserOptions) ([]byte, error) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, summaries(runs)...); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if opts.Mask != nil {
		b = opts.Mask(b)
	}
	return b, nil
}

// templateReporter parses the template file at path.
func templateReporter(format, path string, opts UserOptions) (Reporter, error) {
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(opts.Dir, path)
	}
	src, err := os.ReadFile(full)
	if err != nil {
		return Reporter{}, fmt.Errorf("reading the report template: %w: check the path after \"template:\"", err)
	}
	t, err := template.New(path).Option("missingkey=error").Funcs(templateFuncs).Parse(string(src))
	if err != nil {
		// text/template errors read "template: PATH:LINE: ...".
		return Reporter{}, fmt.Errorf("parsing the report template: %w: fix it (Go text/template syntax, see the README)", err)
	}
	return Reporter{Name: format, Write: func(w io.Writer, runs []Run) error {
		doc, err := reportDocument(runs, opts)
		if err != nil {
			return err
		}
		var data map[string]any
		if err := json.Unmarshal(doc, &data); err != nil {
			return fmt.Errorf("decoding the report for the template: %w", err)
		}
		if err := t.Execute(w, data); err != nil {
			return fmt.Errorf("rendering the report template: %w: fix the template; it sees the document of --json (.evals, each with .eval, .status, .scores, .metrics, .checks, .comparison)", err)
		}
		return nil
	}}, nil
}

// templateFuncs are the helpers a report template may call besides the
// built-in ones of text/template.
var templateFuncs = template.FuncMap{
	// pct formats a score in [0, 1] as a percentage: 0.9375 -> "93.8%".
	"pct": func(v any) string {
		f, _ := v.(float64)
		return fmt.Sprintf("%.1f%%", f*100)
	},
	// json encodes a value as JSON.
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

// execReporter runs the program argv (split on spaces) for each write.
func execReporter(format, command string, opts UserOptions) (Reporter, error) {
	argv := strings.Fields(command)
	prog := argv[0]
	if strings.ContainsRune(prog, '/') && !filepath.IsAbs(prog) {
		prog = filepath.Join(opts.Dir, prog)
	}
	if _, err := exec.LookPath(prog); err != nil {
		return Reporter{}, fmt.Errorf("report program %q: %w: install it, or give its path (relative to the current directory)", argv[0], err)
	}
	return Reporter{Name: format, Write: func(w io.Writer, runs []Run) error {
		doc, err := reportDocument(runs, opts)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), userProgramTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, prog, argv[1:]...)
		cmd.Dir, cmd.Env = opts.Dir, opts.Env
		cmd.Stdin, cmd.Stdout = bytes.NewReader(doc), w
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		if opts.Stderr != nil && stderr.Len() > 0 {
			b := stderr.Bytes()
			if opts.Mask != nil {
				b = opts.Mask(b)
			}
			_, _ = opts.Stderr.Write(b)
		}
		var exitErr *exec.ExitError
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return fmt.Errorf("report program %s: no answer after %s: make it read the report on stdin and exit", argv[0], userProgramTimeout)
		case errors.As(err, &exitErr):
			return fmt.Errorf("report program %s exited with status %d%s: fix it; it gets the JSON report on stdin and its stdout is the report", argv[0], exitErr.ExitCode(), lastLine(stderr.Bytes(), opts.Mask))
		default:
			return fmt.Errorf("report program %s: %w", argv[0], err)
		}
	}}, nil
}

// lastLine is ": " and the last line of a program's stderr, masked; empty
// when it wrote none.
func lastLine(b []byte, m func([]byte) []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return ""
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	if m != nil {
		b = m(b)
	}
	if len(b) > 300 {
		b = b[:300]
	}
	return ": " + string(b)
}
