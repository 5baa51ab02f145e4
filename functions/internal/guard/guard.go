//go:build linux

package guard

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Env, set to "1", makes a process that links this package a guard: it runs
// os.Args[1:] and exits with its status, before main.
const Env = "CALIPER_EXEC_GUARD"

// exitStart is the guard's exit status when the program cannot start; the
// reason is on stderr.
const exitStart = 127

func init() {
	if os.Getenv(Env) == "1" {
		os.Exit(run(os.Args[1:]))
	}
}

// run is the guard's main: it runs argv and returns the exit status.
func run(argv []string) int {
	runtime.LockOSThread() // never unlocked: the program's parent thread lives until exit
	_ = os.Unsetenv(Env)
	_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	signal.Ignore(syscall.SIGINT, syscall.SIGHUP, syscall.SIGPIPE, syscall.SIGQUIT)
	life := os.NewFile(3, "caliper-life")
	syscall.CloseOnExec(3)
	if len(argv) == 0 {
		fmt.Fprintln(os.Stderr, "caliper exec guard: no program to run")
		return exitStart
	}

	cmd := &exec.Cmd{Path: argv[0], Args: argv} // looked up by caliper already
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		dir, _ := os.Getwd()
		fmt.Fprintf(os.Stderr, "starting %s in %s: %v: check exec.command and exec.dir\n", filepath.Base(argv[0]), dir, err)
		return exitStart
	}
	// Caliper reads the program's stdout to its end: only the program may
	// hold it open.
	_ = os.Stdin.Close()
	_ = os.Stdout.Close()

	var endOnce sync.Once
	end := func(status int) {
		endOnce.Do(func() {
			endAll(cmd.Process.Pid)
			os.Exit(status)
		})
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM)
	go func() { <-stop; end(128 + int(syscall.SIGKILL)) }()
	go func() { _, _ = io.Copy(io.Discard, life); end(128 + int(syscall.SIGKILL)) }()

	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(cmd.Process.Pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil { // reaped by endAll, which exits
			select {}
		}
		break
	}
	status := ws.ExitStatus()
	if ws.Signaled() {
		status = 128 + int(ws.Signal())
		if sig := ws.Signal(); sig == syscall.SIGKILL || sig == syscall.SIGTERM {
			endOnce.Do(func() {
				endAll(cmd.Process.Pid)
				signal.Reset(sig)
				_ = unix.Kill(os.Getpid(), sig)
			})
		}
	}
	end(status)
	return status
}

// endAll kills the process group pgid, then every child of the guard (the
// program, or what was reparented to the guard), and reaps them, until none
// is left: a killed process's own children are reparented to the guard in
// turn.
func endAll(pgid int) {
	_ = unix.Kill(-pgid, unix.SIGKILL)
	var ws unix.WaitStatus
	for {
		// Most programs leave nothing: then there is no child to look for.
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case err == unix.ECHILD:
			return
		case err == unix.EINTR || pid > 0:
			continue
		}
		for _, pid := range children() {
			_ = unix.Kill(pid, unix.SIGKILL)
		}
		if _, err := unix.Wait4(-1, &ws, 0, nil); err == unix.ECHILD {
			return
		}
	}
}

// children lists the guard's child processes.
func children() []int {
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	var pids []int
	if len(tasks) == 0 {
		return scanChildren()
	}
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// scanChildren finds the guard's children in /proc when the kernel has no
// children files.
func scanChildren() []int {
	self := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) > 1 {
			if ppid, _ := strconv.Atoi(fields[1]); ppid == self {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}
