// Package view is the web UI of caliper view: server-rendered pages over an
// experiment store, with embedded templates and assets, SVG charts and a
// little JavaScript for live refresh. Nothing read from the store is ever
// inserted as HTML or script: every page goes through html/template and the
// Content-Security-Policy forbids inline scripts.
package view

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/caliperhq/caliper/store"
)

// Options configure a Server.
type Options struct {
	// Store is the experiment store the pages read.
	Store store.Store
	// Addr is the address the server listens on; DefaultAddr when empty.
	Addr string
	// Token, when set, is required by every request: as ?token= once (it
	// then lives in a SameSite cookie), or in the X-Caliper-Token header.
	// Listen makes one up when Addr is not a loopback address.
	Token string
	// Reviewer is the default name recorded on human feedback.
	Reviewer string
	// ReadOnly, when set, says why the store cannot be written (it was
	// opened read-only): the pages show, the review form is disabled with
	// this reason, and feedback posts are refused with 409.
	ReadOnly string
	// Logf logs server errors; log.Printf when nil.
	Logf func(format string, args ...any)
}

// DefaultAddr is the address caliper view listens on by default.
const DefaultAddr = "127.0.0.1:7474"

// Server serves the pages of one store.
type Server struct {
	db       store.Store
	addr     string
	token    string
	csrf     string
	reviewer string
	readOnly string
	logf     func(format string, args ...any)
	pages    *pages
	indexes  *indexCache
	static   fs.FS
	// inlineRows is the size up to which an experiment's rows are read
	// whole on a first look (readInlineRows); larger ones are queried.
	inlineRows int
}

// New builds a server. It does not listen; see Listen and Handler.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("starting the viewer: no store")
	}
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if opts.Logf == nil {
		opts.Logf = log.Printf
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	csrf, err := randomToken()
	if err != nil {
		return nil, err
	}
	static, _ := fs.Sub(assets, "static")
	return &Server{db: opts.Store, addr: opts.Addr, token: opts.Token, csrf: csrf, reviewer: opts.Reviewer, readOnly: opts.ReadOnly,
		logf: opts.Logf, pages: p, indexes: newIndexCache(opts.Store, indexCacheSize), static: static, inlineRows: readInlineRows}, nil
}

// Token is the token requests need; empty when none is required.
func (s *Server) Token() string { return s.token }

// Listen opens the server's address. When it is not a loopback address
// and no token was given, it makes one up, which Token returns.
func (s *Server) Listen() (net.Listener, error) {
	host, _, err := net.SplitHostPort(s.addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %q: %w: give --addr as HOST:PORT, e.g. 127.0.0.1:7474", s.addr, err)
	}
	if !isLoopback(host) && s.token == "" {
		if s.token, err = randomToken(); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w: choose another address with --addr", s.addr, err)
	}
	return ln, nil
}

// URL is the address to open the viewer listening on ln at, with its
// token: the host as given, or the machine's name for every interface.
func (s *Server) URL(ln net.Listener) string {
	host, _, _ := net.SplitHostPort(s.addr)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
		if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	}
	u := "http://" + net.JoinHostPort(host, port) + "/"
	if s.token != "" {
		u += "?token=" + url.QueryEscape(s.token)
	}
	return u
}

// Serve serves ln until ctx ends, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	go s.prewarm(ctx)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shut)
	}
}

// Handler is the server's HTTP handler, with its safety checks.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(s.static)))
	mux.HandleFunc("GET /{$}", s.handleList)
	mux.HandleFunc("GET /state", s.handleListState)
	mux.HandleFunc("GET /e/{id}", s.handleExperiment)
	mux.HandleFunc("GET /e/{id}/cases", s.handleCases)
	mux.HandleFunc("GET /e/{id}/cases/{case}", s.handleCase)
	mux.HandleFunc("POST /e/{id}/cases/{case}/feedback", s.handleAddFeedback)
	mux.HandleFunc("GET /e/{id}/feedback.jsonl", s.handleExportFeedback)
	mux.HandleFunc("GET /e/{id}/state", s.handleState)
	mux.HandleFunc("GET /compare", s.handleCompare)
	mux.HandleFunc("GET /attachments/{hash}", s.handleAttachment)
	return s.guard(mux)
}

// prewarm reads the newest experiment of each eval into the index cache,
// so that the first look at it does not wait for its rows.
func (s *Server) prewarm(ctx context.Context) {
	exps, err := s.db.Experiments(ctx, store.ListOptions{})
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for i := range exps {
		if ctx.Err() != nil || len(seen) == indexCacheSize {
			return
		}
		if e := &exps[i]; !seen[e.Eval] {
			seen[e.Eval] = true
			if _, err := s.indexes.get(ctx, e); err != nil {
				s.logf("caliper view: reading experiment %s: %v", e.Name, err)
			}
		}
	}
}

func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("making a token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
