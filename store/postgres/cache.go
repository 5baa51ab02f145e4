package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caliperhq/caliper/store"
)

// pgCache is the response cache of model calls kept in the store's cache
// table. Each Put is one short statement of its own.
type pgCache struct{ s *Postgres }

// Cache returns the store's response cache. It lives as long as the store.
func (s *Postgres) Cache() store.Cache { return pgCache{s: s} }

// Get returns the value stored under key, and whether there was one.
func (c pgCache) Get(ctx context.Context, key string) (_ []byte, _ bool, err error) {
	defer c.s.scrubErr(&err)
	var value []byte
	err = c.s.pool.QueryRow(ctx, `SELECT value FROM cache WHERE key = $1`, []byte(key)).Scan(&value)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading the response cache: %w", err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, true, nil
}

// Put stores value under key, replacing what was there.
func (c pgCache) Put(ctx context.Context, key string, value []byte) (err error) {
	defer c.s.scrubErr(&err)
	if value == nil {
		value = []byte{} // the column is NOT NULL
	}
	_, err = c.s.pool.Exec(ctx, `INSERT INTO cache (key, value, created) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, created = excluded.created`,
		[]byte(key), value, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("writing the response cache: %w", err)
	}
	return nil
}

// Clear deletes every cached value and returns how many there were.
func (c pgCache) Clear(ctx context.Context) (_ int, err error) {
	defer c.s.scrubErr(&err)
	tag, err := c.s.pool.Exec(ctx, `DELETE FROM cache`)
	if err != nil {
		return 0, fmt.Errorf("clearing the response cache: %w", err)
	}
	return int(tag.RowsAffected()), nil
}
