package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render"
	"github.com/meshconform/meshconform/reports/sarif"
)

var reportFlags struct {
	from, format, out, baseline string
}

var reportCmd = &cobra.Command{
	Use:   "report --from RUN.json --format FORMAT [--out FILE] [--baseline OLD.sarif]",
	Short: "Render a saved run in another format (" + strings.Join(render.Names(), ", ") + ")",
	Long: `report renders the JSON record of a finished run (written by --report json or
--report-dir) in any report format, so a format can be produced without running the checks
again. --baseline gives a previous SARIF log: each SARIF result then carries a baselineState
(new, unchanged, updated, absent). It exits 0 when the report was written and 2 when its input
could not be read; the run's own verdict does not change the exit code (use diff as a gate).`,
	Args: cobra.NoArgs,
	RunE: runReport,
}

func init() {
	f := reportCmd.Flags()
	f.StringVar(&reportFlags.from, "from", "", "the run's JSON record (required)")
	f.StringVar(&reportFlags.format, "format", "", "output format: "+strings.Join(render.Names(), ", ")+" (required)")
	f.StringVarP(&reportFlags.out, "out", "o", "", "output file (default: standard output)")
	f.StringVar(&reportFlags.baseline, "baseline", "", "previous SARIF log for baselineState (sarif only)")
	rootCmd.AddCommand(reportCmd)
}

// restoreFlagDefaults restores a command's flags to their defaults. cobra keeps flag values between
// Execute calls on the same command tree, and tests run several command lines in one process.
func restoreFlagDefaults(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		// A slice flag's Set appends, and its DefValue is its default printed as "[a,b]".
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			var def []string
			if inner := strings.TrimSuffix(strings.TrimPrefix(f.DefValue, "["), "]"); inner != "" {
				def = strings.Split(inner, ",")
			}
			_ = sv.Replace(def)
		} else {
			_ = f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
}

// readRun loads a saved run; any problem with the file is a usage error (exit 2).
func readRun(what, path string) (*result.Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usage("%s: %w", what, err)
	}
	defer f.Close()
	run, err := result.Read(f)
	if err != nil {
		return nil, usage("%s: %s: %w", what, path, err)
	}
	return run, nil
}

func runReport(cmd *cobra.Command, _ []string) error {
	defer restoreFlagDefaults(cmd)
	fl := reportFlags
	if fl.from == "" {
		return usage("report: --from RUN.json is required")
	}
	if fl.format == "" {
		return usage("report: --format is required (one of %s)", strings.Join(render.Names(), ", "))
	}
	format, err := render.Lookup(fl.format)
	if err != nil {
		return usage("report: %w", err)
	}
	var opts render.Options
	if fl.baseline != "" {
		if format.Name != "sarif" {
			return usage("report: --baseline applies to --format sarif only")
		}
		if opts.Baseline, err = sarif.ReadBaselineFile(fl.baseline); err != nil {
			return usage("report: %w", err)
		}
	}
	run, err := readRun("report", fl.from)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := format.Render(&buf, run, opts); err != nil {
		return failed("report: %w", err)
	}
	if fl.out == "" {
		if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
			return failed("report: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(fl.out, buf.Bytes(), 0o644); err != nil {
		return usage("report: %w", err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", fl.out)
	return nil
}
