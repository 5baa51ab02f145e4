package datasets

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// idSet remembers the case ids a stream has given out and where each came
// from, so that a second row with the same id is an error naming both rows
// rather than a row that silently overwrites another in the store.
//
// It holds no ids and no rows. Per case it keeps a record: a 128-bit hash of
// the id (SHA-256, cut), the line or index of its row and the index of its
// source's name, which is kept once. Two different ids are taken for the same
// one only when their hashes collide: about n²/2¹²⁹, 10⁻²¹ for a billion
// cases.
//
// Up to cap records are kept in memory, in a slice and an open-addressing
// table (about 4 MB at the default cap, 2¹⁷). When it is full they are
// sorted by hash and spilled to a run: a temporary file in os.TempDir(),
// unlinked as soon as it is created where the system allows it, 24 bytes an
// id on disk. In memory a run keeps only a blocked Bloom filter (bitsPerID
// bits an id) and the hash of every fenceEvery-th record (1/8 byte an id), so
// a lookup reads the disk only on a filter hit (for about 0.5% of the runs
// that do not hold the id), and then one block of 3 KiB. When mergeFanout runs
// of the same tier exist they are merged into one of the next tier, so that
// a set of n ids has at most (mergeFanout-1)·log_mergeFanout(n/cap)+1 runs
// for a lookup to look in, 10 for ten million ids. The memory of a set thus
// still grows with its ids, but by about 1.6 bytes an id beyond the first cap
// instead of 29: 21 MB for ten million ids, the 4 MB in memory included
// (BenchmarkIDSet10M measures it), where keeping every record in memory
// took 267 MB.
//
// An error of the disk (a full TMPDIR) is an error of the set: add returns it
// and keeps returning it; a duplicate is never let through unchecked.
type idSet struct {
	cap    int               // the records kept in memory before a spill (at most maxCap are)
	mem    []record          // the records not yet spilled, in the order added
	table  []uint32          // a record's index + 1 in mem and its hash's tag (see slotIndexBits), 0 for an empty slot
	shift  uint              // 64 - log2(len(table)): a hash's slot is hash[0] >> shift
	runs   []*idRun          // the spilled records
	names  []string          // the distinct source prefixes, such as "data.jsonl:"
	index  map[string]uint32 // prefix -> its index in names
	last   uint32            // the index + 1 in names of the prefix added last, 0 before the first
	create func() (*spillFile, error)
	block  []byte // a run's block, read on a filter hit
	err    error  // sticky: what stopped the set
}

// record is what the set keeps of a case.
type record struct {
	hash [2]uint64
	line uint32 // the line or index of the row in its source
	name uint32 // the index of the source's prefix in idSet.names
}

const (
	// memCap is the records a set keeps in memory: 2¹⁷, under 4 MB with
	// the table, so a dataset of 100,000 cases never touches the disk.
	memCap = 1 << 17
	// minTableBits is the log₂ of the size of the table of an empty set.
	minTableBits = 6
	minTable     = 1 << minTableBits
)

// A slot of the table holds the index + 1 in mem of its record in its low
// slotIndexBits bits, and a tag of the record's hash in the others, so that a
// probe reads the record itself (a cache miss, mem being megabytes) only when
// the tags match: for 1 slot in 16,384 that holds another hash.
const (
	slotIndexBits = 18
	slotIndex     = 1<<slotIndexBits - 1
	// maxCap is the largest cap whose indexes + 1 fit the slots.
	maxCap = slotIndex
)

// tagOf is the tag of h in a slot: bits of h[1], which chooses no slot.
func tagOf(h [2]uint64) uint32 {
	return uint32(h[1]>>(64-(32-slotIndexBits))) << slotIndexBits
}

var errSetClosed = errors.New("checking case ids for duplicates after the stream was closed")

func newIDSet() *idSet {
	return &idSet{cap: memCap, table: make([]uint32, minTable), shift: 64 - minTableBits, index: map[string]uint32{}, create: createSpillFile}
}

// add records c's id. When another case already has it, add returns the
// source of that case. An error (of the temporary files) ends the set.
func (s *idSet) add(c *Case) (first string, dup bool, err error) {
	prefix, n := splitSource(c.Source)
	return s.addAt(c.ID, rowAt{prefix, n})
}

// addAt is add for the id of the row at at.
func (s *idSet) addAt(id string, at rowAt) (first string, dup bool, err error) {
	if s.err != nil {
		return "", false, s.err
	}
	return s.addHash(hashID(id), at)
}

// addHash is addAt for an id whose hash is h.
func (s *idSet) addHash(h [2]uint64, at rowAt) (first string, dup bool, err error) {
	slot := s.find(h)
	if k := s.table[slot]; k != 0 {
		return s.source(s.mem[k&slotIndex-1]), true, nil
	}
	for _, r := range s.runs {
		rec, found, err := r.lookup(h, &s.block)
		if err != nil {
			return "", false, s.fail(err)
		}
		if found {
			return s.source(rec), true, nil
		}
	}
	if len(s.mem) >= min(s.cap, maxCap) {
		if err := s.spill(); err != nil {
			return "", false, s.fail(err)
		}
		slot = s.find(h)
	}
	s.mem = append(s.mem, s.record(at, h))
	s.table[slot] = tagOf(h) | uint32(len(s.mem))
	if len(s.mem)*4 > len(s.table)*3 {
		s.grow()
	}
	return "", false, nil
}

// hashID is the first 128 bits of the SHA-256 of id.
func hashID(id string) [2]uint64 {
	sum := sha256.Sum256([]byte(id))
	return [2]uint64{binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])}
}

// fail ends the set with err, explained.
func (s *idSet) fail(err error) error {
	s.err = fmt.Errorf("checking case ids for duplicates: %w: free space in %s or point TMPDIR at a writable directory with room", err, os.TempDir())
	return s.err
}

// find returns the slot of the table that holds h, or the empty slot where h
// goes. Slots are probed from the hash's high bits on, so the table is in
// hash order but for a few slots (see sortedOrder).
func (s *idSet) find(h [2]uint64) int {
	mask, tag := len(s.table)-1, tagOf(h)
	for i := int(h[0] >> s.shift); ; i = (i + 1) & mask {
		k := s.table[i]
		if k == 0 || k&^slotIndex == tag && s.mem[k&slotIndex-1].hash == h {
			return i
		}
	}
}

// grow doubles the table and puts every record back in it.
func (s *idSet) grow() {
	s.table = make([]uint32, 2*len(s.table))
	s.shift--
	mask := len(s.table) - 1
	for k := range s.mem {
		i := int(s.mem[k].hash[0] >> s.shift)
		for s.table[i] != 0 {
			i = (i + 1) & mask
		}
		s.table[i] = tagOf(s.mem[k].hash) | uint32(k+1)
	}
}

// record returns the record of hash h from the row at at, whose prefix it
// names by its index, kept once.
func (s *idSet) record(at rowAt, h [2]uint64) record {
	if s.last != 0 && s.names[s.last-1] == at.prefix {
		return record{hash: h, line: at.n, name: s.last - 1}
	}
	i, ok := s.index[at.prefix]
	if !ok {
		i = uint32(len(s.names))
		s.names = append(s.names, at.prefix)
		s.index[at.prefix] = i
	}
	s.last = i + 1
	return record{hash: h, line: at.n, name: i}
}

// source is the source text of the case of r.
func (s *idSet) source(r record) string {
	prefix, n := s.names[r.name], strconv.FormatUint(uint64(r.line), 10)
	switch {
	case strings.HasSuffix(prefix, "["):
		return prefix + n + "]"
	case !strings.HasSuffix(prefix, ":"):
		return prefix
	}
	return prefix + n
}

// close removes the set's temporary files. It can be called more than once;
// add fails afterwards.
func (s *idSet) close() error {
	var errs []error
	for _, r := range s.runs {
		errs = append(errs, r.release())
	}
	s.runs, s.mem, s.block = nil, nil, nil
	if s.err == nil {
		s.err = errSetClosed
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("removing the temporary files of the case ids: %w: remove them from %s by hand", err, os.TempDir())
	}
	return nil
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
