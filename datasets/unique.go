package datasets

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
)

// idSet remembers the case ids a stream has given out and where each came
// from, so that a second row with the same id is an error naming both rows
// rather than a row that silently overwrites another in the store.
//
// It holds no rows: per id, a 16-byte hash of the id and 8 bytes of position
// (which source name, and the line or index within it). Measured by
// TestIDSetMemory, a million ids cost about 56 MB of heap (the map's table
// doubles as it grows, so between 28 and 56 bytes an id).
type idSet struct {
	seen  map[[16]byte]uint64
	names []string          // the distinct source prefixes, such as "data.jsonl:"
	index map[string]uint32 // prefix -> its index in names
}

func newIDSet() *idSet {
	return &idSet{seen: map[[16]byte]uint64{}, index: map[string]uint32{}}
}

// add records c's id. When another case already has it, add returns the
// source of that case.
func (s *idSet) add(c *Case) (first string, dup bool) {
	key := [16]byte{}
	sum := sha256.Sum256([]byte(c.ID))
	copy(key[:], sum[:])
	if pos, ok := s.seen[key]; ok {
		return s.source(pos), true
	}
	s.seen[key] = s.position(c.Source)
	return "", false
}

// position packs a source such as "data.jsonl:12" or "inline[3]" into the
// index of its prefix and its number.
func (s *idSet) position(source string) uint64 {
	prefix, n := splitSource(source)
	i, ok := s.index[prefix]
	if !ok {
		i = uint32(len(s.names))
		s.names = append(s.names, prefix)
		s.index[prefix] = i
	}
	return uint64(i)<<32 | uint64(n)
}

// source unpacks a position back into its source text.
func (s *idSet) source(pos uint64) string {
	prefix, n := s.names[pos>>32], strconv.FormatUint(pos&0xffffffff, 10)
	switch {
	case strings.HasSuffix(prefix, "["):
		return prefix + n + "]"
	case !strings.HasSuffix(prefix, ":"):
		return prefix
	}
	return prefix + n
}

// splitSource splits "NAME:LINE" into "NAME:" and LINE, and "NAME[I]" into
// "NAME[" and I. A source of another shape is kept whole, with number 0.
func splitSource(source string) (string, uint32) {
	if rest, ok := strings.CutSuffix(source, "]"); ok {
		if i := strings.LastIndexByte(rest, '['); i >= 0 {
			if n, err := strconv.ParseUint(rest[i+1:], 10, 32); err == nil {
				return rest[:i+1], uint32(n)
			}
		}
	}
	if i := strings.LastIndexByte(source, ':'); i >= 0 {
		if n, err := strconv.ParseUint(source[i+1:], 10, 32); err == nil {
			return source[:i+1], uint32(n)
		}
	}
	return source, 0
}

// duplicateError explains why the case c cannot be used: the row at first
// gave the same case id.
func duplicateError(c *Case, hashed bool, first string) error {
	if hashed {
		return fmt.Errorf("the row has no id and the same input as the row at %s, so both would be case %q and one would overwrite the other: give each row an id (an \"id\" key, or data.fields.id)", first, c.ID)
	}
	return fmt.Errorf("case id %q is also the id of the row at %s, and one would overwrite the other: give each row an id of its own", c.ID, first)
}
