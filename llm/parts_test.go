package llm

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func tinyPNG(t testing.TB, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, c)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func imageRequest(t testing.TB, model string, data []byte) ChatRequest {
	t.Helper()
	img, err := ImagePart(data, "")
	if err != nil {
		t.Fatal(err)
	}
	return ChatRequest{Model: model, Messages: []Message{
		{Role: RoleSystem, Content: "Describe images."},
		{Role: RoleUser, Parts: []Part{{Type: PartText, Text: "What animal is this?"}, img}},
	}}
}

func TestImagePartsOnTheOpenAIWire(t *testing.T) {
	t.Parallel()
	f := newFake(t, ok("a cat"))
	c := testClient(t, f.URL, nil)
	data := tinyPNG(t, color.White)
	if _, err := c.Chat(context.Background(), imageRequest(t, "test/gpt-4o-mini", data)); err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, "body", f.requests()[0].Body, `{"model": "gpt-4o-mini", "messages": [
		{"role": "system", "content": "Describe images."},
		{"role": "user", "content": [
			{"type": "text", "text": "What animal is this?"},
			{"type": "image_url", "image_url": {"url": "data:image/png;base64,`+base64.StdEncoding.EncodeToString(data)+`"}}
		]}]}`)
}

func TestImagePartsOnTheAnthropicWire(t *testing.T) {
	t.Parallel()
	f := newFake(t, func(int, received) reply { return reply{Body: anthropicAnswer(`[{"type": "text", "text": "a cat"}]`)} })
	c := testClient(t, f.URL, func(_ *Config, p *ProviderConfig) { p.Type, p.BaseURL = TypeAnthropic, f.URL })
	data := tinyPNG(t, color.Black)
	if _, err := c.Chat(context.Background(), imageRequest(t, "test/claude-sonnet-4-5", data)); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	if r.Path != "/v1/messages" {
		t.Errorf("path %s", r.Path)
	}
	jsonEqual(t, "messages", map[string]any{"messages": r.Body["messages"], "system": r.Body["system"]}, `{
		"system": [{"type": "text", "text": "Describe images."}],
		"messages": [{"role": "user", "content": [
			{"type": "text", "text": "What animal is this?"},
			{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "`+base64.StdEncoding.EncodeToString(data)+`"}}
		]}]}`)
}

func TestImagePartChecks(t *testing.T) {
	t.Parallel()
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	tests := []struct {
		name     string
		data     []byte
		declared string
		want     string
	}{
		{"too big", append(tinyPNG(t, color.White), make([]byte, MaxImageBytes)...), "", "more than the 5242880 (5 MB)"},
		{"not an image", []byte("%PDF-1.7 not an image"), "", "not an image the providers accept: use image/png, image/jpeg, image/gif, image/webp"},
		{"declared otherwise", gif, "image/png", "declared image/png but its bytes are image/gif"},
		{"empty", nil, "", "the image is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := ImagePart(tt.data, tt.declared); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ImagePart error %v, want %q", err, tt.want)
			}
		})
	}
	if p, err := ImagePart(gif, "image/gif"); err != nil || p.MediaType != "image/gif" || p.Size != len(gif) {
		t.Errorf("a GIF: %+v, %v", p, err)
	}
}

func TestImagesInTheCacheKeyAndValidation(t *testing.T) {
	t.Parallel()
	c := testClient(t, "http://127.0.0.1:1", nil)
	white, black := imageRequest(t, "test/m", tinyPNG(t, color.White)), imageRequest(t, "test/m", tinyPNG(t, color.Black))
	k1, _ := c.CacheKey(white)
	k2, _ := c.CacheKey(black)
	if k1 == k2 {
		t.Error("two different images share a cache key")
	}
	bad := white
	bad.Messages = []Message{{Role: RoleSystem, Parts: white.Messages[1].Parts}}
	if _, err := c.Chat(context.Background(), bad); err == nil || !strings.Contains(err.Error(), "an image goes in a user message, not a system one") {
		t.Errorf("an image in a system message: %v", err)
	}
}
