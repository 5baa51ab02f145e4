package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/caliperhq/caliper/store"
)

// PutAttachment stores data once by its hash; the same bytes again store
// nothing.
func (s *SQLite) PutAttachment(ctx context.Context, mediaType string, data []byte) (string, error) {
	if err := store.CheckAttachment(mediaType, data); err != nil {
		return "", err
	}
	hash := store.AttachmentHash(data)
	_, err := s.db.ExecContext(ctx, `INSERT INTO attachments (hash, media_type, size, data, created) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (hash) DO NOTHING`, hash, mediaType, len(data), data, time.Now().UnixNano())
	if err != nil {
		return "", fmt.Errorf("storing attachment %s: %w", hash, err)
	}
	return hash, nil
}

// Attachment returns the attachment of a hash.
func (s *SQLite) Attachment(ctx context.Context, hash string) (*store.Attachment, error) {
	a := &store.Attachment{Hash: hash}
	err := s.db.QueryRowContext(ctx, `SELECT media_type, size, data FROM attachments WHERE hash = ?`, hash).Scan(&a.MediaType, &a.Size, &a.Data)
	if errors.Is(err, sql.ErrNoRows) {
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
