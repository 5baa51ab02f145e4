package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/caliperhq/caliper/store"
)

// scratchStores hold the experiments of --no-store runs: one temporary
// SQLite file per eval, so the summary, the comparison with a base and the
// reports work as usual, all removed when the command ends.
type scratchStores struct {
	dir string
	dbs []store.Store
}

// open makes a new scratch store.
func (s *scratchStores) open(ctx context.Context) (store.Store, error) {
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "caliper-no-store-")
		if err != nil {
			return nil, fmt.Errorf("--no-store: making a scratch directory: %w: check $TMPDIR", err)
		}
		s.dir = dir
	}
	db, err := store.Open(ctx, filepath.Join(s.dir, fmt.Sprintf("run-%d.db", len(s.dbs))))
	if err != nil {
		return nil, fmt.Errorf("--no-store: opening a scratch store: %w", err)
	}
	s.dbs = append(s.dbs, db)
	return db, nil
}

// close closes and removes every scratch store.
func (s *scratchStores) close() error {
	var errs []error
	for _, db := range s.dbs {
		errs = append(errs, db.Close())
	}
	s.dbs = nil
	if s.dir != "" {
		errs = append(errs, os.RemoveAll(s.dir))
		s.dir = ""
	}
	return errors.Join(errs...)
}
