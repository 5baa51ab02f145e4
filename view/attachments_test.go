package view

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caliperhq/caliper/store"
	"github.com/chromedp/chromedp"
)

// attachmentFixture is a store with one case whose input refers to a PNG,
// an SVG that holds script, HTML stored as if it were a PNG, and a PDF.
type attachmentFixture struct {
	db                  store.Store
	exp                 *store.Experiment
	png, svg, html, pdf string // hashes
}

func newAttachmentFixture(t *testing.T) *attachmentFixture {
	t.Helper()
	ctx := context.Background()
	f := &attachmentFixture{db: openTestStore(t, filepath.Join(t.TempDir(), "caliper.db"))}
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{R: uint8(6 * x), G: 120, B: uint8(8 * y), A: 255})
		}
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}
	put := func(mediaType string, data []byte) string {
		h, err := f.db.PutAttachment(ctx, mediaType, data)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	f.png = put("image/png", pngData.Bytes())
	f.svg = put("image/svg+xml", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=6"><script>window.__pwned=7</script></svg>`))
	f.html = put("image/png", []byte(`<!doctype html><html><script>window.__pwned=8</script></html>`))
	f.pdf = put("application/pdf", []byte("%PDF-1.4\n%fake\n"))
	ref := func(hash, mediaType, path string) map[string]any {
		return map[string]any{"type": "attachment", "content_hash": hash, "media_type": mediaType, "size": 10, "path": path}
	}
	input, _ := json.Marshal(map[string]any{"question": "What is in the picture?", "photo": ref(f.png, "image/png", "images/cat.png"),
		"more": []any{ref(f.svg, "image/svg+xml", "images/x.svg"), ref(f.html, "image/png", "images/lie.png"), ref(f.pdf, "application/pdf", "docs/<b>manual</b>.pdf")}})
	f.exp = &store.Experiment{Eval: "vision", Name: "pics", Status: store.StatusCompleted}
	if err := f.db.CreateExperiment(ctx, f.exp); err != nil {
		t.Fatal(err)
	}
	w := f.db.NewWriter(f.exp.ID, store.WriterOptions{})
	if err := w.Write(&store.Row{CaseID: "cat", Input: input, Output: json.RawMessage(`"a cat"`), Scores: map[string]float64{"correct": 1}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *attachmentFixture) server(t *testing.T) *Server {
	t.Helper()
	s, err := New(Options{Store: f.db, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	f := newAttachmentFixture(t)
	h := f.server(t).Handler()
	status, page := get(t, h, caseURL(f.exp.ID, "cat"))
	if status != 200 {
		t.Fatalf("case page: %d %s", status, page)
	}
	if !strings.Contains(page, `<img src="`+attachmentURL(f.png)+`"`) {
		t.Errorf("the case page does not show the PNG inline")
	}
	for _, hash := range []string{f.svg, f.html, f.pdf} {
		if strings.Contains(page, `<img src="`+attachmentURL(hash)+`"`) {
			t.Errorf("the case page shows %s inline", hash)
		}
		if !strings.Contains(page, attachmentURL(hash)+"?name=") {
			t.Errorf("the case page has no download link to %s", hash)
		}
	}
	if strings.Contains(page, "<b>manual</b>") {
		t.Error("an attachment's path is inserted as HTML")
	}
	tests := []struct {
		name, target, contentType, disposition string
		status                                 int
	}{
		{"png", attachmentURL(f.png), "image/png", "inline", 200},
		{"svg", attachmentURL(f.svg), "application/octet-stream", "attachment", 200},
		{"html said to be png", attachmentURL(f.html), "application/octet-stream", "attachment", 200},
		{"pdf", attachmentURL(f.pdf) + "?name=../../m.pdf", "application/octet-stream", `attachment; filename=m.pdf`, 200},
		{"not a hash", "/attachments/nope", "", "", 404},
		{"unknown", attachmentURL("sha256:" + strings.Repeat("0", 64)), "", "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:7474"+tc.target, nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.status {
				t.Fatalf("GET %s: %d %s", tc.target, res.StatusCode, body)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("no nosniff: %v", res.Header)
			}
			if tc.status != 200 {
				return
			}
			if got := res.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if got := res.Header.Get("Content-Disposition"); !strings.HasPrefix(got, tc.disposition) {
				t.Errorf("Content-Disposition %q, want %q", got, tc.disposition)
			}
			if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q lets the file run script", csp)
			}
		})
	}
}

// TestBrowserAttachments opens the case page in Chromium: the PNG is shown
// at its size, and neither the SVG nor the HTML said to be a PNG runs.
func TestBrowserAttachments(t *testing.T) {
	t.Parallel()
	f := newAttachmentFixture(t)
	ctx := newBrowser(t)
	seen := watchDialogs(ctx)
	srv := httptest.NewServer(f.server(t).Handler())
	defer srv.Close()
	base := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	must(t, ctx, chromedp.Navigate(base+caseURL(f.exp.ID, "cat")), chromedp.WaitVisible("#attachments"))
	waitFor(t, ctx, `document.querySelector("#attachments img") !== null && document.querySelector("#attachments img").naturalWidth > 0`)
	size := eval[[]int](t, ctx, `(() => { const i = document.querySelector("#attachments img"); return [i.naturalWidth, i.naturalHeight]; })()`)
	if fmt.Sprint(size) != "[40 30]" {
		t.Errorf("the PNG shows at %v, want its 40×30", size)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("#attachments img").length`); n != 1 {
		t.Errorf("%d images shown, want the PNG only", n)
	}
	screenshot(t, ctx, "attachments")
	// Opening the others is a download, which Chromium aborts as a
	// navigation: the page stays, and nothing ran.
	for _, hash := range []string{f.svg, f.html} {
		err := chromedp.Do(ctx, chromedp.Navigate(base+attachmentURL(hash)))
		if err != nil && !strings.Contains(err.Error(), "ERR_ABORTED") {
			t.Fatalf("opening %s: %v", hash, err)
		}
		if err == nil {
			t.Errorf("opening %s rendered it rather than downloading it", hash)
		}
		if pwned := eval[bool](t, ctx, `window.__pwned !== undefined`); pwned {
			t.Errorf("opening %s ran its script", hash)
		}
	}
	if msgs := seen.messages(); len(msgs) > 0 {
		t.Errorf("dialogs opened: %v", msgs)
	}
}
