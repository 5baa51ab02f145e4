//go:build !unix

package functions

import (
	"os"
	"os/exec"
)

// isolate does nothing where process groups are not available.
func isolate(cmd *exec.Cmd) *exec.Cmd { return cmd }

// killGroup kills p alone where process groups are not available.
func killGroup(p *os.Process) {
	if p != nil {
		_ = p.Kill()
	}
}
