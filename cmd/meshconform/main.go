// Command meshconform is the conformance and fuzz testing suite for the Mathematical Mesh portal
// protocol. Each subcommand lives in its own file and registers itself on the root command.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes shared by every subcommand.
const (
	exitOK      = 0 // success
	exitFailure = 1 // a check failed: a mismatch, a bad signature, a failing run
	exitUsage   = 2 // bad input, usage, configuration, or an unreachable target
)

// exitError carries an exit code out of a subcommand; its message goes to stderr.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// failed reports a check failure (exit 1).
func failed(format string, args ...any) error {
	return &exitError{code: exitFailure, err: fmt.Errorf(format, args...)}
}

// usage reports bad input or usage (exit 2).
func usage(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

var rootCmd = &cobra.Command{
	Use:           "meshconform",
	Short:         "Conformance and fuzz testing suite for the Mathematical Mesh portal protocol",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the command line and maps its error to an exit code.
func run(args []string) int {
	guardGroups(rootCmd)
	rootCmd.SetArgs(args)
	err := rootCmd.Execute()
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(rootCmd.ErrOrStderr(), "meshconform:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// cobra's own errors are about flags and arguments.
	return exitUsage
}
