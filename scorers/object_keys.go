package scorers

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sortedObjectKeys returns the keys of m in the order JSON.stringify writes the
// key-sorted objects of autoevals: keys that are array indexes ("0", "2", "10")
// first, by value, as JavaScript orders such properties; then the other keys
// sorted by UTF-16 code units, as Array.prototype.sort compares strings.
func sortedObjectKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareObjectKeys)
	return keys
}

func compareObjectKeys(a, b string) int {
	ai, aIndex := arrayIndex(a)
	bi, bIndex := arrayIndex(b)
	switch {
	case aIndex && bIndex:
		return compareUint(ai, bi)
	case aIndex:
		return -1
	case bIndex:
		return 1
	}
	return compareUTF16(a, b)
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// arrayIndex reports whether k is the canonical text of an array index, an
// integer in [0, 2^32 - 2], and returns it.
func arrayIndex(k string) (uint64, bool) {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') || k[0] < '0' || k[0] > '9' {
		return 0, false
	}
	n, err := strconv.ParseUint(k, 10, 64)
	return n, err == nil && n <= 1<<32-2
}

// compareUTF16 compares two strings as sequences of UTF-16 code units. That is
// code point order except that characters beyond U+FFFF (two surrogate units,
// from U+D800) come before U+E000 to U+FFFF.
func compareUTF16(a, b string) int {
	for a != "" && b != "" {
		if a[0] < utf8.RuneSelf && b[0] < utf8.RuneSelf {
			if a[0] != b[0] {
				return int(a[0]) - int(b[0])
			}
			a, b = a[1:], b[1:]
			continue
		}
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if wa, wb := utf16Weight(ra), utf16Weight(rb); wa != wb {
			return compareUint(uint64(wa), uint64(wb))
		}
		a, b = a[na:], b[nb:]
	}
	return strings.Compare(a, b) // the shorter, a prefix of the other, first
}

// utf16Weight orders runes as their first UTF-16 unit does, then by code point.
func utf16Weight(r rune) rune {
	if r >= 0xE000 && r <= 0xFFFF {
		return r + 0x100000
	}
	return r
}
