package main

import (
	"io"
	"sync"
)

// serialWriter makes the writes of several goroutines to one writer one at
// a time: during a run the progress lines and the stderr lines of programs
// go to the same State.Stderr, which need not be safe for concurrent use.
type serialWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *serialWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// withSerialStderr returns a copy of st whose Stderr takes one write at a time.
func withSerialStderr(st *State) *State {
	if _, ok := st.Stderr.(*serialWriter); ok || st.Stderr == nil {
		return st
	}
	s := *st
	s.Stderr = &serialWriter{w: st.Stderr}
	return &s
}
