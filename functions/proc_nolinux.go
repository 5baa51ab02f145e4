//go:build !linux

package functions

import (
	"os"
	"syscall"
)

// pipeUnread is not known here.
func pipeUnread(*os.File) (int, bool) { return 0, false }

// dieWithParent has no parent-death signal to set here.
func dieWithParent(*syscall.SysProcAttr) {}
