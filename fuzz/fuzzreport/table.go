package fuzzreport

import (
	"fmt"
	"io"
	"path"
	"text/tabwriter"
)

// Summary writes the table of results. baseline names the target whose rate the others are
// compared with (the bare encoding/json target); "" leaves the ratio column out. dir is
// prefixed to crasher paths so that they read from the repository root.
func Summary(w io.Writer, results []*Result, baseline, dir string) error {
	var base float64
	for _, r := range results {
		if r.Target == baseline {
			base = r.ExecsPerSec()
		}
	}
	// Numbers align right; names are padded by hand so that they read left-aligned.
	width := len("target")
	for _, r := range results {
		width = max(width, len(r.Target))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := fmt.Sprintf("%-*s\texecs\texecs/sec\t", width, "target")
	if base > 0 {
		header += "vs json\t"
	}
	fmt.Fprintln(tw, header+"new interesting\tcorpus\tcrashers\t")
	for _, r := range results {
		row := fmt.Sprintf("%-*s\t%d\t%.0f\t", width, r.Target, r.Execs, r.ExecsPerSec())
		if base > 0 {
			row += fmt.Sprintf("%.2f\t", r.ExecsPerSec()/base)
		}
		crashers := fmt.Sprint(len(r.Crashers))
		if r.Failed && len(r.Crashers) == 0 {
			crashers = "FAIL"
		}
		if r.DeadlineFlake {
			crashers = "0*"
		}
		fmt.Fprintf(tw, "%s%d\t%d\t%s\t\n", row, r.NewInteresting, r.Total, crashers)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("fuzzreport: writing summary: %w", err)
	}
	for _, r := range results {
		if r.DeadlineFlake {
			fmt.Fprintf(w, "* %s: go test reported a bare \"context deadline exceeded\" at the end of -fuzztime with no crasher: Go's fuzzing coordinator race (golang/go#75804, fixed in Go 1.27), not a finding\n", r.Target)
		}
		for _, c := range r.Crashers {
			fmt.Fprintf(w, "crasher %s: %s\n", r.Target, path.Join(dir, c))
		}
		if r.FailingSeed != "" {
			fmt.Fprintf(w, "failing seed corpus entry %s (kept crashers are in %s)\n", r.FailingSeed, path.Join(dir, "testdata/fuzz", r.Target))
		}
		if r.Failed && len(r.Crashers) == 0 {
			fmt.Fprintf(w, "failure %s:\n", r.Target)
			for _, l := range r.Failure {
				fmt.Fprintf(w, "    %s\n", l)
			}
		}
	}
	return nil
}
