package datasets

import (
	"encoding/binary"
	"iter"
	"slices"
	"unsafe"
)

// idRun is a sorted run of records spilled to a temporary file by an idSet.
type idRun struct {
	file   *spillFile
	n      int         // its records
	tier   int         // 0 for a spill of the records in memory, t+1 for a merge of runs of tier t
	filter blockFilter // the hashes it holds, with false positives
	free   func()      // frees filter
	fences [][2]uint64 // the hash of records 0, fenceEvery, 2·fenceEvery...
}

const (
	// recordSize is the size of a record in a run's file.
	recordSize = 24
	// fenceEvery is the records of a block, read whole on a filter hit
	// (3 KiB), of which the run keeps the first hash in memory.
	fenceEvery = 128
	// ioBuffer is the buffer of a run's file written or merged.
	ioBuffer = 64 << 10 / recordSize * recordSize
)

// writeRun writes the n records, in hash order, to a new run of tier.
func (s *idSet) writeRun(tier, n int, records iter.Seq2[record, error]) (*idRun, error) {
	f, err := s.create()
	if err != nil {
		return nil, err
	}
	filter, free := newBlockFilter(n)
	r := &idRun{file: f, n: n, tier: tier, filter: filter, free: free, fences: make([][2]uint64, 0, (n+fenceEvery-1)/fenceEvery)}
	if err := r.write(records); err != nil {
		r.release() //nolint:errcheck // the write's error is the one to report
		return nil, err
	}
	return r, nil
}

// filterBytes is the memory the filters of the set's runs take.
func (s *idSet) filterBytes() uint64 {
	var n uint64
	for _, r := range s.runs {
		n += uint64(len(r.filter)) * uint64(unsafe.Sizeof(r.filter[0]))
	}
	return n
}

// release removes the run's file and frees its filter; the run is not used
// afterwards.
func (r *idRun) release() error {
	r.dropFilter()
	return r.file.close()
}

// dropFilter frees the run's filter, once: the run is only merged or
// released afterwards.
func (r *idRun) dropFilter() {
	if r.filter != nil {
		r.free()
		r.filter = nil
	}
}

// write writes the records to the run's file, and notes each in its filter
// and fences.
func (r *idRun) write(records iter.Seq2[record, error]) error {
	buf := make([]byte, 0, min(ioBuffer, r.n*recordSize))
	i := 0
	for rec, err := range records {
		if err != nil {
			return err
		}
		if i%fenceEvery == 0 {
			r.fences = append(r.fences, rec.hash)
		}
		r.filter.add(rec.hash)
		buf = rec.append(buf)
		if len(buf) == cap(buf) {
			if _, err := r.file.f.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
		i++
	}
	_, err := r.file.f.Write(buf)
	return err
}

// lookup returns the record of hash h when the run holds it, reading the
// block where it would be into *block.
func (r *idRun) lookup(h [2]uint64, block *[]byte) (record, bool, error) {
	if !r.filter.has(h) {
		return record{}, false, nil
	}
	b, exact := slices.BinarySearchFunc(r.fences, h, compareHash)
	if !exact {
		if b == 0 {
			return record{}, false, nil
		}
		b--
	}
	first := b * fenceEvery
	count := min(fenceEvery, r.n-first)
	if cap(*block) < fenceEvery*recordSize {
		*block = make([]byte, fenceEvery*recordSize)
	}
	buf := (*block)[:count*recordSize]
	if _, err := r.file.f.ReadAt(buf, int64(first)*recordSize); err != nil {
		return record{}, false, err
	}
	lo, hi := 0, count
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if less(decodeHash(buf[m*recordSize:]), h) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < count {
		if rec := decodeRecord(buf[lo*recordSize:]); rec.hash == h {
			return rec, true, nil
		}
	}
	return record{}, false, nil
}

func less(a, b [2]uint64) bool { return a[0] < b[0] || a[0] == b[0] && a[1] < b[1] }

func compareHash(a, b [2]uint64) int {
	switch {
	case less(a, b):
		return -1
	case a == b:
		return 0
	}
	return 1
}

func (r record) append(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, r.hash[0])
	b = binary.LittleEndian.AppendUint64(b, r.hash[1])
	b = binary.LittleEndian.AppendUint32(b, r.line)
	return binary.LittleEndian.AppendUint32(b, r.name)
}

func decodeHash(b []byte) [2]uint64 {
	return [2]uint64{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:])}
}

func decodeRecord(b []byte) record {
	return record{hash: decodeHash(b), line: binary.LittleEndian.Uint32(b[16:]), name: binary.LittleEndian.Uint32(b[20:])}
}
