package functions

import (
	"strings"
	"testing"
)

func TestTemplateRender(t *testing.T) {
	t.Parallel()
	req := &Request{
		Input:    map[string]any{"s": "a <b> & c", "f": 1.5, "big": 1e21, "i": 7, "ok": true, "none": nil, "obj": map[string]any{"k": "<v>"}, "list": []any{"x", "y"}, "strs": []string{"p", "q"}},
		Metadata: map[string]any{"lang": "en"},
		Trial:    1,
	}
	tests := []struct {
		src, want string
		err       string
	}{
		{src: "{{input.s}}", want: "a <b> & c"},
		{src: "{{{input.s}}}|{{&input.s}}", want: "a <b> & c|a <b> & c"},
		{src: "{{input.f}} {{input.big}} {{input.i}} {{input.ok}} {{trial}}", want: "1.5 1e+21 7 true 1"},
		{src: "[{{input.none}}] [{{expected}}] [{{output}}]", err: "{{output}} names nothing"},
		{src: "[{{input.none}}] [{{expected}}]", want: "[] []"},
		{src: "{{input.obj}} {{input.list}} {{input.strs}}", want: `{"k":"<v>"} ["x","y"] ["p","q"]`},
		{src: "{{#input.list}}<{{.}}>{{/input.list}}", want: "<x><y>"},
		{src: "{{^expected}}no expected{{/expected}}{{#metadata.lang}} in {{metadata.lang}}{{/metadata.lang}}", want: "no expected in en"},
		{src: "{{#metadata.region}}{{metadata.region}}{{/metadata.region}}", want: ""},
		{src: "{{metadata.region}}", err: "t: {{metadata.region}} names nothing in this case"},
		{src: "{{input.s.deeper}}", err: "{{input.s.deeper}} names nothing"},
		{src: "{{env.HOME}}", err: "{{env.HOME}} names nothing"},
	}
	data := templateData(req, RoleTask)
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			t.Parallel()
			tp, err := parseTemplate("t", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tp.render(data)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %q, %v; want error %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
