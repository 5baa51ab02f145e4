//go:build !unix

package functions

import (
	"os"
	"os/exec"
)

// ownGroup does nothing where process groups are not available.
func ownGroup(cmd *exec.Cmd) {}

// killGroup kills p alone where process groups are not available.
func killGroup(p *os.Process) {
	if p != nil {
		_ = p.Kill()
	}
}
