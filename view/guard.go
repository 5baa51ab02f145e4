package view

import (
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
)

// tokenCookie holds the token once a browser has shown it.
const tokenCookie = "caliper_token"

// csrfField is the form field (or X-Caliper-CSRF header) that carries the
// server's CSRF token on state-changing requests.
const csrfField = "csrf"

// contentSecurityPolicy allows the page's own scripts, styles and forms and
// nothing inline: even markup slipped past the templates could not run.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// guard wraps the pages with the safety checks: security headers, the
// Host check against DNS rebinding, the token, and for every request that
// changes state a same-origin check and the CSRF token.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin") // "no-referrer" would make browsers send Origin: null on our own forms
		h.Set("X-Frame-Options", "DENY")
		if s.token == "" && !loopbackHost(r.Host) {
			http.Error(w, "caliper view: this viewer only answers to localhost and 127.0.0.1; to serve other hosts, restart it with --addr and use its token", http.StatusForbidden)
			return
		}
		if s.token != "" && !s.hasToken(w, r) {
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.sameOrigin(r) {
			http.Error(w, "caliper view: refused a cross-site request: submit the form from the viewer's own page", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// hasToken checks the request's token; a valid ?token= on a GET is moved
// into a cookie and the browser sent to the same page without it.
func (s *Server) hasToken(w http.ResponseWriter, r *http.Request) bool {
	if q := r.URL.Query().Get("token"); q != "" && equal(q, s.token) && r.Method == http.MethodGet {
		http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		u := *r.URL
		v := u.Query()
		v.Del("token")
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		return false
	}
	if c, err := r.Cookie(tokenCookie); err == nil && equal(c.Value, s.token) {
		return true
	}
	if equal(r.Header.Get("X-Caliper-Token"), s.token) {
		return true
	}
	http.Error(w, "caliper view: this viewer needs its token: open the address with ?token= that caliper view printed, or send the X-Caliper-Token header", http.StatusUnauthorized)
	return false
}

// sameOrigin accepts a state-changing request only when the browser says it
// comes from this origin and it carries the CSRF token.
func (s *Server) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		if err != nil || u.Host != r.Host {
			return false
		}
	}
	tok := r.Header.Get("X-Caliper-CSRF")
	if tok == "" {
		tok = r.PostFormValue(csrfField)
	}
	return equal(tok, s.csrf)
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// loopbackHost says whether a Host header names this machine's loopback.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if len(host) > 1 && host[0] == '[' {
		host = host[1 : len(host)-1]
	}
	return isLoopback(host)
}
