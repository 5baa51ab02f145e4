package functions

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"syscall"

	"github.com/caliperhq/caliper/functions/internal/guard"
)

// On Linux every exec program runs under a guard (package guard): caliper's
// own executable, started again with guardEnv set, which starts the program
// and ends with it.
// The guard is a child subreaper (PR_SET_CHILD_SUBREAPER), so whatever the
// program starts is reparented to the guard when its parent dies, even a
// grandchild that called setsid to leave the process group. When the program
// exits, when caliper asks (SIGTERM, from killGroup), or when caliper dies in
// any way, SIGKILL included (the life pipe on fd 3 reads EOF), the guard kills
// the program's process group, then kills and reaps every process reparented
// to it, and exits with the program's status. So nothing a call starts
// outlives the call, nor caliper.
//
// A parent-death signal alone would not do: it reaches only direct children,
// it is cleared for their children, and it fires when the thread that started
// the child exits, not the process. The guard sets it on the program as a
// second line (if the guard itself is SIGKILLed), from a locked thread that
// lives until the guard exits.
const guardEnv = guard.Env

var (
	lifeOnce sync.Once
	lifeR    *os.File // the read end, given to every guard as fd 3
	//lint:ignore U1000 never read: held (never closed, never collected) so that guards read EOF only once caliper has exited
	lifeW   *os.File
	lifeErr error
)

// lifePipe returns the read end of a pipe whose write end only caliper holds
// (close-on-exec), so that a guard reads EOF exactly when caliper is gone.
func lifePipe() (*os.File, error) {
	lifeOnce.Do(func() { lifeR, lifeW, lifeErr = os.Pipe() })
	return lifeR, lifeErr
}

// isolate returns cmd run under a guard: the same program, arguments, stdio,
// directory and environment, started by caliper's own executable. cmd.Path
// has been looked up already, so a missing program is reported by Start.
func isolate(cmd *exec.Cmd) *exec.Cmd {
	if cmd.Err != nil {
		return cmd
	}
	r, err := lifePipe()
	if err != nil {
		cmd.Err = fmt.Errorf("setting up the guard that ends the program with caliper: %w", err)
		return cmd
	}
	g := exec.Command("/proc/self/exe", append([]string{cmd.Path}, cmd.Args[1:]...)...)
	g.Args[0] = "caliper-exec-guard"
	g.Dir = cmd.Dir
	g.Env = append(slices.Clip(cmd.Env), guardEnv+"=1")
	if cmd.Env == nil {
		g.Env = append(os.Environ(), guardEnv+"=1")
	}
	g.ExtraFiles = []*os.File{r}
	g.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return g
}

// killGroup asks the guard of p to end its program: the guard kills the
// program's process group and everything reparented to it, then exits.
func killGroup(p *os.Process) {
	if p != nil {
		_ = p.Signal(syscall.SIGTERM)
	}
}
