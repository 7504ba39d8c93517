//go:build unix

// Command peakrss runs a command and writes its peak resident memory in KiB to a file:
//
//	peakrss OUT COMMAND [ARG...]
//
// It exits as the command did (128 plus the signal when one ended it). It exists because a
// process's peak resident memory as its parent sees it (getrusage, os.ProcessState) includes
// the memory of the process that started it: Go starts commands with vfork, and Linux keeps the
// larger of the parent's and the command's peak across exec. A benchmark process holding
// tens of MiB would hide the figure of a command that uses less; started from this small
// process, the command's figure is its own to within this one's few MiB.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: peakrss OUT COMMAND [ARG...]")
		os.Exit(2)
	}
	cmd := exec.Command(os.Args[2], os.Args[3:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "peakrss:", err)
		os.Exit(2)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if ru != nil {
		if werr := os.WriteFile(os.Args[1], []byte(strconv.FormatInt(int64(ru.Maxrss), 10)), 0o600); werr != nil {
			fmt.Fprintln(os.Stderr, "peakrss:", werr)
			os.Exit(2)
		}
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		os.Exit(128 + int(ws.Signal()))
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
