package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/caliperhq/caliper/internal/jsontext"
)

// appendChatBody appends the chat completions body of a request to dst: the
// bytes the openai-go SDK's ChatCompletionNewParams.MarshalJSON writes for
// the params the request maps to (its members in the SDK's order, strings
// without HTML escaping, a tool's parameters with their top-level keys
// sorted), Params.Extra merged as the SDK merges extra fields, and the
// errors it gives for values JSON cannot hold. TestChatBodyMatchesTheSDK
// compares the two.
func appendChatBody(dst []byte, model string, req *ChatRequest) ([]byte, error) {
	w := bodyWriter{b: dst, start: len(dst), record: len(req.Params.Extra) > 0}
	w.b = append(w.b, '{')
	w.member("messages")
	appendArray(&w, req.Messages, w.message)
	w.end()
	w.member("model")
	w.b = jsontext.AppendString(w.b, model)
	w.end()
	p := &req.Params
	w.float("frequency_penalty", p.FrequencyPenalty)
	if p.MaxTokens != nil {
		name := "max_tokens"
		if reasoningModel(model) {
			name = "max_completion_tokens"
		}
		w.member(name)
		w.b = strconv.AppendInt(w.b, int64(*p.MaxTokens), 10)
		w.end()
	}
	w.float("presence_penalty", p.PresencePenalty)
	if p.Seed != nil {
		w.member("seed")
		w.b = strconv.AppendInt(w.b, *p.Seed, 10)
		w.end()
	}
	w.float("temperature", p.Temperature)
	w.float("top_p", p.TopP)
	if p.ReasoningEffort != "" {
		w.member("reasoning_effort")
		w.b = jsontext.AppendString(w.b, p.ReasoningEffort)
		w.end()
	}
	if len(p.Stop) > 0 {
		w.member("stop")
		appendArray(&w, p.Stop, func(s string) { w.b = jsontext.AppendString(w.b, s) })
		w.end()
	}
	if f := req.ResponseFormat; f != nil {
		w.responseFormat(f)
	}
	switch tc := req.ToolChoice; tc {
	case "":
	case ToolChoiceAuto, ToolChoiceNone, ToolChoiceRequired:
		w.member("tool_choice")
		w.b = jsontext.AppendString(w.b, tc)
		w.end()
	default:
		w.member("tool_choice")
		w.b = append(w.b, `{"function":{"name":`...)
		w.b = jsontext.AppendString(w.b, tc)
		w.b = append(w.b, `},"type":"function"}`...)
		w.end()
	}
	if len(req.Tools) > 0 {
		w.member("tools")
		appendArray(&w, req.Tools, w.tool)
		w.end()
	}
	w.b = append(w.b, '}')
	if w.err != nil {
		return dst, w.err
	}
	if w.record {
		return w.mergeExtra(dst, p.Extra)
	}
	return w.b, nil
}

// chatBodySize is a guess at the size of a request's body, enough for most.
func chatBodySize(req *ChatRequest) int {
	n := 128 + 64*len(req.Tools)
	for _, m := range req.Messages {
		n += 48 + len(m.Content)
		for _, p := range m.Parts {
			n += 48 + len(p.Text) + len(p.Data)*4/3
		}
	}
	return n
}

// bodyWriter appends the members of a body, keeping the first error and,
// when extra fields are to be merged, where each top-level value is.
type bodyWriter struct {
	b      []byte
	start  int // where the body starts in b
	err    error
	record bool
	fields []bodyField
}

// bodyField is a top-level member of a body: its name and where its value is.
type bodyField struct {
	name       string
	start, end int
}

// member appends the name of a top-level member; end closes its value.
func (w *bodyWriter) member(name string) {
	if len(w.b) > w.start+1 {
		w.b = append(w.b, ',')
	}
	w.b = append(w.b, '"')
	w.b = append(w.b, name...)
	w.b = append(w.b, '"', ':')
	if w.record {
		w.fields = append(w.fields, bodyField{name: name, start: len(w.b)})
	}
}

func (w *bodyWriter) end() {
	if w.record {
		w.fields[len(w.fields)-1].end = len(w.b)
	}
}

// float appends a number member when it is set. A NaN or an infinity fails
// as the SDK's encoding of it does.
func (w *bodyWriter) float(name string, f *float64) {
	if f == nil {
		return
	}
	w.member(name)
	w.b = appendFloat(w.b, *f, &w.err, "json: error calling MarshalJSON for type param.Opt[float64]: ")
	w.end()
}

// appendFloat appends f as encoding/json writes a float64; a NaN or an
// infinity sets *err, if it is not set, to encoding/json's error after
// prefix.
func appendFloat(dst []byte, f float64, err *error, prefix string) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		if *err == nil {
			*err = fmt.Errorf("%sjson: unsupported value: %s", prefix, strconv.FormatFloat(f, 'g', -1, 64))
		}
		return append(dst, '0')
	}
	b, _ := jsontext.AppendMarshal(dst, f)
	return b
}

// message appends a message as the SDK's message params encode: content
// first, the role last.
func (w *bodyWriter) message(m Message) {
	switch m.Role {
	case RoleSystem:
		w.b = append(w.b, `{"content":`...)
		w.b = jsontext.AppendString(w.b, m.text())
		w.b = append(w.b, `,"role":"system"}`...)
	case RoleAssistant:
		if len(m.ToolCalls) == 0 {
			w.b = append(w.b, `{"content":`...)
			w.b = jsontext.AppendString(w.b, m.text())
			w.b = append(w.b, `,"role":"assistant"}`...)
			return
		}
		w.b = append(w.b, '{')
		if t := m.text(); t != "" {
			w.b = append(w.b, `"content":`...)
			w.b = jsontext.AppendString(w.b, t)
			w.b = append(w.b, ',')
		}
		w.b = append(w.b, `"tool_calls":[`...)
		for i, tc := range m.ToolCalls {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, `{"id":`...)
			w.b = jsontext.AppendString(w.b, tc.ID)
			// The SDK leaves out a function without name or arguments.
			if tc.Name != "" || len(tc.Arguments) > 0 {
				w.b = append(w.b, `,"function":{"arguments":`...)
				w.b = jsontext.AppendString(w.b, string(tc.Arguments))
				w.b = append(w.b, `,"name":`...)
				w.b = jsontext.AppendString(w.b, tc.Name)
				w.b = append(w.b, '}')
			}
			w.b = append(w.b, `,"type":"function"}`...)
		}
		w.b = append(w.b, `],"role":"assistant"}`...)
	case RoleTool:
		w.b = append(w.b, `{"content":`...)
		w.b = jsontext.AppendString(w.b, m.Content)
		w.b = append(w.b, `,"tool_call_id":`...)
		w.b = jsontext.AppendString(w.b, m.ToolCallID)
		w.b = append(w.b, `,"role":"tool"}`...)
	default:
		w.b = append(w.b, `{"content":`...)
		if len(m.Parts) == 0 {
			w.b = jsontext.AppendString(w.b, m.Content)
		} else {
			appendArray(w, m.Parts, w.part)
		}
		w.b = append(w.b, `,"role":"user"}`...)
	}
}

// part appends one part of a user message: a text, or an image as a data:
// URL.
func (w *bodyWriter) part(p Part) {
	if p.Type == PartImage {
		w.b = append(w.b, `{"image_url":{"url":`...)
		w.b = jsontext.AppendString(w.b, p.dataURL())
		w.b = append(w.b, `},"type":"image_url"}`...)
		return
	}
	w.b = append(w.b, `{"text":`...)
	w.b = jsontext.AppendString(w.b, p.Text)
	w.b = append(w.b, `,"type":"text"}`...)
}

// appendArray appends items as a JSON array, each by each.
func appendArray[T any](w *bodyWriter, items []T, each func(T)) {
	w.b = append(w.b, '[')
	for i, it := range items {
		if i > 0 {
			w.b = append(w.b, ',')
		}
		each(it)
	}
	w.b = append(w.b, ']')
}

// responseFormat appends the response_format member.
func (w *bodyWriter) responseFormat(f *ResponseFormat) {
	switch f.Type {
	case FormatText:
		w.member("response_format")
		w.b = append(w.b, `{"type":"text"}`...)
		w.end()
	case FormatJSONObject:
		w.member("response_format")
		w.b = append(w.b, `{"type":"json_object"}`...)
		w.end()
	case FormatJSONSchema:
		w.member("response_format")
		name := f.Name
		if name == "" {
			name = "response"
		}
		w.b = append(w.b, `{"json_schema":{"name":`...)
		w.b = jsontext.AppendString(w.b, name)
		if f.Strict != nil {
			w.b = append(w.b, `,"strict":`...)
			w.b = strconv.AppendBool(w.b, *f.Strict)
		}
		if f.Schema != nil {
			w.b = append(w.b, `,"schema":`...)
			w.b = w.appendJSON(w.b, f.Schema, schemaErrorPrefix)
		}
		w.b = append(w.b, `},"type":"json_schema"}`...)
		w.end()
	}
}

// appendJSON appends v as the SDK's encoding/json writes it: keys sorted, no
// HTML escaping. An error is kept, after prefix.
func (w *bodyWriter) appendJSON(dst []byte, v any, prefix string) []byte {
	b, err := jsontext.Marshal(v)
	if err != nil {
		if w.err == nil {
			w.err = fmt.Errorf("%s%w", prefix, err)
		}
		return append(dst, "null"...)
	}
	return append(dst, b...)
}

// schemaErrorPrefix is what the SDK's error for a response format's schema
// it cannot encode starts with.
const schemaErrorPrefix = "json: error calling MarshalJSON for type openai.ChatCompletionNewParamsResponseFormatUnion: " +
	"json: error calling MarshalJSON for type *shared.ResponseFormatJSONSchemaParam: " +
	"json: error calling MarshalJSON for type shared.ResponseFormatJSONSchemaJSONSchemaParam: "

// tool appends a function tool. Its parameters' top-level keys are sorted
// and their values written as they are, as the SDK encodes the map of raw
// values it was given; no schema, or one that is not an object, is an object
// without properties.
func (w *bodyWriter) tool(t Tool) {
	w.b = append(w.b, `{"function":{"name":`...)
	w.b = jsontext.AppendString(w.b, t.Name)
	if t.Description != "" {
		w.b = append(w.b, `,"description":`...)
		w.b = jsontext.AppendString(w.b, t.Description)
	}
	w.b = append(w.b, `,"parameters":`...)
	var top map[string]json.RawMessage
	if len(t.Parameters) == 0 || json.Unmarshal(t.Parameters, &top) != nil {
		w.b = append(w.b, `{"properties":{},"type":"object"}`...)
	} else {
		keys := make([]string, 0, len(top))
		for k := range top {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.b = append(w.b, '{')
		for i, k := range keys {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = jsontext.AppendString(w.b, k)
			w.b = append(w.b, ':')
			w.b = append(w.b, top[k]...)
		}
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, `},"type":"function"}`...)
}

// mergeExtra returns the body in w with the extra fields merged as the SDK's
// param.MarshalWithExtras merges them: an extra field replaces the member of
// its name where it is, the others follow in the order of their names; each
// value is encoded as github.com/tidwall/sjson encodes it (sjsonValue).
func (w *bodyWriter) mergeExtra(dst []byte, extra map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	values := make(map[string][]byte, len(keys))
	for _, k := range keys {
		v, err := sjsonValue(extra[k])
		if err != nil {
			return dst, err
		}
		if k == "" {
			return dst, errors.New("path cannot be empty") // sjson's
		}
		values[k] = v
	}
	out := make([]byte, 0, len(w.b)-w.start+32*len(keys))
	out = append(out, '{')
	for i, f := range w.fields {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, f.name...)
		out = append(out, '"', ':')
		if v, ok := values[f.name]; ok {
			out = append(out, v...)
			delete(values, f.name)
			continue
		}
		// Merging, the SDK compacts its body: a tool's parameters lose
		// their spaces.
		var c bytes.Buffer
		if err := json.Compact(&c, w.b[f.start:f.end]); err != nil {
			return dst, err
		}
		out = append(out, c.Bytes()...)
	}
	for _, k := range keys {
		v, ok := values[k]
		if !ok {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendSJSONString(out, k)
		out = append(out, ':')
		out = append(out, v...)
	}
	out = append(out, '}')
	return append(dst[:w.start], out...), nil
}

// sjsonValue encodes an extra field's value as sjson.SetBytes does: strings,
// booleans, integers of sized types and floats itself, anything else with
// json.Marshal.
func sjsonValue(v any) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return appendSJSONString(nil, x), nil
	case bool:
		return strconv.AppendBool(nil, x), nil
	case int8:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(nil, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(nil, x, 10), nil
	case uint8:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(nil, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(nil, x, 10), nil
	case float32:
		return strconv.AppendFloat(nil, float64(x), 'f', -1, 64), nil
	case float64:
		return strconv.AppendFloat(nil, x, 'f', -1, 64), nil
	}
	return json.Marshal(v)
}

// appendSJSONString appends s as sjson writes a string: as it is between
// quotes when it is printable ASCII without a quote or a backslash, else
// as json.Marshal writes it.
func appendSJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > 0x7f || c == '"' || c == '\\' {
			return jsontext.AppendHTMLString(dst, s)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
