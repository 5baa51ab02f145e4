package functions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"

	"github.com/caliperhq/caliper/internal/mask"
)

// Roles a function plays in an eval.
const (
	RoleTask   = "task"
	RoleScorer = "scorer"
)

// ErrClosed is returned by Call after Close.
var ErrClosed = errors.New("function is closed")

// Options configure the function New builds. The zero value is usable.
type Options struct {
	// Role is RoleTask (the default) or RoleScorer. A scorer function receives
	// the output to score in Request.Output, and its expression sees the
	// variables of spec.ScorerEnv instead of spec.TaskEnv.
	Role string
	// Concurrency bounds what a function runs at once: the long-lived processes
	// of an exec worker, the one-shot processes running at the same time, and
	// the idle keep-alive connections per host of an http function.
	// Default spec.DefaultMaxConcurrency.
	Concurrency int
	// Timeout applies to each call of an exec or http function whose body sets
	// no timeout of its own. Zero means no timeout.
	Timeout time.Duration
	// Env is the environment programs start with, before the body's env is
	// added. Nil means os.Environ(); an empty slice, an empty environment.
	Env []string
	// ExprOptions are added when compiling expressions, typically the
	// helper functions of a scorers.Registry.
	ExprOptions []expr.Option
	// HTTPClient sends the requests of http functions. Default a client of its
	// own with keep-alive connections sized for Concurrency, closed by Close.
	HTTPClient *http.Client
	// LLM sends the model calls of prompt functions. A prompt body without
	// it is an error.
	LLM *llm.Client
	// Attachments reads the attachments the image parts of prompts send.
	Attachments AttachmentLoader
	// Stderr receives what programs write on stderr, line by line, each line
	// prefixed with the program's name and first argument, as in
	// "[python3 policy.py] ". Default: discarded. Either way the last few
	// KB of a process's stderr go into the errors of its calls.
	Stderr io.Writer
	// Mask hides the run's secrets in programs' stderr (forwarded and kept
	// for errors) and in the snippets of answers quoted by errors, before
	// anything is cut. Nil masks nothing.
	Mask *mask.Masker
	// Vars are the values of the environment variables the eval lists in
	// env:, which http templates read as {{env.NAME}}. Their values are
	// secrets: Mask holds them.
	Vars map[string]string
	// Functions are the functions the tools of an agent prompt name by
	// slug (tools: [{function: SLUG}]): spec.Eval.Functions.
	Functions map[string]*spec.Function
	// kinds is the registry building this function, which builds the
	// functions of its tools too.
	kinds *Kinds
}

func (o Options) withDefaults() (Options, error) {
	switch o.Role {
	case "":
		o.Role = RoleTask
	case RoleTask, RoleScorer:
	default:
		return o, fmt.Errorf("unknown function role %q: use %q or %q", o.Role, RoleTask, RoleScorer)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = spec.DefaultMaxConcurrency
	}
	if o.Env == nil {
		o.Env = os.Environ()
	}
	return o, nil
}

// New builds the function that runs body b: a prompt sent to a model
// ("prompt"), an expression ("expr"), a program ("exec", one-shot or worker)
// or an endpoint ("http"). Expressions and templates are compiled here, once;
// programs are started lazily by Call.
//
// An exec one-shot runs its command once per call, in exec.dir, with
// Options.Env plus exec.env: the Request as one JSON object on stdin, the
// output on stdout (JSON when it parses, else the text less one trailing
// newline). More than exec.max_output bytes, a non-zero exit status or the
// timeout fail the call; the error carries the tail of stderr. The process
// leads its own process group, which is killed on timeout, on cancellation
// and when the call ends, so nothing it started outlives the call.
//
// An exec worker (worker: true) starts up to Options.Concurrency long-lived
// processes that speak JSON Lines: request {"id": "7", "input": ...} on stdin,
// response {"id": "7", "output": ...} or {"id": "7", "error": "..."} on
// stdout, one line each. A worker that exits, answers with another id, writes
// a line that is not a JSON object or longer than exec.max_output, or times
// out, fails the call and is replaced on the next one.
//
// An http function sends http.method (default POST) to http.url. The URL and
// header values are mustache templates over input, expected, metadata, tags,
// parameters and trial (and output, in a scorer), never the process
// environment, rendered without escaping: strings raw, other values as JSON.
// A variable that names nothing in the case is an error; a section
// ({{#metadata.x}}...{{/metadata.x}}) makes it optional. The body is the
// Request as JSON (none for GET and HEAD) unless http.body is set; then every
// string in it is a template, and a string that is exactly one tag
// ("{{input}}") is replaced by the value, keeping its JSON type. The output is
// the response body, JSON-decoded when it parses, and a status outside 2xx is
// an error "http 500: <start of the body>". When http.output is set, it picks
// the output from status, headers (lower-case names, first values) and body
// whatever the status, so it decides what an error response means:
// status == 200 ? body.answer : nil.
//
// A scorer's request always has "output" (null when the task gave none).
//
// A prompt ("prompt") renders its messages (see Prompt) and sends them with
// Options.LLM; its output is the answer's text, its parsed JSON when
// response_format asks for JSON, or its tool calls. Each call is recorded as
// a span in the Request's Trace. Options.Timeout bounds a call, retries
// included. A judge prompt (with choices) is built by package scorers.
//
// The kinds are the records of DefaultKinds (kinds.go). Bodies of kind
// "function" are not built here: a function slug must first be
// resolved to the body of that function.
func New(b spec.Body, opts Options) (Function, error) {
	return defaultKinds.New(b, opts)
}

// defaultKinds are the kinds New builds.
var defaultKinds = DefaultKinds()

// built returns f as a Function, or a nil Function (not a typed nil) on error.
func built[F Function](f F, err error) (Function, error) {
	if err != nil {
		return nil, err
	}
	return f, nil
}

// TimeoutError is the error of a call that ran out of time. It matches
// context.DeadlineExceeded with errors.Is.
type TimeoutError struct {
	After time.Duration
}

func (e *TimeoutError) Error() string { return fmt.Sprintf("timed out after %s", e.After) }

// Is reports whether target is context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// withTimeout bounds ctx by d, when d is positive, with a *TimeoutError cause.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, &TimeoutError{After: d})
}

// orEmpty returns req, or an empty request when it is nil.
func orEmpty(req *Request) *Request {
	if req == nil {
		return &Request{}
	}
	return req
}

// forRole drops the output of a task's request: only scorers receive one.
func forRole(req *Request, role string) *Request {
	req = orEmpty(req)
	if role == RoleTask && req.Output != nil {
		r := *req
		r.Output = nil
		return &r
	}
	return req
}

// firstOf returns the first positive duration.
func firstOf(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}
