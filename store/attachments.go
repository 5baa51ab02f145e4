package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// MaxAttachmentBytes is the largest file the store keeps as an attachment.
const MaxAttachmentBytes = 20 << 20

// Attachment is a file a case carries (an image), kept once by the hash of
// its content however many rows refer to it.
type Attachment struct {
	Hash      string // "sha256:" and the hex SHA-256 of Data
	MediaType string // e.g. image/png
	Size      int
	Data      []byte
}

// AttachmentStore keeps attachments by content hash. Every Store is one.
type AttachmentStore interface {
	// PutAttachment stores data once and returns its hash (AttachmentHash);
	// putting the same bytes again stores nothing. Data larger than
	// MaxAttachmentBytes is an error.
	PutAttachment(ctx context.Context, mediaType string, data []byte) (string, error)
	// Attachment returns the attachment of a hash; none is an error wrapping
	// ErrNotFound.
	Attachment(ctx context.Context, hash string) (*Attachment, error)
}

// AttachmentHash is the hash an attachment is kept by: "sha256:" and the hex
// SHA-256 of data.
func AttachmentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// CheckAttachment checks what PutAttachment is given, for backends.
func CheckAttachment(mediaType string, data []byte) error {
	if len(data) > MaxAttachmentBytes {
		return fmt.Errorf("the attachment is %d bytes, more than the %d (20 MB) the store keeps: make it smaller", len(data), MaxAttachmentBytes)
	}
	if mediaType == "" || !strings.Contains(mediaType, "/") {
		return fmt.Errorf("the attachment's media type %q is not a type/subtype such as image/png", mediaType)
	}
	return nil
}
