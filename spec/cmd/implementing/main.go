// Command implementing writes docs/IMPLEMENTING.md, the implementer's guide rendered from
// spec/ (spec.ImplementingGuide). `go generate ./spec` runs it; TestImplementingGuideIsCurrent
// fails when the committed guide differs from what spec/ renders.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/meshconform/meshconform/spec"
)

func main() {
	out := flag.String("out", "", "file to write (default: standard output)")
	flag.Parse()
	s, err := spec.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "implementing:", err)
		os.Exit(1)
	}
	guide := s.ImplementingGuide()
	if *out == "" {
		_, err = os.Stdout.Write(guide)
	} else {
		err = os.WriteFile(*out, guide, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "implementing:", err)
		os.Exit(1)
	}
}
