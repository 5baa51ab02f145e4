package functions

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/spec"
)

// waitDelay bounds how long Wait waits for stderr once a process has exited,
// when a process it left behind still holds the pipe.
const waitDelay = 500 * time.Millisecond

// program is what one-shot and worker functions share: the command and how
// to start it.
type program struct {
	argv      []string
	dir       string
	env       []string
	name      string // short name for errors and stderr prefixes
	maxOutput int64
	timeout   time.Duration
	role      string
	out       *lineOut
	mask      *mask.Masker
}

func newProgram(ex *spec.Exec, opts Options) (*program, error) {
	if len(ex.Command) == 0 || ex.Command[0] == "" {
		return nil, errors.New("exec: empty command: set exec.command, e.g. [python3, task.py]")
	}
	p := &program{
		argv:      ex.Command,
		dir:       ex.Dir,
		env:       slices.Clip(opts.Env),
		name:      displayName(ex.Command),
		maxOutput: ex.MaxOutput,
		timeout:   firstOf(ex.Timeout, opts.Timeout),
		role:      opts.Role,
		mask:      opts.Mask,
	}
	if p.maxOutput <= 0 {
		p.maxOutput = spec.DefaultMaxOutput
	}
	for _, k := range slices.Sorted(maps.Keys(ex.Env)) {
		p.env = append(p.env, k+"="+ex.Env[k]) // later entries win in os/exec
	}
	if opts.Stderr != nil {
		p.out = &lineOut{w: opts.Stderr}
	}
	return p, nil
}

// displayName is the program's base name, followed by the base name of its
// first argument when that is not a flag: "python3 policy.py".
func displayName(argv []string) string {
	name := filepath.Base(argv[0])
	if len(argv) > 1 && argv[1] != "" && !strings.HasPrefix(argv[1], "-") {
		name += " " + filepath.Base(argv[1])
	}
	return name
}

// command returns an unstarted command, isolated so that killGroup ends it
// and everything it starts, and the stderr it writes to.
func (p *program) command() (*exec.Cmd, *stderrTail) {
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = p.env
	cmd = isolate(cmd)
	tail := &stderrTail{out: p.out, prefix: "[" + p.name + "] ", mask: p.mask}
	cmd.Stderr = tail
	cmd.WaitDelay = waitDelay
	return cmd, tail
}

// startError explains why a program could not start.
func (p *program) startError(err error) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%s: starting: %w: install it or fix exec.command", p.name, err)
	}
	return fmt.Errorf("%s: starting in %s: %w: check exec.command and exec.dir", p.name, p.dir, err)
}

// wireRequest is the JSON request of a scorer: the Request, with "output"
// always present (null when the task produced nothing), since scorers read it.
type wireRequest struct {
	*Request
	Output any `json:"output"`
}

// encodeRequest returns the JSON a program receives for req.
func (p *program) encodeRequest(req *Request) ([]byte, error) {
	req = forRole(req, p.role)
	var v any = req
	if p.role == RoleScorer {
		v = wireRequest{Request: req, Output: req.Output}
	}
	b, err := encodeJSON(v)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding the request as JSON: %w", p.name, err)
	}
	return b, nil
}

// decodeOutput reads a program's output: JSON when it parses, else the text
// with one trailing newline removed.
func decodeOutput(b []byte) any {
	var v any
	if err := json.Unmarshal(b, &v); err == nil {
		return v
	}
	s := string(b)
	if strings.HasSuffix(s, "\n") {
		s = strings.TrimSuffix(strings.TrimSuffix(s, "\n"), "\r")
	}
	return s
}

// snippet masks b and shortens it for an error message.
func snippet(m *mask.Masker, b []byte, n int) string {
	b = []byte(m.String(string(b)))
	if len(b) <= n {
		return string(b)
	}
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return string(b[:n]) + "..."
}
