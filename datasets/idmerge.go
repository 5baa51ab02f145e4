package datasets

import (
	"iter"
	"slices"
)

// mergeFanout is the number of runs of a tier merged into one: with 4, an id
// is written about 1+log₄(n/cap) times, and a lookup looks in at most 3 runs
// per tier (8 was about 5% slower for a million and for ten million ids).
const mergeFanout = 4

// spill writes the records in memory to a new run and empties the memory,
// then merges the runs of each tier that has mergeFanout of them.
func (s *idSet) spill() error {
	order := s.sortedOrder()
	r, err := s.writeRun(0, len(order), func(yield func(record, error) bool) {
		for _, k := range order {
			if !yield(s.mem[k-1], nil) {
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

// sortedOrder returns the table's records (index + 1 in mem) in hash order,
// in place of the table, which must be cleared afterwards. A slot is a
// record's home, its hash's high bits, or past it if taken, so the slots are
// in hash order but for records a few slots past their home, and for the
// records of the last slots that wrapped around to the first: those are
// moved to the end, and an insertion sort puts all in place in linear time.
func (s *idSet) sortedOrder() []uint32 {
	t := s.table
	var wrapped []uint32
	n := 0
	for i, k := range t {
		k &= slotIndex
		switch {
		case k == 0:
		case int(s.mem[k-1].hash[0]>>s.shift) > i:
			wrapped = append(wrapped, k)
		default:
			t[n] = k
			n++
		}
	}
	n += copy(t[n:], wrapped)
	order := t[:n]
	for i := 1; i < len(order); i++ {
		k := order[i]
		j := i
		for ; j > 0 && less(s.mem[k-1].hash, s.mem[order[j-1]-1].hash); j-- {
			order[j] = order[j-1]
		}
		order[j] = k
	}
	return order
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
	// No lookup reads the filters of the runs while they merge: free them
	// first, so the set never holds theirs and the merged run's at once (at
	// the last merge of ten million ids, 15 MB more at its peak).
	for _, r := range from {
		r.dropFilter()
	}
	merged, err := s.writeRun(tier+1, n, mergeRuns(from))
	if err != nil {
		return err
	}
	s.runs = append(keep, merged)
	var errs error
	for _, r := range from {
		if err := r.release(); err != nil && errs == nil {
			errs = err
		}
	}
	return errs
}

// mergeRuns yields the records of runs in hash order.
func mergeRuns(runs []*idRun) iter.Seq2[record, error] {
	return func(yield func(record, error) bool) {
		var open []*runCursor
		for _, r := range runs {
			c := &runCursor{run: r}
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
			for i, c := range open[1:] {
				if less(c.head.hash, open[m].head.hash) {
					m = i + 1
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

// runCursor reads a run's records one after another, ioBuffer bytes at a
// time.
type runCursor struct {
	run  *idRun
	next int    // the record after head
	head record // the record read last, when ok
	ok   bool
	buf  []byte // the records read last
	off  int    // the offset in buf of record next
}

// advance reads the next record into head, or sets ok false after the last.
func (c *runCursor) advance() error {
	c.ok = c.next < c.run.n
	if !c.ok {
		c.buf = nil
		return nil
	}
	if c.off == len(c.buf) {
		if c.buf == nil {
			c.buf = make([]byte, min(ioBuffer, c.run.n*recordSize))
		}
		c.buf, c.off = c.buf[:min(cap(c.buf), (c.run.n-c.next)*recordSize)], 0
		if _, err := c.run.file.f.ReadAt(c.buf, int64(c.next)*recordSize); err != nil {
			return err
		}
	}
	c.head = decodeRecord(c.buf[c.off:])
	c.off += recordSize
	c.next++
	return nil
}
