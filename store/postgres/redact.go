package postgres

import (
	"net/url"
	"strings"
)

// scrubbedError is an error whose message has the connection's password
// removed. Unwrap still gives the cause, for errors.Is and errors.As.
type scrubbedError struct {
	err    error
	secret string
}

func (e *scrubbedError) Error() string { return scrubText(e.err.Error(), e.secret) }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub is err with secret removed from its message; nil stays nil.
func scrub(err error, secret string) error {
	if err == nil || secret == "" || !strings.Contains(err.Error(), secret) &&
		!strings.Contains(err.Error(), url.QueryEscape(secret)) && !strings.Contains(err.Error(), url.PathEscape(secret)) {
		return err
	}
	return &scrubbedError{err: err, secret: secret}
}

// scrubText is s with every form of secret (as written, and escaped as in a
// URL) replaced by xxxxx.
func scrubText(s, secret string) string {
	if secret == "" {
		return s
	}
	for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
		s = strings.ReplaceAll(s, form, "xxxxx")
	}
	return s
}

// wrap is err without the store's password in its message.
func (s *Postgres) wrap(err error) error { return scrub(err, s.secret) }

// scrubErr replaces *err by its scrubbed form; public methods defer it.
func (s *Postgres) scrubErr(err *error) { *err = s.wrap(*err) }
