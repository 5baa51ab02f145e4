package functions

import (
	"os"

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
