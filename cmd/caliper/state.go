package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/caliperhq/caliper/internal/atomicfile"
	"github.com/caliperhq/caliper/spec"
)

// State is everything a command may touch outside itself: its standard
// streams, environment, working directory, file system, the files it writes,
// the signals it gets and whether stderr is a terminal. Tests build their own
// and so never touch the real process.
type State struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Env    map[string]string
	Dir    string
	FS     spec.FS
	// Terminal says stderr is a terminal: progress is redrawn in place.
	Terminal bool
	// Signals subscribes to the signals that interrupt a run (SIGINT,
	// SIGTERM) and returns them with a function that unsubscribes; nil
	// means no signal ever comes.
	Signals func() (<-chan os.Signal, func())
	// Exit ends the process at once, on a third signal or when the work in
	// flight outlives AbortGrace after the second; nil does nothing.
	Exit func(code int)
	// AbortGrace is how long the work in flight may take to stop after the
	// second signal; 0 means defaultAbortGrace.
	AbortGrace time.Duration
}

// defaultAbortGrace bounds the wait for aborted calls and the final flush.
const defaultAbortGrace = 10 * time.Second

// NewOSState returns the state of the running process.
func NewOSState() *State {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return &State{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: env, Dir: dir, FS: spec.OSFS{},
		Terminal: isTerminal(os.Stderr), Signals: osSignals, Exit: os.Exit}
}

// osSignals subscribes to the process's SIGINT and SIGTERM.
func osSignals() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 3)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM)
	return c, func() { signal.Stop(c) }
}

func isTerminal(f *os.File) bool {
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// Environ returns the environment as KEY=VALUE strings, for child processes.
func (st *State) Environ() []string {
	out := make([]string, 0, len(st.Env))
	for k, v := range st.Env {
		out = append(out, k+"="+v)
	}
	return out
}

// warn prints a warning on stderr.
func (st *State) warn(msg string) { fmt.Fprintf(st.Stderr, "warning: %s\n", msg) }

// Path makes a path given on the command line absolute, relative to Dir.
func (st *State) Path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(st.Dir, p)
}

// Display names a path relative to Dir, unless it lies two or more levels
// above it.
func (st *State) Display(p string) string {
	if rel, err := filepath.Rel(st.Dir, p); err == nil && !strings.HasPrefix(rel, "../..") {
		return rel
	}
	return p
}

// WriteFile writes path (relative to Dir) atomically with what fill writes:
// readers see the old file or the whole new one, never a part.
func (st *State) WriteFile(path string, fill func(io.Writer) error) error {
	return atomicfile.Write(st.Path(path), fill)
}
