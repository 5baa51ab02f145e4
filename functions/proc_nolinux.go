//go:build !linux

package functions

import (
	"os"
)

// pipeUnread is not known here.
func pipeUnread(*os.File) (int, bool) { return 0, false }
