//go:build unix

package shim

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// setProcessGroup puts the client in its own process group so that a kill reaches any child it
// started (a wrapper script's interpreter, a helper process).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	// The negative pid names the group; fall back to the process alone.
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil {
		return cmd.Process.Kill()
	}
	return nil
}

func exitedNormally(ps *os.ProcessState) bool {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	return ok && ws.Exited()
}

func signalOf(ps *os.ProcessState) (string, bool) {
	ws, ok := ps.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() {
		return "", false
	}
	return ws.Signal().String(), true
}

// maxRSS is the client's peak resident memory in KiB, 0 when not known. On Linux the figure the
// kernel gives for a process started from this one is at least this process's own peak at the
// start: Go starts processes with vfork, and exec keeps the larger of the peak of the memory it
// leaves (this process's) and that of the new program. A figure no higher than this process's
// peak since (read once the client ended, so no lower than at the start) may be this process's
// and is not reported; a higher one can only be the client's. Darwin reports bytes, not KiB.
func maxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	kib := int64(ru.Maxrss)
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		kib >>= 10
	}
	if own, ok := ownPeakKiB(); ok && kib <= own {
		return 0
	}
	return kib
}

// ownPeakKiB is this process's peak resident memory (VmHWM), where /proc reports it.
func ownPeakKiB() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, false
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
