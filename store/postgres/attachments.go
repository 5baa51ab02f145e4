package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caliperhq/caliper/store"
	"github.com/jackc/pgx/v5"
)

// PutAttachment stores data once by its hash; the same bytes again store
// nothing.
func (s *Postgres) PutAttachment(ctx context.Context, mediaType string, data []byte) (_ string, err error) {
	defer s.scrubErr(&err)
	if err := store.CheckAttachment(mediaType, data); err != nil {
		return "", err
	}
	hash := store.AttachmentHash(data)
	_, err = s.pool.Exec(ctx, `INSERT INTO attachments (hash, media_type, size, data, created) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (hash) DO NOTHING`, hash, mediaType, len(data), data, time.Now().UnixNano())
	if err != nil {
		return "", fmt.Errorf("storing attachment %s: %w", hash, err)
	}
	return hash, nil
}

// Attachment returns the attachment of a hash.
func (s *Postgres) Attachment(ctx context.Context, hash string) (_ *store.Attachment, err error) {
	defer s.scrubErr(&err)
	a := &store.Attachment{Hash: hash}
	err = s.pool.QueryRow(ctx, `SELECT media_type, size, data FROM attachments WHERE hash = $1`, hash).Scan(&a.MediaType, &a.Size, &a.Data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("attachment %s: %w", hash, store.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading attachment %s: %w", hash, err)
	}
	if a.Data == nil {
		a.Data = []byte{}
	}
	return a, nil
}
