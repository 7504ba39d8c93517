package conformance

import (
	"flag"
	"os"
	"testing"

	"github.com/meshconform/meshconform/internal/testparallel"
)

// TestMain lets the self-tests' suite runs overlap their waits even when go test's default
// -parallel (GOMAXPROCS) is 1: see internal/testparallel.
func TestMain(m *testing.M) {
	flag.Parse()
	testparallel.AtLeast(testparallel.ForWaitingTests)
	os.Exit(m.Run())
}
