package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/caliperhq/caliper/internal/mask"
	"github.com/caliperhq/caliper/spec"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
)

// maxResponse is the largest response body an http function reads.
const maxResponse = spec.DefaultMaxOutput

// httpFunc calls an endpoint once per call.
//
// The URL and header values are mustache templates over input, expected,
// metadata, tags, parameters, trial (and output, for a scorer) and env (the
// variables the eval lists in env:, never the rest of the environment), rendered
// without any escaping: values are inserted as they are, so a value that goes
// into a URL query must already be URL-safe. Strings are inserted raw, other
// values as JSON. A variable that names nothing in the case is an error.
//
// The body is the Request as JSON when http.body is not set (no body for GET
// and HEAD); otherwise it is http.body with every string inside rendered as a
// template, and a string that is exactly one tag ("{{input}}") replaced by the
// value itself, keeping its JSON type.
//
// The output is the response body, JSON-decoded when it parses, else its text.
// A status outside 2xx is then an error. When http.output is set, it picks the
// output from status, headers (lower-case names, first value) and body, and
// is evaluated whatever the status: the expression decides what an error
// response means (status == 200 ? body.answer : nil).
type httpFunc struct {
	method    string
	endpoint  string // scheme://host/path of the URL template, for errors
	url       *template
	headers   []headerTemplate
	body      valueTemplate // nil: the request as JSON
	noBody    bool
	output    *spec.Expr
	hooks     bool // the response is an answer object (trace_hooks.go)
	prog      *vm.Program
	client    *http.Client
	ownClient bool
	timeout   time.Duration
	role      string
	mask      *mask.Masker
	vars      map[string]string // env: values, for {{env.NAME}}
}

type headerTemplate struct {
	name string
	t    *template
}

func newHTTP(h *spec.HTTP, opts Options) (*httpFunc, error) {
	if h.URL == "" {
		return nil, errors.New("http: empty url: set http.url")
	}
	if h.Hooks && opts.Role == RoleScorer {
		return nil, errors.New(`http.hooks is for tasks: a scorer reports its metrics and spans in its result object {"score", "metadata", "metrics", "spans"}; remove hooks`)
	}
	f := &httpFunc{
		method:  strings.ToUpper(h.Method),
		timeout: firstOf(h.Timeout, opts.Timeout),
		role:    opts.Role,
		client:  opts.HTTPClient,
		mask:    opts.Mask,
		vars:    opts.Vars,
		hooks:   h.Hooks,
	}
	if f.method == "" {
		f.method = http.MethodPost
	}
	var err error
	if f.url, err = parseTemplate("http.url", h.URL); err != nil {
		return nil, err
	}
	f.endpoint = h.URL
	if u, err := url.Parse(h.URL); err == nil {
		u.RawQuery, u.Fragment, u.User = "", "", nil
		f.endpoint = u.String()
		if e, err := url.PathUnescape(f.endpoint); err == nil {
			f.endpoint = e // a template's {{...}} as written, not %7B%7B...
		}
	}
	for _, name := range slices.Sorted(maps.Keys(h.Headers)) {
		t, err := parseTemplate(fmt.Sprintf("http.headers.%s", name), h.Headers[name])
		if err != nil {
			return nil, err
		}
		f.headers = append(f.headers, headerTemplate{name: name, t: t})
	}
	if h.Body != nil {
		if f.body, err = compileValue("http.body", h.Body); err != nil {
			return nil, err
		}
	} else {
		f.noBody = f.method == http.MethodGet || f.method == http.MethodHead
	}
	if h.Output != nil {
		if f.prog, err = h.Output.Compile(spec.ScopeHTTPOut, opts.ExprOptions...); err != nil {
			return nil, fmt.Errorf("compiling http.output: %w", err)
		}
		f.output = h.Output
	}
	if f.client == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = max(opts.Concurrency, 2)
		t.MaxIdleConns = max(t.MaxIdleConns, opts.Concurrency)
		f.client, f.ownClient = &http.Client{Transport: t}, true
	}
	return f, nil
}

// Call renders the request for req, sends it and returns the output.
func (f *httpFunc) Call(ctx context.Context, req *Request) (any, error) {
	req = forRole(req, f.role)
	ctx, cancel := withTimeout(ctx, f.timeout)
	defer cancel()
	hreq, err := f.request(ctx, req)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	resp, err := f.client.Do(hreq)
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, fmt.Errorf("%s %s: %w", f.method, f.endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		if ctx.Err() != nil {
			err = context.Cause(ctx)
		}
		return nil, fmt.Errorf("%s %s: reading the response: %w", f.method, f.endpoint, err)
	}
	if len(raw) > maxResponse {
		return nil, fmt.Errorf("%s %s: response larger than %d bytes", f.method, f.endpoint, maxResponse)
	}
	body := decodeBody(raw)
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if f.prog == nil {
		if !ok {
			return nil, fmt.Errorf("%s %s: http %d: %s", f.method, f.endpoint, resp.StatusCode, snippet(f.mask, raw, 200))
		}
		return f.answer(ctx, req, body, start, "body")
	}
	headers := make(map[string]string, len(resp.Header))
	for k, v := range resp.Header {
		if len(v) > 0 {
			headers[strings.ToLower(k)] = v[0]
		}
	}
	out, err := expr.Run(f.prog, spec.HTTPOutputEnv{
		Output: req.Output, Status: resp.StatusCode, Headers: headers, Body: body,
		Input: req.Input, Expected: req.Expected, Metadata: req.Metadata,
		Tags: req.Tags, Trial: req.Trial, Parameters: req.Parameters,
	})
	if err != nil {
		return nil, fmt.Errorf("http.output (response status %d): %w", resp.StatusCode, runError(f.output, err))
	}
	return f.answer(ctx, req, out, start, "value of http.output")
}

// answer is the output of v: with http.hooks, v is an answer object
// {output, metadata, metrics, tags, spans} whose report goes to the trace.
func (f *httpFunc) answer(ctx context.Context, req *Request, v any, start time.Time, what string) (any, error) {
	if !f.hooks {
		return v, nil
	}
	m, ok := isAnswer(v)
	if !ok {
		return nil, fmt.Errorf(`%s %s: http.hooks is set, so the response %s must be an answer object {"output": ..., "metadata", "metrics", "tags", "spans"}, not %s: answer one, or remove hooks`, f.method, f.endpoint, what, describeJSON(v))
	}
	out, err := takeAnswer(ctx, req, m, start)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", f.method, f.endpoint, err)
	}
	return out, nil
}

// request renders the HTTP request of one call.
func (f *httpFunc) request(ctx context.Context, req *Request) (*http.Request, error) {
	data := templateData(req, f.role)
	if len(f.vars) > 0 {
		env := make(tmap, len(f.vars))
		for k, v := range f.vars {
			env[k] = v
		}
		data["env"] = env
	}
	u, err := f.url.render(data)
	if err != nil {
		return nil, err
	}
	var body io.Reader
	switch {
	case f.noBody:
	case f.body == nil:
		var v any = req
		if f.role == RoleScorer {
			v = wireRequest{Request: req, Output: req.Output}
		}
		b, err := encodeJSON(v)
		if err != nil {
			return nil, fmt.Errorf("http: encoding the request as JSON: %w", err)
		}
		body = bytes.NewReader(b)
	default:
		v, err := f.body.render(data)
		if err != nil {
			return nil, err
		}
		b, err := encodeJSON(v)
		if err != nil {
			return nil, fmt.Errorf("http.body: encoding as JSON: %w", err)
		}
		body = bytes.NewReader(b)
	}
	hreq, err := http.NewRequestWithContext(ctx, f.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("http.url: %q is not a valid URL: %w", u, err)
	}
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	for _, h := range f.headers {
		v, err := h.t.render(data)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(h.name, "Host") {
			hreq.Host = v
			continue
		}
		hreq.Header.Set(h.name, v)
	}
	return hreq, nil
}

// decodeBody is the JSON value of b when it parses, else its text.
func decodeBody(b []byte) any {
	var v any
	if json.Unmarshal(b, &v) == nil {
		return v
	}
	return string(b)
}

// Close closes the idle connections of the client New made.
func (f *httpFunc) Close() error {
	if f.ownClient {
		f.client.CloseIdleConnections()
	}
	return nil
}
