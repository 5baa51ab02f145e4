package project

import (
	"context"
	"errors"
	"fmt"

	"github.com/caliperhq/caliper/internal/exitcode"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/pipeline"
	"github.com/caliperhq/caliper/spec"
	"github.com/caliperhq/caliper/store"
)

// Session opens what the evals of one command run with, each once: a store
// per DSN and a model client per project and store. Evals of several
// projects each get their own project's store and providers.
type Session struct {
	Override string            // --store, else $CALIPER_STORE; "" for the projects' own
	Dir      string            // the working directory, which Override is relative to
	Env      map[string]string // the environment: API keys
	NoCache  bool              // call the models even for requests answered before
	Secrets  []string          // the run's secrets (pipeline.RunSecrets), masked by every client

	stores  map[string]store.Store
	clients map[clientKey]*llm.Client
}

type clientKey struct{ project, dsn string }

// Store returns the store of p's experiments and its DSN, opening it on
// first use.
func (s *Session) Store(ctx context.Context, p *Project) (store.Store, string, error) {
	dsn := p.StoreDSN(s.Override, s.Dir)
	if db, ok := s.stores[dsn]; ok {
		return db, dsn, nil
	}
	db, err := OpenStore(ctx, dsn, store.OpenOptions{})
	if err != nil {
		return nil, "", err
	}
	if s.stores == nil {
		s.stores = map[string]store.Store{}
	}
	s.stores[dsn] = db
	return db, dsn, nil
}

// Client returns the model client of p's evals: its providers and prices,
// with the response cache of its store unless NoCache or caliper.yaml turns
// it off.
func (s *Session) Client(ctx context.Context, p *Project) (*llm.Client, error) {
	db, dsn, err := s.Store(ctx, p)
	if err != nil {
		return nil, err
	}
	key := clientKey{p.File(), dsn}
	if c, ok := s.clients[key]; ok {
		return c, nil
	}
	c, err := newLLMClient(db, p.Spec, s.Env, s.NoCache, s.Secrets)
	if err != nil {
		return nil, err
	}
	if s.clients == nil {
		s.clients = map[clientKey]*llm.Client{}
	}
	s.clients[key] = c
	return c, nil
}

// Close closes every store the session opened.
func (s *Session) Close() error {
	var errs []error
	for _, db := range s.stores {
		errs = append(errs, db.Close())
	}
	s.stores = nil
	return errors.Join(errs...)
}

// OpenStore opens the store a DSN names, by its scheme's backend.
func OpenStore(ctx context.Context, dsn string, opts store.OpenOptions) (store.Store, error) {
	return store.OpenWith(ctx, dsn, opts)
}

func newLLMClient(db store.Store, proj *spec.Project, env map[string]string, noCache bool, secrets []string) (*llm.Client, error) {
	var cache llm.Cache
	if !noCache && (proj == nil || proj.Cache) {
		cache = db.Cache()
		if proj != nil {
			cache = pipeline.WithTTL(cache, proj.CacheTTL, nil)
		}
	}
	client, err := pipeline.NewLLMClient(proj, env, cache, pipeline.NewMasker(proj, secrets))
	if err != nil {
		return nil, exitcode.With(exitcode.Invalid, fmt.Errorf("model providers: %w: check providers in caliper.yaml", err))
	}
	return client, nil
}
