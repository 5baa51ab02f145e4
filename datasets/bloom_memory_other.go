//go:build !unix

package datasets

// filterMemory allocates a filter's blocks on the heap, where the system has
// no anonymous maps.
func filterMemory(blocks int) (blockFilter, func()) {
	return make(blockFilter, blocks), func() {}
}
