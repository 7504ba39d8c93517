package shim

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
)

// holdEnv makes the test binary, started as a client, hold that many MiB and exit 0.
const holdEnv = "SHIM_TEST_HOLD_MIB"

var held []byte

func TestMain(m *testing.M) {
	if n, err := strconv.Atoi(os.Getenv(holdEnv)); err == nil {
		hold(n)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// hold allocates n MiB and touches every page, so that it is resident.
func hold(n int) {
	held = make([]byte, n<<20)
	for i := 0; i < len(held); i += 4096 {
		held[i] = 1
	}
}

// TestMaxRSSIsTheClients: a client's peak memory is its own, never the harness's. A client
// holding 96 MiB is reported at least that; once the harness has held 256 MiB, a client holding
// none is reported far below it, or not at all (Go starts the client with vfork and Linux keeps
// the larger peak across exec, so the kernel's figure was the harness's 256 MiB).
func TestMaxRSSIsTheClients(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the kernel's figure and this process's own peak are read from Linux's")
	}
	self, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	run := func(mib int) *Result {
		s := New(self, &Config{Env: []string{holdEnv + "=" + strconv.Itoa(mib)}})
		r := s.Run(context.Background(), Invocation{Portal: "http://127.0.0.1:1/", State: t.TempDir(), Op: []string{"hello"}})
		if r.Class != ClassOK {
			t.Fatalf("the client holding %d MiB: %s", mib, r.Summary())
		}
		return r
	}
	if r := run(96); r.MaxRSSKiB < 96<<10 {
		t.Errorf("a client holding 96 MiB reported at %d KiB", r.MaxRSSKiB)
	}
	hold(256)
	if r := run(0); r.MaxRSSKiB >= 128<<10 {
		t.Errorf("a client holding nothing, started by a harness holding 256 MiB, reported at %d KiB: the harness's peak", r.MaxRSSKiB)
	}
	held = nil
}
