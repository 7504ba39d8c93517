package testparallel

import (
	"flag"
	"strconv"
)

// AtLeast sets go test's -parallel to n when it is lower and the command line did not set
// it. Call it from TestMain after flag.Parse and before m.Run; an explicit -parallel wins.
func AtLeast(n int) { raise(flag.CommandLine, n) }

func raise(fs *flag.FlagSet, n int) {
	f := fs.Lookup("test.parallel")
	if f == nil {
		return // not a test binary
	}
	explicit := false
	fs.Visit(func(v *flag.Flag) { explicit = explicit || v.Name == f.Name })
	if cur, err := strconv.Atoi(f.Value.String()); explicit || err != nil || cur >= n {
		return
	}
	// The flag's own Set cannot fail for a decimal integer.
	_ = f.Value.Set(strconv.Itoa(n))
}

// ForWaitingTests is the -parallel the self-test packages ask for: enough for the waits of
// four suite runs to overlap, few enough that their computing parts do not starve each other
// on a two-core machine.
const ForWaitingTests = 4
