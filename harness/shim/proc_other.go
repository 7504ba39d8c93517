//go:build !unix

package shim

import (
	"os"
	"os/exec"
)

func setProcessGroup(*exec.Cmd) {}

func killGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}

func exitedNormally(ps *os.ProcessState) bool { return ps.Exited() }

func signalOf(*os.ProcessState) (string, bool) { return "", false }

func maxRSS(*os.ProcessState) int64 { return 0 }
