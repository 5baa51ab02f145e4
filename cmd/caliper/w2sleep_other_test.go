//go:build !linux

package main

import "time"

// w2Sleep returns d after it was called; on Linux to some tens of
// microseconds, here as precisely as Go's timers.
func w2Sleep(d time.Duration) { time.Sleep(d) }
