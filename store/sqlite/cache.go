package sqlite

import (
	"context"

	"database/sql"
	"errors"
	"fmt"
	"github.com/caliperhq/caliper/store"
	"time"
)

// Cache is the response cache of model calls kept in the store: values by
// key, where the key is a digest of the full request. It is safe for
// concurrent use. Each Put is one short transaction of its own, so it holds
// the write lock for microseconds and a run's row writer hardly waits for it.
type Cache struct {
	db *sql.DB
}

// Cache returns the store's response cache. It lives as long as the store.
func (s *SQLite) Cache() store.Cache { return &Cache{db: s.db} }

// Get returns the value stored under key, and whether there was one.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	var value []byte
	err := c.db.QueryRowContext(ctx, `SELECT value FROM cache WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
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
func (c *Cache) Put(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{} // the column is NOT NULL
	}
	_, err := c.db.ExecContext(ctx, `INSERT INTO cache (key, value, created) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, created = excluded.created`,
		key, value, time.Now().UnixNano())
	if err != nil {
		return fmt.Errorf("writing the response cache: %w", err)
	}
	return nil
}

// Clear deletes every cached value and returns how many there were.
func (c *Cache) Clear(ctx context.Context) (int, error) {
	res, err := c.db.ExecContext(ctx, `DELETE FROM cache`)
	if err != nil {
		return 0, fmt.Errorf("clearing the response cache: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("clearing the response cache: %w", err)
	}
	return int(n), nil
}
