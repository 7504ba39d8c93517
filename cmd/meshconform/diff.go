package main

import (
	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/reports/diff"
)

var diffFormat string

var diffCmd = &cobra.Command{
	Use:   "diff OLD.json NEW.json",
	Short: "Compare two saved runs: new failures, fixed, changed, unchanged",
	Long: `diff compares two JSON run records check by check and lists the check IDs that newly
fail, were fixed, or changed outcome otherwise, with the counts of each class. A check fails
when its outcome is fail, xpass or error, or warn when the new run was strict. It exits 1 when
NEW fails a check that OLD did not fail (a regression gate for CI), 0 otherwise, and 2 when a
file cannot be read.`,
	Args: cobra.ExactArgs(2),
	RunE: runDiff,
}

func init() {
	diffCmd.Flags().StringVar(&diffFormat, "format", "text", "output format: text or json")
	rootCmd.AddCommand(diffCmd)
}

func runDiff(cmd *cobra.Command, args []string) error {
	defer restoreFlagDefaults(cmd)
	format := diffFormat
	if format != "text" && format != "json" {
		return usage("diff: unknown --format %q (want text or json)", format)
	}
	oldRun, err := readRun("diff", args[0])
	if err != nil {
		return err
	}
	newRun, err := readRun("diff", args[1])
	if err != nil {
		return err
	}
	rep := diff.Compare(oldRun, newRun)
	if format == "json" {
		err = rep.WriteJSON(cmd.OutOrStdout())
	} else {
		err = rep.WriteText(cmd.OutOrStdout())
	}
	if err != nil {
		return failed("diff: %w", err)
	}
	if rep.Regressed() {
		return failed("diff: %d new failure(s)", len(rep.NewFailures))
	}
	return nil
}
