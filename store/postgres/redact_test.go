package postgres

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// FuzzRedact checks that no form of a URL's password survives redact, and
// that an error quoting the password loses it to scrub.
func FuzzRedact(f *testing.F) {
	for _, seed := range []string{"s3cret", "p@ss:w/rd", "with space", "%41%", "pässwörd", "a&password=b"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, pw string) {
		if len(pw) < 4 || strings.Contains(pw, "xxxxx") {
			t.Skip()
		}
		u := url.URL{Scheme: "postgres", User: url.UserPassword("caliper", pw), Host: "db.internal:5432", Path: "/evals"}
		dsn := u.String()
		bare := strings.Replace(dsn, u.User.String(), "caliper", 1)
		for _, form := range []string{pw, url.QueryEscape(pw), url.PathEscape(pw)} {
			if strings.Contains(bare, form) {
				t.Skip() // the password is spelled elsewhere in the URL
			}
			if got := redact(dsn); strings.Contains(got, form) {
				t.Errorf("redact(%q) = %q keeps %q", dsn, got, form)
			}
			err := scrub(fmt.Errorf("connecting with %s: %w", form, errors.New("refused")), pw)
			if strings.Contains(err.Error(), form) {
				t.Errorf("scrub kept %q in %q", form, err)
			}
		}
	})
}
