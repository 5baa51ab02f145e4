package llm

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
)

// Kinds of message parts.
const (
	PartText  = "text"
	PartImage = "image"
)

// MaxImageBytes is the largest image a message part may carry: the limit of
// the Anthropic API (5 MB per image), below OpenAI's.
const MaxImageBytes = 5 << 20

// ImageMediaTypes are the image types both wire formats accept.
var ImageMediaTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// Part is one part of a message whose content is a list: a text or an image.
// An image's bytes are not encoded in JSON (spans, cache keys): its SHA256
// stands for them.
type Part struct {
	Type      string `json:"type"`
	Text      string `json:"text,omitempty"`
	MediaType string `json:"media_type,omitempty"`
	SHA256    string `json:"sha256,omitempty"` // hex, of Data
	Size      int    `json:"size,omitempty"`
	Data      []byte `json:"-"`
}

// ImagePart makes an image part of data, checking its size and media type,
// which is sniffed from the bytes (a declared type that disagrees is an
// error).
func ImagePart(data []byte, declared string) (Part, error) {
	if len(data) == 0 {
		return Part{}, fmt.Errorf("the image is empty")
	}
	if len(data) > MaxImageBytes {
		return Part{}, fmt.Errorf("the image is %d bytes, more than the %d (5 MB) a message may carry: make it smaller", len(data), MaxImageBytes)
	}
	sniffed := http.DetectContentType(data)
	if !isImageType(sniffed) {
		return Part{}, fmt.Errorf("the file is %s, not an image the providers accept: use %s", sniffed, strings.Join(ImageMediaTypes, ", "))
	}
	if declared != "" && declared != sniffed {
		return Part{}, fmt.Errorf("the image is declared %s but its bytes are %s: fix the media type or the file", declared, sniffed)
	}
	sum := sha256.Sum256(data)
	return Part{Type: PartImage, MediaType: sniffed, SHA256: hex.EncodeToString(sum[:]), Size: len(data), Data: data}, nil
}

func isImageType(t string) bool {
	for _, m := range ImageMediaTypes {
		if t == m {
			return true
		}
	}
	return false
}

// dataURL is the image as a data: URL, as OpenAI's image_url takes it.
func (p Part) dataURL() string {
	return "data:" + p.MediaType + ";base64," + base64.StdEncoding.EncodeToString(p.Data)
}

// text is the text of the message: Content, or its text parts joined.
func (m Message) text() string {
	if len(m.Parts) == 0 {
		return m.Content
	}
	var b strings.Builder
	for _, p := range m.Parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// validateParts checks the parts of message i.
func validateParts(i int, m Message) error {
	for j, p := range m.Parts {
		switch p.Type {
		case PartText:
		case PartImage:
			if m.Role != RoleUser {
				return fmt.Errorf("messages[%d].content[%d]: an image goes in a user message, not a %s one", i, j, m.Role)
			}
			if len(p.Data) == 0 || !isImageType(p.MediaType) {
				return fmt.Errorf("messages[%d].content[%d]: an image part needs its bytes and a media type (%s)", i, j, strings.Join(ImageMediaTypes, ", "))
			}
		default:
			return fmt.Errorf("messages[%d].content[%d]: unknown part type %q: use text or image", i, j, p.Type)
		}
	}
	return nil
}
