package main

import (
	"bytes"
	"sync"
	"testing"
)

// TestStderrTakesOneWriteAtATime: the progress printer and the programs'
// stderr forwarders write to State.Stderr from their own goroutines (the
// race detector caught it on a bytes.Buffer in the agent tests).
func TestStderrTakesOneWriteAtATime(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	st := withSerialStderr(&State{Stderr: &buf})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_, _ = st.Stderr.Write([]byte("line\n"))
			}
		}()
	}
	wg.Wait()
	if buf.Len() != 8*100*5 {
		t.Errorf("%d bytes written, want %d", buf.Len(), 8*100*5)
	}
	if withSerialStderr(st) != st {
		t.Error("a serialized stderr is wrapped again")
	}
}
