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
// bursts. So the last 2 ms are slept in the kernel, to an absolute deadline
// (an interrupted sleep, by the runtime's preemption signal, resumes to the
// same one). Only the last 2 ms: a thread in that sleep holds its P until the
// runtime takes it back, up to 10 ms later, and 64 handlers asleep in the
// kernel for all 50 ms kept the server from reading new requests for
// hundreds of milliseconds at a time (the W2 ratio of the same binary went
// from 1.04 to 1.19 from one run to the next).
func w2Sleep(d time.Duration) {
	var now unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
		time.Sleep(d)
		return
	}
	deadline := unix.NsecToTimespec(now.Nano() + d.Nanoseconds())
	if d > 2*time.Millisecond {
		time.Sleep(d - 2*time.Millisecond)
	}
	for {
		err := unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &deadline, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}
