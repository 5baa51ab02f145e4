package datasets

import (
	"container/heap"
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strconv"
	"strings"
)

// sampler keeps a seeded random sample of at most size cases out of a stream of
// unknown length, in memory bounded by size.
//
// It is a bottom-k sample: every case gets a pseudo-random key, the SHA-256 of
// the seed and the case id, and the size cases with the smallest keys are kept.
// That is a uniform sample, reproducible for the same seed and data on every
// platform and Go version, and a case's chance does not depend on where it sits
// in the file: reordering the rows or appending new ones keeps every earlier
// pick that still ranks. Cases with the same id share a key, and the earlier
// row wins a tie.
type sampler struct {
	size  int
	seed  []byte
	n     int // cases offered so far, the order index of the next one
	picks pickHeap
}

type pick struct {
	key   uint64
	order int
	c     Case
}

func newSampler(size int, seed int64) *sampler {
	return &sampler{
		size:  size,
		seed:  []byte(strconv.FormatInt(seed, 10) + "\x00"),
		picks: make(pickHeap, 0, min(size, 1<<16)),
	}
}

// offer considers one case for the sample. A case kept has its own copy of
// its source, which a JSON Lines reader builds in one string with the
// sources of the lines around it: the sample must not keep those alive.
func (s *sampler) offer(c Case) {
	h := sha256.New()
	h.Write(s.seed)
	h.Write([]byte(c.ID))
	var sum [sha256.Size]byte
	p := pick{key: binary.BigEndian.Uint64(h.Sum(sum[:0])), order: s.n, c: c}
	s.n++
	if len(s.picks) < s.size {
		p.c.Source = strings.Clone(c.Source)
		heap.Push(&s.picks, p)
		return
	}
	if top := s.picks[0]; p.less(top) {
		p.c.Source = strings.Clone(c.Source)
		s.picks[0] = p
		heap.Fix(&s.picks, 0)
	}
}

// cases returns the sample in the order the cases came in, once: the sampler is
// spent afterwards.
func (s *sampler) cases() []Case {
	picks := s.picks
	s.picks = nil
	slices.SortFunc(picks, func(a, b pick) int { return a.order - b.order })
	out := make([]Case, len(picks))
	for i, p := range picks {
		out[i] = p.c
	}
	return out
}

func (p pick) less(q pick) bool {
	if p.key != q.key {
		return p.key < q.key
	}
	return p.order < q.order
}

// pickHeap is a max-heap: its top is the pick that leaves first.
type pickHeap []pick

func (h pickHeap) Len() int           { return len(h) }
func (h pickHeap) Less(i, j int) bool { return h[j].less(h[i]) }
func (h pickHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *pickHeap) Push(x any)        { *h = append(*h, x.(pick)) }
func (h *pickHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	*h = old[:len(old)-1]
	return p
}
