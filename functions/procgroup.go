//go:build unix && !linux

package functions

import (
	"os"
	"os/exec"
	"syscall"
)

// isolate makes cmd the leader of a new process group, so that killGroup
// reaches every process it starts, grandchildren included (Linux runs it
// under a guard instead: see guard_linux.go).
func isolate(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// killGroup sends SIGKILL to the process group led by p. A group that is
// already gone is not an error.
func killGroup(p *os.Process) {
	if p != nil {
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	}
}
