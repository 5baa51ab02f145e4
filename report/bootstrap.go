package report

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// bootstrap returns, for each column of per-case differences (NaN where a
// case lacks the value), the percentile interval at the given confidence of
// the mean difference, from resamples of the n paired cases drawn with
// replacement.
//
// One draw of case indices serves every column, so the columns are
// resampled jointly, as the cases are. Resample b draws from a PCG seeded by
// (seed, b) alone, so the intervals depend on the seed and not on how the
// resamples are spread over workers. Columns with gaps resample the mean over
// the drawn cases that have the value.
//
// For speed the cases are packed as rows of differences from the column's
// mean (so identical differences give an interval of exactly that value), so
// that one random read fetches a case, and the indices are drawn 32 bits at
// a time, exactly uniform (Lemire's method), a buffer at a time.
func bootstrap(cols [][]float64, n int, confidence float64, resamples int, seed uint64, workers int) (lo, hi []float64) {
	d := len(cols)
	lo, hi = make([]float64, d), make([]float64, d)
	if n < 2 || d == 0 {
		return lo, hi
	}
	center := make([]float64, d)
	var gaps []int // columns with gaps: each gets a 0/1 presence in the rows
	for c, col := range cols {
		sum, cnt := 0.0, 0
		for _, v := range col[:n] {
			if !math.IsNaN(v) {
				sum += v
				cnt++
			}
		}
		if cnt > 0 {
			center[c] = sum / float64(cnt)
		}
		if cnt < n {
			gaps = append(gaps, c)
		}
	}
	stride := d + len(gaps)
	mat := make([]float64, n*stride)
	for c, col := range cols {
		for i, v := range col[:n] {
			if !math.IsNaN(v) {
				mat[i*stride+c] = v - center[c]
			}
		}
	}
	for k, c := range gaps {
		for i, v := range cols[c][:n] {
			if !math.IsNaN(v) {
				mat[i*stride+d+k] = 1
			}
		}
	}
	count := make([]int, d) // where each column's count of drawn cases is: -1 for n
	for c := range count {
		count[c] = -1
	}
	for k, c := range gaps {
		count[c] = d + k
	}

	means := make([]float64, d*resamples) // column c's resample b at c*resamples+b
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, resamples)
	const chunk = 8
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc := make([]float64, stride)
			idx := make([]uint32, min(n, 4096))
			for {
				start := int(next.Add(chunk)) - chunk
				if start >= resamples {
					return
				}
				for b := start; b < min(start+chunk, resamples); b++ {
					resample(mat, n, stride, acc, idx, seed, uint64(b))
					for c := range d {
						cnt := float64(n)
						if count[c] >= 0 {
							cnt = acc[count[c]]
						}
						means[c*resamples+b] = math.NaN()
						if cnt > 0 {
							means[c*resamples+b] = center[c] + acc[c]/cnt
						}
					}
				}
			}
		}()
	}
	wg.Wait()

	alpha := (1 - confidence) / 2
	for c := range d {
		vals := means[c*resamples : (c+1)*resamples]
		finite := vals[:0]
		for _, v := range vals {
			if !math.IsNaN(v) {
				finite = append(finite, v)
			}
		}
		sort.Float64s(finite)
		lo[c], hi[c] = quantile(finite, alpha), quantile(finite, 1-alpha)
	}
	return lo, hi
}

// resample sums into acc the rows of n cases drawn with replacement from mat
// by the PCG of resample b, drawing indices into idx a buffer at a time.
func resample(mat []float64, n, stride int, acc []float64, idx []uint32, seed, b uint64) {
	clear(acc)
	var rng rand.PCG
	rng.Seed(splitmix(seed), splitmix(seed^splitmix(b+1)))
	un := uint64(n)
	reject := uint32(-uint32(n) % uint32(n)) // 2^32 mod n: draws below it are redrawn
	for left := n; left > 0; {
		buf := idx[:min(left, len(idx))]
		for i := 0; i < len(buf); {
			x := rng.Uint64()
			if m := (x & 0xffffffff) * un; uint32(m) >= reject {
				buf[i] = uint32(m >> 32)
				i++
			}
			if m := (x >> 32) * un; uint32(m) >= reject && i < len(buf) {
				buf[i] = uint32(m >> 32)
				i++
			}
		}
		left -= len(buf)
		sumRows(mat, stride, buf, acc)
	}
}

// sumRows adds the rows of mat at idx to acc.
func sumRows(mat []float64, stride int, idx []uint32, acc []float64) {
	switch stride {
	case 1:
		s0 := acc[0]
		for _, j := range idx {
			s0 += mat[j]
		}
		acc[0] = s0
	case 2:
		s0, s1 := acc[0], acc[1]
		for _, j := range idx {
			r := mat[2*j : 2*j+2 : 2*j+2]
			s0 += r[0]
			s1 += r[1]
		}
		acc[0], acc[1] = s0, s1
	case 3:
		s0, s1, s2 := acc[0], acc[1], acc[2]
		for _, j := range idx {
			r := mat[3*j : 3*j+3 : 3*j+3]
			s0 += r[0]
			s1 += r[1]
			s2 += r[2]
		}
		acc[0], acc[1], acc[2] = s0, s1, s2
	case 4:
		s0, s1, s2, s3 := acc[0], acc[1], acc[2], acc[3]
		for _, j := range idx {
			r := mat[4*j : 4*j+4 : 4*j+4]
			s0 += r[0]
			s1 += r[1]
			s2 += r[2]
			s3 += r[3]
		}
		acc[0], acc[1], acc[2], acc[3] = s0, s1, s2, s3
	default:
		st := uint32(stride)
		for _, j := range idx {
			for s, v := range mat[j*st : j*st+st] {
				acc[s] += v
			}
		}
	}
}

// splitmix is SplitMix64's finaliser: it spreads nearby seeds apart.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// quantile is the p-quantile of sorted values, interpolating linearly
// between order statistics; 0 when there are none.
func quantile(sorted []float64, p float64) float64 {
	switch len(sorted) {
	case 0:
		return 0
	case 1:
		return sorted[0]
	}
	pos := p * float64(len(sorted)-1)
	i := int(pos)
	if i >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	f := pos - float64(i)
	return sorted[i] + f*(sorted[i+1]-sorted[i])
}
