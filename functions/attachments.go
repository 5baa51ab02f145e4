package functions

import (
	"context"
	"fmt"

	"github.com/caliperhq/caliper/llm"
)

// AttachmentLoader returns the bytes of an attachment value of a case: a map
// {type: attachment, path, content_hash, media_type, size}. The pipeline's
// reads the store by content_hash.
type AttachmentLoader func(ctx context.Context, ref map[string]any) ([]byte, error)

// imagePart loads the attachment the image part of message m names in data
// and makes the image part of the request.
func (p *Prompt) imagePart(ctx context.Context, data tmap, m promptMessage, part promptPart) (llm.Part, error) {
	at := posOf(p.spec, part.spec.Pos)
	v, ok := lookupPath(data, part.spec.Image)
	if !ok {
		return llm.Part{}, fmt.Errorf("%s: {{attachment %s}} names nothing in this case: give the case that field, as {\"type\": \"attachment\", \"path\": \"images/x.png\"}", at, part.spec.Image)
	}
	ref, ok := v.(tmap)
	if !ok || ref["type"] != "attachment" {
		return llm.Part{}, fmt.Errorf("%s: {{attachment %s}} is not an attachment but %s: write the value as {\"type\": \"attachment\", \"path\": \"images/x.png\"} in the dataset", at, part.spec.Image, clip(fmt.Sprint(v), 60))
	}
	if p.attach == nil {
		return llm.Part{}, fmt.Errorf("%s: the %s message sends an image, and nothing here can read attachments", at, m.role)
	}
	b, err := p.attach(ctx, map[string]any(ref))
	if err != nil {
		return llm.Part{}, fmt.Errorf("%s: attachment %s: %w", at, part.spec.Image, err)
	}
	declared, _ := ref["media_type"].(string)
	img, err := llm.ImagePart(b, declared)
	if err != nil {
		return llm.Part{}, fmt.Errorf("%s: attachment %s (%v): %w", at, part.spec.Image, ref["path"], err)
	}
	return img, nil
}

// SetAttachments sets what reads the attachments the prompt's image parts name.
func (p *Prompt) SetAttachments(l AttachmentLoader) { p.attach = l }
