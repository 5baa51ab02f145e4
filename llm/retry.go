package llm

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// APIError is the error of a call that failed: the provider's status and
// message when it answered, and the number of attempts made. It never holds
// a key or a request header.
type APIError struct {
	Model    string // provider/model
	Status   int    // the HTTP status of the last answer; 0 when there was none
	Message  string // the provider's message, or what went wrong
	Attempts int
	// Retryable reports a failure that was worth retrying (429, 5xx,
	// connection error, timeout), whether or not retries remained.
	Retryable bool
	Err       error // the underlying error, if any
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Model)
	b.WriteString(": ")
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
		if e.Message != "" {
			b.WriteString(": ")
		}
	}
	b.WriteString(e.Message)
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString(": ")
		b.WriteString(hint)
	}
	return b.String()
}

func (e *APIError) hint() string {
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		return "check the provider's API key"
	case e.Status == http.StatusNotFound:
		return "check the model name and the provider's base_url"
	case e.Status == http.StatusTooManyRequests:
		return "lower max_concurrency or set requests_per_minute for the provider"
	case e.Retryable && e.Attempts > 1:
		return "the provider kept failing; retry later or raise max_retries"
	}
	return ""
}

func (e *APIError) Unwrap() error { return e.Err }

// attempt is what one request brought back, besides the decoded answer.
type attempt struct {
	status int
	header http.Header
	body   []byte // the start of the body: all of it up to maxErrorBody for an error status
	// readErr is the error reading a success body failed with, other than
	// io.EOF: the connection broke midway.
	readErr error
}

const maxErrorBody = 64 << 10

// capture records the status, headers and body start of the response of one
// attempt. It is installed as an SDK middleware. The headers are the
// response's own, not a copy: the SDKs and the attempt only read them.
func (a *attempt) capture(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	sendInOneWrite(req)
	res, err := next(req)
	if res == nil {
		return res, err
	}
	a.status, a.header = res.StatusCode, res.Header
	if res.StatusCode >= 400 && res.Body != nil {
		body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
		_ = res.Body.Close()
		a.body = body
		res.Body = io.NopCloser(strings.NewReader(string(body)))
		return res, err
	}
	if res.Body != nil {
		res.Body = &headReader{ReadCloser: res.Body, a: a}
	}
	return res, err
}

// sendInOneWrite gives req a body net/http can see is in memory, so that it
// writes the headers and the body together. The OpenAI SDK wraps each
// attempt's body in a reader of its own, for which net/http flushes the
// headers first: two writes and two segments a request, which the server
// wakes for twice.
func sendInOneWrite(req *http.Request) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody == nil {
		return
	}
	if body, err := req.GetBody(); err == nil {
		req.Body = body
	}
}

// headReader keeps the first bytes of a body, for errors about it.
type headReader struct {
	io.ReadCloser
	a *attempt
}

func (h *headReader) Read(p []byte) (int, error) {
	n, err := h.ReadCloser.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		h.a.readErr = err
	}
	if room := 512 - len(h.a.body); room > 0 && n > 0 {
		h.a.body = append(h.a.body, p[:min(n, room)]...)
	}
	return n, err
}

// providerMessage extracts the message of an error body: error.message (the
// OpenAI and Anthropic shape), message, error (a string), or the text itself.
func providerMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  string          `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(v.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return s
		case v.Message != "":
			return v.Message
		case v.Detail != "":
			return v.Detail
		}
	}
	return snippet(body)
}

// snippet is the start of a body, on one line, for an error message.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	if s == "" {
		return "empty body"
	}
	return s
}

// retryableStatus reports the statuses worth retrying: 408, 409 (Anthropic's
// conflict), 429 and every 5xx (529 is Anthropic's "overloaded").
func retryableStatus(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusConflict ||
		status == http.StatusTooManyRequests || status >= 500
}

// connectionError reports a failure to connect or a connection lost midway.
func connectionError(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &oe) || (errors.As(err, &ne) && ne.Timeout()) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE)
}

// retryAfter reads how long the provider asks to wait: retry-after-ms, then
// Retry-After in seconds or as an HTTP date. ok is false without either.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if h == nil {
		return 0, false
	}
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// backoff computes the waits between retries.
type backoff struct {
	min, max, maxRetryAfter time.Duration
}

func (b *backoff) defaults() {
	if b.min <= 0 {
		b.min = 500 * time.Millisecond
	}
	if b.max <= 0 {
		b.max = 30 * time.Second
	}
	if b.max < b.min {
		b.max = b.min
	}
	if b.maxRetryAfter <= 0 {
		b.maxRetryAfter = 2 * time.Minute
	}
}

// wait is the delay before retry n (0 for the first retry): the provider's
// Retry-After when it gave one (capped), else full jitter over an
// exponentially growing window.
func (b backoff) wait(n int, h http.Header) time.Duration {
	if d, ok := retryAfter(h, time.Now()); ok {
		return min(d, b.maxRetryAfter)
	}
	window := b.min << min(n, 20)
	if window <= 0 || window > b.max {
		window = b.max
	}
	return rand.N(window)
}
