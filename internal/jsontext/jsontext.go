// Package jsontext is the one place Caliper's JSON without HTML escaping comes
// from: Marshal and NewEncoder wrap encoding/json with <, > and & left as they
// are, and, where encoding/json is too slow for a hot path, AppendString writes
// the bytes encoding/json writes (the store's format) and AppendJSString those
// JavaScript's JSON.stringify writes (the texts scorers compare, as autoevals
// does).
package jsontext

import "unicode/utf8"

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string, as encoding/json does without HTML
// escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and U+2029 are escaped.
func AppendString(dst []byte, s string) []byte {
	return appendString(dst, s, true, false)
}

// AppendHTMLString appends s as a JSON string exactly as json.Marshal does:
// AppendString's escapes, and <, > and & as \u003c, \u003e and \u0026.
func AppendHTMLString(dst []byte, s string) []byte {
	return appendString(dst, s, true, true)
}

// AppendJSString appends s as a JSON string, as JSON.stringify does: '"', '\\'
// and control characters are escaped, everything else (U+2028 and U+2029
// included) is written as it is. Invalid UTF-8, which a JavaScript string
// cannot hold, is written \ufffd for each bad byte, as encoding/json does.
func AppendJSString(dst []byte, s string) []byte {
	return appendString(dst, s, false, false)
}

func appendString(dst []byte, s string, escapeSeparators, escapeHTML bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && !(escapeHTML && (c == '<' || c == '>' || c == '&')) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			start = i + size
		case escapeSeparators && (r == '\u2028' || r == '\u2029'):
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			start = i + size
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
