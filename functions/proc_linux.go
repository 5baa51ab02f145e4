package functions

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// pipeUnread returns how many bytes written to the pipe f are not read yet.
func pipeUnread(f *os.File) (int, bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	n, ierr := 0, error(nil)
	read := func(fd uintptr) { n, ierr = unix.IoctlGetInt(int(fd), unix.TIOCINQ) } // TIOCINQ is FIONREAD
	if err := rc.Control(read); err != nil || ierr != nil {
		return 0, false
	}
	return n, true
}

// dieWithParent asks the kernel to SIGKILL the child when the thread that
// started it exits, so that a caliper killed with SIGKILL leaves no program
// behind. The thread must live as long as caliper: see procStarter.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
