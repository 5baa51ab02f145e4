package postgres

import (
	"strings"
	"unicode/utf8"
)

// The writer sends rows to COPY in its text format, which it writes itself:
// a few appends per value, where pgx's binary COPY goes through an encoding
// plan per value and asks the server for the columns' types per batch. In
// the text format a row is its values separated by tabs and ended by a
// newline; backslash, tab, newline and carriage return are escaped; \N is
// NULL; a BYTEA is \x and its bytes in hex, its backslash escaped.

// appendText appends s as a COPY text value.
func appendText[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendBytea appends b as a COPY text BYTEA value.
func appendBytea(dst []byte, b string) []byte {
	dst = append(dst, '\\', '\\', 'x')
	for i := 0; i < len(b); i++ {
		dst = append(dst, hexDigits[b[i]>>4], hexDigits[b[i]&0xf])
	}
	return dst
}

// appendJSON appends encoded JSON as a TEXT value, \N when it is empty, with
// U+FFFD for bytes that are not UTF-8, as jsonText.
func appendJSON(dst []byte, b []byte) []byte {
	if len(b) == 0 {
		return append(dst, '\\', 'N')
	}
	if !utf8.Valid(b) {
		return appendText(dst, strings.ToValidUTF8(string(b), "\uFFFD"))
	}
	return appendText(dst, b)
}
