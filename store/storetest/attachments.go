package storetest

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/caliperhq/caliper/store"
)

func testAttachments(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	png := []byte("\x89PNG\r\n\x1a\n fake image bytes")
	h1, err := s.PutAttachment(ctx, "image/png", png)
	if err != nil {
		t.Fatal(err)
	}
	if want := store.AttachmentHash(png); h1 != want || !strings.HasPrefix(h1, "sha256:") {
		t.Errorf("hash %q, want %q", h1, want)
	}
	h2, err := s.PutAttachment(ctx, "image/png", bytes.Clone(png))
	if err != nil || h2 != h1 {
		t.Errorf("the same bytes again: %q, %v; want %q", h2, err, h1)
	}
	a, err := s.Attachment(ctx, h1)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != h1 || a.MediaType != "image/png" || a.Size != len(png) || !bytes.Equal(a.Data, png) {
		t.Errorf("attachment %+v", a)
	}
	if _, err := s.Attachment(ctx, store.AttachmentHash([]byte("other"))); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an unknown hash: %v, want ErrNotFound", err)
	}
	if _, err := s.PutAttachment(ctx, "image/png", make([]byte, store.MaxAttachmentBytes+1)); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("a file over the limit: %v", err)
	}
	if _, err := s.PutAttachment(ctx, "", png); err == nil {
		t.Error("an attachment without a media type was stored")
	}
}

func testAttachmentsConcurrent(t *testing.T, open Opener) {
	t.Parallel()
	s := open(t)
	ctx := context.Background()
	data := []byte("GIF89a same file from many cases")
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.PutAttachment(ctx, "image/gif", data); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("a concurrent put of the same file: %v", err)
	}
	if a, err := s.Attachment(ctx, store.AttachmentHash(data)); err != nil || !bytes.Equal(a.Data, data) {
		t.Errorf("after concurrent puts: %+v, %v", a, err)
	}
}
