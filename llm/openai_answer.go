package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/openai/openai-go/v3"
)

// chatAnswer is what a chat completion brings back: its first choice, the
// model and the usage.
type chatAnswer struct {
	model                          string
	promptTokens, completionTokens int64
	hasChoice                      bool // choices is not empty
	content, refusal, finishReason string
	toolCalls                      []chatToolCall
}

// chatToolCall is a tool call of the first choice's message.
type chatToolCall struct{ id, typ, name, arguments string }

// decodeChatAnswer reads the body of a successful chat completions answer,
// giving what the SDK's ChatCompletion would hold, and the SDK's errors: an
// answer that is not JSON by its content type, or does not decode.
//
// The common answers are read by scanAnswer, without reflection; any answer
// it does not take (invalid or trailing text, a field of an unexpected type,
// a repeated key) is decoded by the SDK, whose lenient decoding (a number
// for a string, the first of repeated keys) is its own.
func decodeChatAnswer(raw []byte, contentType string) (*chatAnswer, error) {
	if !jsonContentType(contentType) {
		return nil, fmt.Errorf("expected destination type of 'string' or '[]byte' for responses with content-type '%s' that is not 'application/json'", contentType)
	}
	if json.Valid(raw) {
		if c, ok := scanAnswer(string(raw)); ok {
			return c, nil
		}
	}
	var res *openai.ChatCompletion
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&res); err != nil {
		return nil, fmt.Errorf("error parsing response json: %w", err)
	}
	if res == nil { // a body of null
		return &chatAnswer{}, nil
	}
	return answerOf(res), nil
}

// answerOf is what the backend reads of a completion the SDK decoded.
func answerOf(res *openai.ChatCompletion) *chatAnswer {
	c := &chatAnswer{model: res.Model, promptTokens: res.Usage.PromptTokens, completionTokens: res.Usage.CompletionTokens}
	if len(res.Choices) == 0 {
		return c
	}
	ch := res.Choices[0]
	c.hasChoice = true
	c.content, c.refusal, c.finishReason = ch.Message.Content, ch.Message.Refusal, ch.FinishReason
	for _, tc := range ch.Message.ToolCalls {
		c.toolCalls = append(c.toolCalls, chatToolCall{id: tc.ID, typ: tc.Type, name: tc.Function.Name, arguments: tc.Function.Arguments})
	}
	return c
}

// jsonContentType reports a JSON answer as the SDK tells one: a media type
// that contains application/json or ends in +json.
func jsonContentType(ct string) bool {
	if ct == "application/json" || strings.HasPrefix(ct, "application/json;") {
		return true
	}
	mediaType, _, _ := mime.ParseMediaType(ct)
	return strings.Contains(mediaType, "application/json") || strings.HasSuffix(mediaType, "+json")
}

// scanAnswer reads a chat completion from s, which is valid JSON. It reports
// false for what it leaves to the SDK: anything but an object of objects
// with the expected fields of the expected types (strings or null; whole
// numbers for the token counts), or a field of them given twice.
func scanAnswer(s string) (*chatAnswer, bool) {
	sc := answerScanner{s: s}
	c := &chatAnswer{}
	var seen uint8
	ok := sc.object(func(key string) bool {
		switch key {
		case "model":
			return sc.once(&seen, 1) && sc.str(&c.model)
		case "usage":
			if !sc.once(&seen, 2) {
				return false
			}
			if sc.null() {
				return true
			}
			var seenU uint8
			return sc.object(func(key string) bool {
				switch key {
				case "prompt_tokens":
					return sc.once(&seenU, 1) && sc.integer(&c.promptTokens)
				case "completion_tokens":
					return sc.once(&seenU, 2) && sc.integer(&c.completionTokens)
				}
				return sc.skip()
			})
		case "choices":
			if !sc.once(&seen, 4) {
				return false
			}
			if sc.null() {
				return true
			}
			// Every choice must be one scanAnswer reads: the SDK drops
			// all the choices for one it cannot decode.
			var other chatAnswer
			return sc.array(func(i int) bool {
				if i > 0 {
					other = chatAnswer{}
					return sc.choice(&other)
				}
				c.hasChoice = true
				return sc.choice(c)
			})
		}
		return sc.skip()
	})
	return c, ok
}

// answerScanner walks a valid JSON text.
type answerScanner struct {
	s string
	i int
}

func (sc *answerScanner) space() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\n', '\r':
			sc.i++
		default:
			return
		}
	}
}

// peek returns the next byte after spaces, 0 at the end.
func (sc *answerScanner) peek() byte {
	sc.space()
	if sc.i < len(sc.s) {
		return sc.s[sc.i]
	}
	return 0
}

// once reports whether the bit of a key is not yet in seen, and sets it.
func (sc *answerScanner) once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// null consumes a null.
func (sc *answerScanner) null() bool {
	if sc.peek() == 'n' {
		sc.i += len("null")
		return true
	}
	return false
}

// object calls member for each key of an object, with the scanner at its
// value, which member must consume.
func (sc *answerScanner) object(member func(key string) bool) bool {
	if sc.peek() != '{' {
		return false
	}
	sc.i++
	if sc.peek() == '}' {
		sc.i++
		return true
	}
	for {
		var key string
		if !sc.key(&key) {
			return false
		}
		sc.peek()
		sc.i++ // the colon
		if !member(key) {
			return false
		}
		switch sc.peek() {
		case ',':
			sc.i++
		case '}':
			sc.i++
			return true
		default:
			return false
		}
	}
}

// array calls elem for each element of an array, with the scanner at it.
func (sc *answerScanner) array(elem func(i int) bool) bool {
	if sc.peek() != '[' {
		return false
	}
	sc.i++
	if sc.peek() == ']' {
		sc.i++
		return true
	}
	for n := 0; ; n++ {
		if !elem(n) {
			return false
		}
		switch sc.peek() {
		case ',':
			sc.i++
		case ']':
			sc.i++
			return true
		default:
			return false
		}
	}
}

// str reads a string, or a null as "". Its bytes are kept as they are,
// invalid UTF-8 included, and its escapes decoded as gjson decodes them,
// which is how the SDK reads a string.
func (sc *answerScanner) str(dst *string) bool {
	if sc.null() {
		*dst = ""
		return true
	}
	if sc.peek() != '"' {
		return false
	}
	start := sc.i + 1
	escaped := false
	for i := start; i < len(sc.s); i++ {
		switch sc.s[i] {
		case '"':
			sc.i = i + 1
			if escaped {
				*dst = unescape(sc.s[start:i])
			} else {
				*dst = sc.s[start:i]
			}
			return true
		case '\\':
			escaped = true
			i++
		}
	}
	return false
}

// unescape decodes the escapes of the inside of a valid JSON string as
// github.com/tidwall/gjson does: a \u escape of a surrogate takes the \u
// escape after it, whatever it is, and what is not a rune becomes U+FFFD.
func unescape(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := hexRune(s[i+1 : i+5])
			i += 5
			if utf16.IsSurrogate(r) && len(s[i:]) >= 6 && s[i] == '\\' && s[i+1] == 'u' {
				r = utf16.DecodeRune(r, hexRune(s[i+2:i+6]))
				i += 6
			}
			b = utf8.AppendRune(b, r)
			i--
		default: // '"', '\\', '/'
			b = append(b, c)
		}
	}
	return string(b)
}

// hexRune is the rune of four hex digits.
func hexRune(h string) rune {
	n, _ := strconv.ParseUint(h, 16, 32)
	return rune(n)
}

// integer reads a whole number that fits in an int64.
func (sc *answerScanner) integer(dst *int64) bool {
	sc.space()
	start := sc.i
	for sc.i < len(sc.s) && (sc.s[sc.i] == '-' || (sc.s[sc.i] >= '0' && sc.s[sc.i] <= '9')) {
		sc.i++
	}
	if sc.i < len(sc.s) {
		if c := sc.s[sc.i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	n, err := strconv.ParseInt(sc.s[start:sc.i], 10, 64)
	*dst = n
	return err == nil
}

// skip consumes a value.
func (sc *answerScanner) skip() bool {
	switch sc.peek() {
	case '"':
		var s string
		return sc.rawString(&s)
	case '{':
		return sc.object(func(string) bool { return sc.skip() })
	case '[':
		return sc.array(func(int) bool { return sc.skip() })
	}
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return true
		}
		sc.i++
	}
	return true
}

// key reads the key of a member; one with escapes is left to the SDK.
func (sc *answerScanner) key(dst *string) bool {
	if sc.peek() != '"' {
		return false
	}
	start := sc.i + 1
	if n := strings.IndexByte(sc.s[start:], '"'); n >= 0 && strings.IndexByte(sc.s[start:start+n], '\\') < 0 {
		*dst = sc.s[start : start+n]
		sc.i = start + n + 1
		return true
	}
	return false
}

// rawString consumes a string without decoding it.
func (sc *answerScanner) rawString(dst *string) bool {
	start := sc.i
	sc.i++
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case '"':
			sc.i++
			*dst = sc.s[start:sc.i]
			return true
		case '\\':
			sc.i += 2
		default:
			sc.i++
		}
	}
	return false
}

// choice reads the first choice: its finish reason and message.
func (sc *answerScanner) choice(c *chatAnswer) bool {
	var seen uint8
	return sc.object(func(key string) bool {
		switch key {
		case "finish_reason":
			return sc.once(&seen, 1) && sc.str(&c.finishReason)
		case "message":
			return sc.once(&seen, 2) && sc.message(c)
		}
		return sc.skip()
	})
}

// message reads the first choice's message.
func (sc *answerScanner) message(c *chatAnswer) bool {
	var seen uint8
	return sc.object(func(key string) bool {
		switch key {
		case "content":
			return sc.once(&seen, 1) && sc.str(&c.content)
		case "refusal":
			return sc.once(&seen, 2) && sc.str(&c.refusal)
		case "tool_calls":
			if !sc.once(&seen, 4) {
				return false
			}
			if sc.null() {
				return true
			}
			return sc.array(func(int) bool {
				var tc chatToolCall
				var seenT uint8
				ok := sc.object(func(key string) bool {
					switch key {
					case "id":
						return sc.once(&seenT, 1) && sc.str(&tc.id)
					case "type":
						return sc.once(&seenT, 2) && sc.str(&tc.typ)
					case "function":
						if !sc.once(&seenT, 4) {
							return false
						}
						var seenF uint8
						return sc.object(func(key string) bool {
							switch key {
							case "name":
								return sc.once(&seenF, 1) && sc.str(&tc.name)
							case "arguments":
								return sc.once(&seenF, 2) && sc.str(&tc.arguments)
							}
							return sc.skip()
						})
					}
					return sc.skip()
				})
				c.toolCalls = append(c.toolCalls, tc)
				return ok
			})
		}
		return sc.skip()
	})
}
