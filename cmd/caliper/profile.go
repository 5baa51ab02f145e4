package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/caliperhq/caliper/internal/exitcode"
)

// profiles are the Go profiles caliper run writes for --cpuprofile and
// --memprofile, to find what makes a user's own eval slow: read them with
// `go tool pprof FILE`.
type profiles struct {
	st  *State
	cpu *os.File
	mem string
}

// startProfiles starts the CPU profile into cpuPath, if any, and remembers
// memPath, if any, for stop; paths are relative to the working directory.
func startProfiles(st *State, cpuPath, memPath string) (*profiles, error) {
	p := &profiles{st: st, mem: memPath}
	if cpuPath == "" {
		return p, nil
	}
	f, err := os.Create(st.Path(cpuPath))
	if err != nil {
		return nil, exitcode.Invalidf("--cpuprofile: %v: pass a file in a directory that can be written", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: starting the CPU profile: %w", err)
	}
	p.cpu = f
	return p, nil
}

// stop ends the CPU profile and writes the memory profile: the allocations
// since the process started, sampled, and what is in use after a collection.
func (p *profiles) stop() error {
	var errs []error
	if p.cpu != nil {
		pprof.StopCPUProfile()
		if err := p.cpu.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--cpuprofile: writing %s: %w: check the disk", p.cpu.Name(), err))
		}
	}
	if p.mem != "" {
		runtime.GC()
		err := p.st.WriteFile(p.mem, func(w io.Writer) error { return pprof.Lookup("allocs").WriteTo(w, 0) })
		if err != nil {
			errs = append(errs, fmt.Errorf("--memprofile: writing %s: %w: pass a file in a directory that can be written", p.mem, err))
		}
	}
	return errors.Join(errs...)
}
