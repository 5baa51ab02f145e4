package view

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"path"
)

//go:embed templates/*.html static/*
var assets embed.FS

// pages holds one template set per page, each with the layout.
type pages struct {
	byName map[string]*template.Template
}

func loadPages() (*pages, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parsing the viewer's layout: %w", err)
	}
	names, err := assets.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, f := range names {
		if f.Name() == "layout.html" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, path.Join("templates", f.Name()))
		if err != nil {
			return nil, fmt.Errorf("parsing the viewer's page %s: %w", f.Name(), err)
		}
		p.byName[f.Name()] = t
	}
	return p, nil
}

// page is what every page's layout shows.
type page struct {
	Title string
	CSRF  string
	Live  bool // the page reloads itself while the experiment runs
	State string
	// StateURL is where the live page polls State; the experiment's
	// /state when empty.
	StateURL string
	Data     any
}

// render writes a page whole, or an error page when it fails to render.
func (s *Server) render(w http.ResponseWriter, name string, p page) {
	t := s.pages.byName[name]
	if t == nil {
		s.fail(w, fmt.Errorf("no page %s", name))
		return
	}
	p.CSRF = s.csrf
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.fail(w, fmt.Errorf("rendering %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes()) //nolint:errcheck // the client went away
}

// fail answers a request that could not be served.
func (s *Server) fail(w http.ResponseWriter, err error) {
	s.logf("caliper view: %v", err)
	http.Error(w, "caliper view: "+err.Error(), http.StatusInternalServerError)
}

// notFound answers a request for something the store does not have.
func (s *Server) notFound(w http.ResponseWriter, what string) {
	http.Error(w, "caliper view: "+what+" not found: go back to the experiments list at /", http.StatusNotFound)
}
