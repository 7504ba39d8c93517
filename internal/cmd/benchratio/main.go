package main

import (
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// run reads the benchmark output named in args (standard input for none or "-").
func run(args []string, stdin io.Reader, stdout io.Writer) error {
	in, name := stdin, "stdin"
	if len(args) > 1 {
		return fmt.Errorf("usage: benchratio [bench-portal.txt]")
	}
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return fmt.Errorf("benchratio: %w", err)
		}
		defer f.Close()
		in, name = f, args[0]
	}
	rounds, err := readRounds(in, name)
	if err != nil {
		return err
	}
	if missing := report(stdout, rounds); len(missing) > 0 {
		return fmt.Errorf("benchratio: not measured: %s", strings.Join(missing, "; "))
	}
	return nil
}
