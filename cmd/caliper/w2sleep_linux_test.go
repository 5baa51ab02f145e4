//go:build linux

package main

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// w2Sleep returns d after it was called, to some tens of microseconds. Go's
// own timers, in a process as idle as the W2 server, fire on the poller's
// whole milliseconds: its 50 ms answers took 50.4-50.5 ms, and came in
// bursts. The thread sleeps in the kernel until an absolute deadline, so an
// interrupted sleep (the runtime's preemption signal) resumes to the same one.
func w2Sleep(d time.Duration) {
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
		time.Sleep(d)
		return
	}
	deadline := unix.NsecToTimespec(now.Nano() + d.Nanoseconds())
	for {
		err := unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &deadline, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}
