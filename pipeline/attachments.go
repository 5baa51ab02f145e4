package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/caliperhq/caliper/datasets"
	"github.com/caliperhq/caliper/llm"
	"github.com/caliperhq/caliper/store"
)

// attachmentSource stores the attachments of each case as it is read: a
// value {"type": "attachment", "path": FILE} anywhere in its input, expected
// value or metadata, FILE relative to the dataset file, is put in the store
// once by content hash and replaced by its reference {type, path,
// content_hash, media_type, size}, which is what the row keeps.
type attachmentSource struct {
	CaseSource
	ctx   context.Context
	store store.AttachmentStore
	dir   string
	seen  map[string]attachmentRef // by absolute path: a file shared by cases is read once
}

type attachmentRef struct {
	hash, mediaType string
	size            int
}

// withAttachments wraps src so that its cases' attachments are stored in st.
func (p *Pipeline) withAttachments(ctx context.Context, src CaseSource, st store.AttachmentStore) CaseSource {
	return &attachmentSource{CaseSource: src, ctx: ctx, store: st, dir: p.attachmentDir(), seen: map[string]attachmentRef{}}
}

// attachmentDir is the directory attachment paths are relative to: the
// dataset file's, the directory of the first data.files pattern, or the
// eval file's (inline data).
func (p *Pipeline) attachmentDir() string {
	switch d := p.Eval.Data; {
	case d.File != "":
		return filepath.Dir(d.File)
	case len(d.Files) > 0:
		return datasets.FilesDir(d.Files)
	}
	return filepath.Dir(p.Eval.File)
}

// Next reads a case and stores its attachments.
func (s *attachmentSource) Next() (datasets.Case, error) {
	c, err := s.CaseSource.Next()
	if err != nil {
		return c, err
	}
	for _, v := range []*any{&c.Input, &c.Expected} {
		if *v, err = s.resolve(*v); err != nil {
			return c, fmt.Errorf("%s: %w", c.Source, err)
		}
	}
	if c.Metadata != nil {
		var md any
		if md, err = s.resolve(c.Metadata); err != nil {
			return c, fmt.Errorf("%s: %w", c.Source, err)
		}
		c.Metadata = md.(map[string]any)
	}
	return c, nil
}

// resolve replaces the attachment values in v by their references.
func (s *attachmentSource) resolve(v any) (any, error) {
	r, _, err := s.resolveChanged(v)
	return r, err
}

// resolveChanged is resolve, reporting whether the result differs from v: a
// map or slice without attachments is returned as it is, not copied.
func (s *attachmentSource) resolveChanged(v any) (any, bool, error) {
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "attachment" {
			ref, err := s.attachment(x)
			return ref, true, err
		}
		var out map[string]any
		for k, e := range x {
			r, changed, err := s.resolveChanged(e)
			if err != nil {
				return nil, false, err
			}
			if !changed {
				continue
			}
			if out == nil {
				out = maps.Clone(x)
			}
			out[k] = r
		}
		if out == nil {
			return x, false, nil
		}
		return out, true, nil
	case []any:
		var out []any
		for i, e := range x {
			r, changed, err := s.resolveChanged(e)
			if err != nil {
				return nil, false, err
			}
			if !changed {
				continue
			}
			if out == nil {
				out = slices.Clone(x)
			}
			out[i] = r
		}
		if out == nil {
			return x, false, nil
		}
		return out, true, nil
	}
	return v, false, nil
}

// attachment stores the file of one attachment value and returns its reference.
func (s *attachmentSource) attachment(v map[string]any) (map[string]any, error) {
	if h, ok := v["content_hash"].(string); ok && h != "" {
		return v, nil // already stored: a row of a stored experiment or dataset
	}
	rel, ok := v["path"].(string)
	if !ok || rel == "" {
		return nil, errors.New(`an attachment value needs a "path": write {"type": "attachment", "path": "images/cat.png"}`)
	}
	abs := rel
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(s.dir, rel)
	}
	ref, ok := s.seen[abs]
	if !ok {
		var err error
		if ref, err = s.store1(abs, rel); err != nil {
			return nil, err
		}
		s.seen[abs] = ref
	}
	return map[string]any{"type": "attachment", "path": rel, "content_hash": ref.hash, "media_type": ref.mediaType, "size": ref.size}, nil
}

func (s *attachmentSource) store1(abs, rel string) (attachmentRef, error) {
	info, err := os.Stat(abs)
	if err != nil {
		return attachmentRef{}, fmt.Errorf("attachment %q: %w: paths are relative to the dataset file (%s)", rel, unwrapPath(err), s.dir)
	}
	if !info.Mode().IsRegular() {
		return attachmentRef{}, errNotAFile(rel)
	}
	if info.Size() > store.MaxAttachmentBytes {
		return attachmentRef{}, fmt.Errorf("attachment %q is %d bytes, more than the %d (20 MB) the store keeps: make it smaller", rel, info.Size(), store.MaxAttachmentBytes)
	}
	data, err := os.ReadFile(abs)
	if err != nil {
		return attachmentRef{}, fmt.Errorf("reading attachment %q: %w", rel, err)
	}
	mt := http.DetectContentType(data)
	if !slices.Contains(llm.ImageMediaTypes, mt) {
		return attachmentRef{}, fmt.Errorf("attachment %q is %s: attachments are images (%s)", rel, mt, strings.Join(llm.ImageMediaTypes, ", "))
	}
	hash, err := s.store.PutAttachment(s.ctx, mt, data)
	if err != nil {
		return attachmentRef{}, fmt.Errorf("storing attachment %q: %w", rel, err)
	}
	return attachmentRef{hash: hash, mediaType: mt, size: len(data)}, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// loadAttachment reads an attachment of a case from the store of the run, by
// its content hash, for the image parts of prompts. A reference not stored
// yet (a --dry-run reads no store) is read from its file.
func (p *Pipeline) loadAttachment(ctx context.Context, ref map[string]any) ([]byte, error) {
	hash, _ := ref["content_hash"].(string)
	if hash == "" {
		rel, _ := ref["path"].(string)
		if rel == "" {
			return nil, errors.New(`the attachment has neither a content_hash nor a path`)
		}
		abs := rel
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(p.attachmentDir(), abs)
		}
		if info, err := os.Stat(abs); err == nil && !info.Mode().IsRegular() {
			return nil, errNotAFile(rel)
		}
		return os.ReadFile(abs)
	}
	st := p.attachments.Load()
	if st == nil {
		return nil, errors.New("this run has no store to read attachments from")
	}
	a, err := (*st).Attachment(ctx, hash)
	if err != nil {
		return nil, err
	}
	return a.Data, nil
}

// errNotAFile refuses an attachment that is a directory, a named pipe or
// another special file: reading one could block the run forever.
func errNotAFile(rel string) error {
	return fmt.Errorf("attachment %q is not a regular file, which could block the run forever: point it at an image file", rel)
}
