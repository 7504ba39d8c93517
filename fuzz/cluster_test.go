package fuzz

import (
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var (
	workerLine      = regexp.MustCompile(`(?m)^worker (\d+): execs=(\d+)$`)
	coordinatorLine = regexp.MustCompile(`(?m)^coordinator: workers: (\d+),.* execs: (\d+) `)
)

// TestGoFuzzCluster runs fuzz/gofuzz-cluster.sh (make fuzz-cluster) at small scale: a go-fuzz
// coordinator and two workers over loopback for a few seconds; both workers must report execs,
// and the coordinator must count two workers and their execs.
func TestGoFuzzCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds a go-fuzz target (about 2 minutes) and runs a cluster")
	}
	for _, tool := range []string{"go-fuzz", "go-fuzz-build", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed, so the go-fuzz cluster is not tested here (CI installs it: "+
				"go install github.com/dvyukov/go-fuzz/go-fuzz@latest github.com/dvyukov/go-fuzz/go-fuzz-build@latest)", tool)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cmd := exec.Command("bash", "gofuzz-cluster.sh", "-t", "FuzzBase64", "-n", "2", "-d", "10",
		"-o", filepath.Join(dir, "build"), "-a", addr, "-c", filepath.Join(dir, "crashers"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gofuzz-cluster.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	ws := workerLine.FindAllSubmatch(out, -1)
	if len(ws) != 2 {
		t.Fatalf("%d worker lines, want 2:\n%s", len(ws), out)
	}
	for _, w := range ws {
		if n, _ := strconv.Atoi(string(w[2])); n == 0 {
			t.Fatalf("worker %s reported no execs:\n%s", w[1], out)
		}
	}
	c := coordinatorLine.FindSubmatch(out)
	if c == nil {
		t.Fatalf("no coordinator statistics:\n%s", out)
	}
	if n, _ := strconv.Atoi(string(c[1])); n != 2 {
		t.Fatalf("the coordinator counts %s workers, want 2:\n%s", c[1], out)
	}
	if n, _ := strconv.Atoi(string(c[2])); n == 0 {
		t.Fatalf("the coordinator counts no execs:\n%s", out)
	}
}
