//go:build unix

package datasets

import (
	"syscall"
	"unsafe"
)

// filterMemory maps blocks of anonymous memory for a filter, outside the Go
// heap, so that the collector neither scans it nor counts it in the heap
// whose growth sets its next cycle. It falls back to the heap when the map
// is refused.
func filterMemory(blocks int) (blockFilter, func()) {
	const blockSize = int(unsafe.Sizeof([8]uint32{}))
	mem, err := syscall.Mmap(-1, 0, blocks*blockSize, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make(blockFilter, blocks), func() {}
	}
	f := unsafe.Slice((*[8]uint32)(unsafe.Pointer(&mem[0])), blocks)
	return f, func() { syscall.Munmap(mem) } //nolint:errcheck // the map was ours: unmapping it cannot fail
}
