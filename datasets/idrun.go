package datasets

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"io"
	"iter"
	"slices"
)

// idRun is a sorted run of records spilled to a temporary file by an idSet.
type idRun struct {
	file   *spillFile
	n      int         // its records
	tier   int         // 0 for a spill of the records in memory, t+1 for a merge of runs of tier t
	filter blockFilter // the hashes it holds, with false positives
	fences [][2]uint64 // the hash of records 0, fenceEvery, 2·fenceEvery...
}

const (
	// recordSize is the size of a record in a run's file.
	recordSize = 24
	// fenceEvery is the records of a block, read whole on a filter hit
	// (6 KiB), of which the run keeps the first hash in memory.
	fenceEvery = 256
	// mergeFanout is the number of runs of a tier merged into one.
	mergeFanout = 8
	// ioBuffer is the buffer of a run's file written or merged.
	ioBuffer = 64 << 10
)

// spill writes the records in memory to a new run and empties the memory,
// then merges the runs of a tier that has mergeFanout of them.
func (s *idSet) spill() error {
	slices.SortFunc(s.mem, func(a, b record) int { return compareHash(a.hash, b.hash) })
	r, err := s.writeRun(0, len(s.mem), func(yield func(record, error) bool) {
		for _, rec := range s.mem {
			if !yield(rec, nil) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	s.runs = append(s.runs, r)
	s.mem = s.mem[:0]
	clear(s.table)
	for tier := 0; ; tier++ {
		if err := s.mergeTier(tier); err != nil || s.countTier(tier+1) < mergeFanout {
			return err
		}
	}
}

func (s *idSet) countTier(tier int) int {
	n := 0
	for _, r := range s.runs {
		if r.tier == tier {
			n++
		}
	}
	return n
}

// mergeTier merges the runs of tier into one of tier+1 when there are
// mergeFanout of them.
func (s *idSet) mergeTier(tier int) error {
	var from, keep []*idRun
	n := 0
	for _, r := range s.runs {
		if r.tier == tier {
			from = append(from, r)
			n += r.n
		} else {
			keep = append(keep, r)
		}
	}
	if len(from) < mergeFanout {
		return nil
	}
	merged, err := s.writeRun(tier+1, n, mergeRuns(from))
	if err != nil {
		return err
	}
	s.runs = append(keep, merged)
	var errs error
	for _, r := range from {
		if err := r.file.close(); err != nil && errs == nil {
			errs = err
		}
	}
	return errs
}

// writeRun writes the n records, in hash order, to a new run.
func (s *idSet) writeRun(tier, n int, records iter.Seq2[record, error]) (*idRun, error) {
	f, err := s.create()
	if err != nil {
		return nil, err
	}
	r := &idRun{file: f, n: n, tier: tier, filter: newBlockFilter(n), fences: make([][2]uint64, 0, (n+fenceEvery-1)/fenceEvery)}
	w := bufio.NewWriterSize(f.f, ioBuffer)
	var buf [recordSize]byte
	i := 0
	for rec, err := range records {
		if err == nil {
			if i%fenceEvery == 0 {
				r.fences = append(r.fences, rec.hash)
			}
			r.filter.add(rec.hash)
			rec.encode(buf[:])
			_, err = w.Write(buf[:])
			i++
		}
		if err != nil {
			f.close()
			return nil, err
		}
	}
	if err := w.Flush(); err != nil {
		f.close()
		return nil, err
	}
	return r, nil
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
		if compareHash(decodeHash(buf[m*recordSize:]), h) < 0 {
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

// mergeRuns yields the records of runs in hash order.
func mergeRuns(runs []*idRun) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		var open []*runCursor
		for _, r := range runs {
			c := &runCursor{in: bufio.NewReaderSize(io.NewSectionReader(r.file.f, 0, int64(r.n)*recordSize), ioBuffer), left: r.n}
			if err := c.advance(); err != nil {
				yield(record{}, err)
				return
			}
			if c.ok {
				open = append(open, c)
			}
		}
		for len(open) > 0 {
			m := 0
			for i, c := range open {
				if compareHash(c.head.hash, open[m].head.hash) < 0 {
					m = i
				}
			}
			c := open[m]
			if !yield(c.head, nil) {
				return
			}
			if err := c.advance(); err != nil {
				yield(record{}, err)
				return
			}
			if !c.ok {
				open = slices.Delete(open, m, m+1)
			}
		}
	}
}

// runCursor reads a run's records one after another.
type runCursor struct {
	in   *bufio.Reader
	left int    // the records not read yet
	head record // the record read last, when ok
	ok   bool
	buf  [recordSize]byte
}

// advance reads the next record into head, or sets ok false after the last.
func (c *runCursor) advance() error {
	c.ok = c.left > 0
	if !c.ok {
		return nil
	}
	if _, err := io.ReadFull(c.in, c.buf[:]); err != nil {
		return err
	}
	c.head = decodeRecord(c.buf[:])
	c.left--
	return nil
}

func compareHash(a, b [2]uint64) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

func (r record) encode(b []byte) {
	binary.LittleEndian.PutUint64(b[0:], r.hash[0])
	binary.LittleEndian.PutUint64(b[8:], r.hash[1])
	binary.LittleEndian.PutUint32(b[16:], r.line)
	binary.LittleEndian.PutUint32(b[20:], r.name)
}

func decodeHash(b []byte) [2]uint64 {
	return [2]uint64{binary.LittleEndian.Uint64(b[0:]), binary.LittleEndian.Uint64(b[8:])}
}

func decodeRecord(b []byte) record {
	return record{hash: decodeHash(b), line: binary.LittleEndian.Uint32(b[16:]), name: binary.LittleEndian.Uint32(b[20:])}
}
