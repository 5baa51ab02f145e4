package datasets

// blockFilter is a split block Bloom filter (the one of Parquet): a hash
// sets one bit in each of the eight words of one 256-bit block, so a lookup
// touches one cache line. At bitsPerID bits an id, about 0.55% of the hashes
// it was not given are taken for ones it holds (TestBlockFilterFalsePositives:
// 1.26% at 10 bits, 0.26% at 14).
type blockFilter [][8]uint32

// bitsPerID is the size of a filter for each hash it holds.
const bitsPerID = 12

// filterSalts spread a hash's 32 bits over the eight words of a block.
var filterSalts = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

// newBlockFilter returns a filter for n hashes and the function that frees
// it, which must be called once the filter is no longer used. The filter's
// memory is outside the Go heap where the system allows (filterMemory): it
// holds no pointers, and on the heap the garbage collector's headroom would
// double what it costs (1.5 bytes an id, the one memory that grows with a
// dataset).
func newBlockFilter(n int) (blockFilter, func()) {
	return filterMemory(max(1, (n*bitsPerID+255)/256))
}

// block is the block of h, chosen by the high half of h[0], so that the
// hashes of a run, added in order, fill the blocks in order (a filter much
// larger than the cache is built at the speed of memory); the low half of
// h[1] chooses the bits.
func (f blockFilter) block(h [2]uint64) *[8]uint32 {
	return &f[(h[0]>>32)*uint64(len(f))>>32]
}

func (f blockFilter) add(h [2]uint64) {
	b, x := f.block(h), uint32(h[1])
	for i, salt := range filterSalts {
		b[i] |= 1 << ((x * salt) >> 27)
	}
}

// has reports whether h may have been added: always when it was.
func (f blockFilter) has(h [2]uint64) bool {
	b, x := f.block(h), uint32(h[1])
	for i, salt := range filterSalts {
		if b[i]&(1<<((x*salt)>>27)) == 0 {
			return false
		}
	}
	return true
}
