package main

import (
	"io"
	"os"

	"github.com/caliperhq/caliper/spec"
)

// State is everything a command may touch outside itself: its standard streams,
// environment, working directory and file system. Tests build their own.
type State struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Env    map[string]string
	Dir    string
	FS     spec.FS
}

// NewOSState returns the state of the running process.
func NewOSState() *State {
	dir, err := os.Getwd()
	if err != nil {
		dir = "."
	}
	env := map[string]string{}
	for _, kv := range os.Environ() {
		for i := 0; i < len(kv); i++ {
			if kv[i] == '=' {
				env[kv[:i]] = kv[i+1:]
				break
			}
		}
	}
	return &State{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: env, Dir: dir, FS: spec.OSFS{}}
}

// Environ returns the environment as KEY=VALUE strings, for child processes.
func (st *State) Environ() []string {
	out := make([]string, 0, len(st.Env))
	for k, v := range st.Env {
		out = append(out, k+"="+v)
	}
	return out
}
