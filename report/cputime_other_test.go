//go:build !unix

package report

import "time"

// cpuTime is unknown here; BenchmarkCompare100k then reports no CPU time.
func cpuTime() time.Duration { return 0 }
