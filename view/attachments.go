package view

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strconv"

	"github.com/caliperhq/caliper/store"
)

// attachmentView is one attachment a case refers to: a value
// {"type": "attachment", "content_hash", "media_type", "size", "path"}.
type attachmentView struct {
	Where     string // input, expected or metadata
	Path      string
	Hash      string
	MediaType string
	Size      int
	Inline    bool // an image the page shows; otherwise a download link
}

// URL is where the viewer serves the attachment.
func (a attachmentView) URL() string { return attachmentURL(a.Hash) }

// maxAttachmentsShown bounds the attachments a case page lists.
const maxAttachmentsShown = 50

// inlineImageTypes are the media types shown in the page. SVG is not one of
// them: it may hold script.
var inlineImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// attachmentHashRE is the form of a stored attachment's hash.
var attachmentHashRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func attachmentURL(hash string) string { return "/attachments/" + url.PathEscape(hash) }

// DownloadURL is where the viewer serves it as a file to save.
func (a attachmentView) DownloadURL() string {
	return attachmentURL(a.Hash) + "?name=" + url.QueryEscape(path.Base(a.Path))
}

// caseValue is a JSON value of a case and where it is.
type caseValue struct {
	where string
	raw   json.RawMessage
}

// attachmentsOf finds the attachment references in the JSON values of a
// case, by where they are.
func attachmentsOf(values ...caseValue) []attachmentView {
	var out []attachmentView
	seen := map[string]bool{}
	for _, v := range values {
		if len(v.raw) == 0 {
			continue
		}
		var x any
		if json.Unmarshal(v.raw, &x) != nil {
			continue
		}
		walkAttachments(x, func(m map[string]any) {
			hash, _ := m["content_hash"].(string)
			if !attachmentHashRE.MatchString(hash) || seen[v.where+hash] || len(out) == maxAttachmentsShown {
				return
			}
			seen[v.where+hash] = true
			a := attachmentView{Where: v.where, Hash: hash}
			a.Path, _ = m["path"].(string)
			a.MediaType, _ = m["media_type"].(string)
			if n, ok := m["size"].(float64); ok {
				a.Size = int(n)
			}
			a.Inline = inlineImageTypes[a.MediaType]
			out = append(out, a)
		})
	}
	return out
}

// maxInlineChecked is how many of a case's images the case page reads to
// check that their bytes are what their media type says, before showing
// them inline; the others are download links.
const maxInlineChecked = 12

// checkInline keeps Inline only on the images whose stored bytes are of
// their media type, as handleAttachment serves them.
func (s *Server) checkInline(ctx context.Context, atts []attachmentView) {
	checked := 0
	for i := range atts {
		a := &atts[i]
		if !a.Inline {
			continue
		}
		a.Inline = false
		if checked == maxInlineChecked {
			continue
		}
		checked++
		if st, err := s.db.Attachment(ctx, a.Hash); err == nil {
			a.Inline = servedInline(st)
		}
	}
}

// servedInline says whether an attachment is served as the image it is.
func servedInline(a *store.Attachment) bool {
	mediaType, _, _ := mime.ParseMediaType(a.MediaType)
	return inlineImageTypes[mediaType] && http.DetectContentType(a.Data) == mediaType
}

// walkAttachments calls fn with every attachment reference in v.
func walkAttachments(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		if x["type"] == "attachment" {
			fn(x)
			return
		}
		for _, e := range x {
			walkAttachments(e, fn)
		}
	case []any:
		for _, e := range x {
			walkAttachments(e, fn)
		}
	}
}

// handleAttachment serves a stored attachment by its hash. An image of a
// type the page shows is served as that type when its bytes are that type
// too; anything else (SVG, HTML, a type the bytes belie) is served as a
// download of application/octet-stream, so that a browser never renders
// it as a page. The response may not run script either way.
func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	if !attachmentHashRE.MatchString(hash) {
		s.notFound(w, "attachment "+strconv.Quote(hash))
		return
	}
	a, err := s.db.Attachment(r.Context(), hash)
	if errors.Is(err, store.ErrNotFound) {
		s.notFound(w, "attachment "+hash)
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	if servedInline(a) {
		mediaType, _, _ := mime.ParseMediaType(a.MediaType)
		h.Set("Content-Type", mediaType)
		h.Set("Content-Disposition", "inline")
	} else {
		name := path.Base(r.URL.Query().Get("name"))
		if name == "." || name == "/" || name == "" {
			name = "attachment"
		}
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	}
	w.Write(a.Data) //nolint:errcheck // the client went away
}
