package datasets

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// idSet remembers the case ids a stream has given out and where each came
// from, so that a second row with the same id is an error naming both rows
// rather than a row that silently overwrites another in the store.
//
// It holds no ids and no rows. Per case it keeps a 128-bit hash of the id
// (SHA-256, cut) and the line or index of its row, in blocks that do not
// move, and a 4-byte slot of an open-addressing table that finds a hash by
// its case number; the source names are kept once per run of cases from the
// same source. Two different ids are taken for the same one only when their
// hashes collide: about n²/2¹²⁹, 10⁻²¹ for a billion cases. Measured by
// BenchmarkIDSet, a million ids from two files cost 29 bytes an id (the map
// of hashes it replaces cost 56).
type idSet struct {
	hashes chunked[[2]uint64] // by case number
	lines  chunked[uint32]    // by case number: the line or index in its source
	table  []uint32           // case number + 1 of a hash, 0 for an empty slot
	n      uint32             // the cases recorded
	runs   []sourceRun        // where the source name changes, in case number order
	names  []string           // the distinct source prefixes, such as "data.jsonl:"
	index  map[string]uint32  // prefix -> its index in names
}

// sourceRun says that the cases from number first on came from names[name].
type sourceRun struct{ first, name uint32 }

// minTable is the size of the table of an empty set.
const minTable = 64

func newIDSet() *idSet {
	return &idSet{table: make([]uint32, minTable), index: map[string]uint32{}}
}

// add records c's id. When another case already has it, add returns the
// source of that case.
func (s *idSet) add(c *Case) (first string, dup bool) {
	sum := sha256.Sum256([]byte(c.ID))
	h := [2]uint64{binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])}
	slot := s.find(h)
	if k := s.table[slot]; k != 0 {
		return s.source(k - 1), true
	}
	if s.n == math.MaxUint32-1 {
		return "", false // beyond 4·10⁹ cases, ids are no longer checked
	}
	s.record(c.Source, h)
	s.table[slot] = s.n
	if uint64(s.n)*4 > uint64(len(s.table))*3 {
		s.grow()
	}
	return "", false
}

// find returns the slot of the table that holds h, or the empty slot where h
// goes.
func (s *idSet) find(h [2]uint64) int {
	mask := len(s.table) - 1
	for i := int(h[0]) & mask; ; i = (i + 1) & mask {
		k := s.table[i]
		if k == 0 || s.hashes.at(k-1) == h {
			return i
		}
	}
}

// grow doubles the table and puts every case back in it.
func (s *idSet) grow() {
	s.table = make([]uint32, 2*len(s.table))
	mask := len(s.table) - 1
	for k := uint32(1); k <= s.n; k++ {
		i := int(s.hashes.at(k - 1)[0]) & mask
		for s.table[i] != 0 {
			i = (i + 1) & mask
		}
		s.table[i] = k
	}
}

// record appends the case's hash and the position of its source, as the
// index of its prefix (kept once per run of cases) and its number.
func (s *idSet) record(source string, h [2]uint64) {
	prefix, n := splitSource(source)
	i, ok := s.index[prefix]
	if !ok {
		i = uint32(len(s.names))
		s.names = append(s.names, prefix)
		s.index[prefix] = i
	}
	if len(s.runs) == 0 || s.runs[len(s.runs)-1].name != i {
		s.runs = append(s.runs, sourceRun{first: s.n, name: i})
	}
	s.hashes.append(h)
	s.lines.append(n)
	s.n++
}

// source is the source text of case number k.
func (s *idSet) source(k uint32) string {
	r, _ := slices.BinarySearchFunc(s.runs, k, func(r sourceRun, k uint32) int { return cmp.Compare(r.first, k) })
	if r == len(s.runs) || s.runs[r].first > k {
		r--
	}
	prefix, n := s.names[s.runs[r].name], strconv.FormatUint(uint64(s.lines.at(k)), 10)
	switch {
	case strings.HasSuffix(prefix, "["):
		return prefix + n + "]"
	case !strings.HasSuffix(prefix, ":"):
		return prefix
	}
	return prefix + n
}

// chunkLen is the length of the blocks of a chunked slice.
const chunkLen = 1 << 14

// chunked is an append-only slice kept in blocks of chunkLen, so that growing
// it never copies it nor leaves a doubled slice half empty; the first block
// grows as a slice does, so a small set stays small.
type chunked[T any] struct{ blocks [][]T }

func (c *chunked[T]) append(v T) {
	n := len(c.blocks)
	if n == 0 || len(c.blocks[n-1]) == chunkLen {
		var b []T
		if n > 0 {
			b = make([]T, 0, chunkLen)
		}
		c.blocks = append(c.blocks, b)
		n++
	}
	c.blocks[n-1] = append(c.blocks[n-1], v)
}

func (c *chunked[T]) at(i uint32) T { return c.blocks[i/chunkLen][i%chunkLen] }

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
