package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// DefaultPath is where the embedded store lives, relative to the project root.
const DefaultPath = ".caliper/caliper.db"

// OpenOptions tune how Open opens a store.
type OpenOptions struct {
	// ReadOnly opens the store for reading only: nothing is created,
	// migrated or written, so a store on a read-only mount can be read.
	// Writing to such a store fails.
	ReadOnly bool
}

// Backend is a kind of store, registered with Register by the package that
// implements it (store/sqlite, ...): one file plus one Register call.
type Backend struct {
	// Name names the backend in messages: "sqlite".
	Name string
	// Schemes are the DSN schemes it opens, lower-case, without "://" or ":".
	Schemes []string
	// Paths tells the backend opens a DSN without a scheme: a file path.
	// One backend at most may set it.
	Paths bool
	// Open opens the store of dsn, which Open has matched to one of Schemes
	// (or is a path, for a Paths backend). Its errors must not hold a
	// password: use RedactDSN.
	Open func(ctx context.Context, dsn string, opts OpenOptions) (Store, error)
}

var (
	backendsMu sync.RWMutex
	backends   = map[string]Backend{} // by scheme; "" for the Paths backend
)

// Register makes a backend available to Open. It panics on a scheme already
// registered, as database/sql.Register does, since that is a programming
// error.
func Register(b Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	keys := slices.Clone(b.Schemes)
	if b.Paths {
		keys = append(keys, "")
	}
	for _, k := range keys {
		if k != strings.ToLower(k) {
			panic(fmt.Sprintf("store: backend %s: scheme %q is not lower-case", b.Name, k))
		}
		if old, dup := backends[k]; dup {
			panic(fmt.Sprintf("store: backends %s and %s both register scheme %q", old.Name, b.Name, k))
		}
	}
	for _, k := range keys {
		backends[k] = b
	}
}

// ErrNoBackend is wrapped by the error of Open for a DSN whose scheme no
// registered backend opens.
var ErrNoBackend = errors.New("no store backend")

// Open opens the store a DSN names, with the backend registered for its
// scheme: a file path or sqlite:PATH (or file:PATH) is the embedded SQLite
// store, once store/sqlite is imported; postgres://... is a shared store once
// its backend is. A DSN with any other scheme is never taken for a file path.
func Open(ctx context.Context, dsn string) (Store, error) {
	return OpenWith(ctx, dsn, OpenOptions{})
}

// OpenReadOnly opens the store a DSN names for reading only (OpenOptions.ReadOnly).
func OpenReadOnly(ctx context.Context, dsn string) (Store, error) {
	return OpenWith(ctx, dsn, OpenOptions{ReadOnly: true})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, dsn string, opts OpenOptions) (Store, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, fmt.Errorf("opening store: the DSN is empty: pass a file such as %s or a postgres:// URL with --store", DefaultPath)
	}
	if isKeyValueDSN(dsn) {
		return nil, fmt.Errorf("opening store %q: a key=value connection string is not a store: write it as a URL, postgres://USER@HOST:PORT/DATABASE?sslmode=require (the password in PGPASSWORD or ~/.pgpass)", RedactDSN(dsn))
	}
	scheme := Scheme(dsn)
	backendsMu.RLock()
	b, ok := backends[scheme]
	backendsMu.RUnlock()
	if !ok {
		if scheme == "" {
			return nil, fmt.Errorf("opening store %q: %w for file paths: this build of caliper has no SQLite store", RedactDSN(dsn), ErrNoBackend)
		}
		return nil, fmt.Errorf("opening store %q: %w for scheme %s: this build of caliper opens %s: pass one of those with --store",
			RedactDSN(dsn), ErrNoBackend, scheme, knownSchemes())
	}
	return b.Open(ctx, dsn, opts)
}

// knownSchemes lists what Open accepts, for messages.
func knownSchemes() string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	var schemes []string
	paths := false
	for k := range backends {
		if k == "" {
			paths = true
		} else {
			schemes = append(schemes, k)
		}
	}
	sort.Strings(schemes)
	switch {
	case len(schemes) == 0 && !paths:
		return "no store (no backend is registered)"
	case len(schemes) == 0:
		return "file paths only"
	case paths:
		return "file paths and the schemes " + strings.Join(schemes, ", ")
	default:
		return "the schemes " + strings.Join(schemes, ", ")
	}
}

// schemeRE is a URL scheme by RFC 3986 followed by its colon.
var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// Scheme is the lower-case scheme of a DSN, "" for a plain file path. A
// one-letter scheme is a Windows drive (C:\...), so a path.
func Scheme(dsn string) string {
	m := schemeRE.FindStringSubmatch(dsn)
	if m == nil || len(m[1]) == 1 {
		return ""
	}
	return strings.ToLower(m[1])
}

// IsPath reports whether a DSN is a plain file path, with no scheme.
func IsPath(dsn string) bool { return Scheme(dsn) == "" }

// redacted replaces a password in messages.
const redacted = "xxxxx"

// passwordParamRE finds password-like key=value parameters of a DSN's query
// or of a libpq key/value string.
var passwordParamRE = regexp.MustCompile(`(?i)\b(password|passwd|pwd|sslpassword|secret|token)=([^&\s]*)`)

// RedactDSN is dsn with its password, if any, replaced by xxxxx: the userinfo
// password of a URL (postgres://user:pw@host/db) and password parameters
// (?password=pw, password=pw). Use it wherever a DSN reaches a message, a
// log or a String. A path is returned as it is.
func RedactDSN(dsn string) string {
	if isKeyValueDSN(dsn) {
		return passwordParamRE.ReplaceAllString(dsn, "${1}="+redacted)
	}
	if IsPath(dsn) {
		return dsn
	}
	out := dsn
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redacted)
			out = strings.Replace(u.String(), url.QueryEscape(redacted), redacted, 1)
		}
	} else if err != nil {
		// Unparseable: cut out anything between "//" and the last "@".
		if i := strings.Index(out, "//"); i >= 0 {
			if j := strings.LastIndex(out, "@"); j > i {
				user, _, _ := strings.Cut(out[i+2:j], ":")
				out = out[:i+2] + user + ":" + redacted + out[j:]
			}
		}
	}
	return passwordParamRE.ReplaceAllString(out, "${1}="+redacted)
}
