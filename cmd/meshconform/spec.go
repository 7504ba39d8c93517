package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/spec/lint"
)

// specCmd groups the commands that work on the specification itself rather than on a target.
var specCmd = &cobra.Command{
	Use:   "spec",
	Short: "Inspect the protocol specification: the draft, the schema, the requirement catalog",
}

var specLintFormat string

var specLintCmd = &cobra.Command{
	Use:   "lint [DRAFT.txt]",
	Short: "Report the draft's own defects and its differences from the project schema",
	Long: `lint reads the draft's text (by default the copy built into this binary), cross-checks it
against the project schema and prints one line per defect, "SECTION  KIND  message", sorted by
section, then a count line. It exits 0 whenever it ran, findings or not, and 2 when it could not
read its input.`,
	Args: cobra.MaximumNArgs(1),
	RunE: runSpecLint,
}

func init() {
	specLintCmd.Flags().StringVar(&specLintFormat, "format", "text", "output format: text or json")
	specCmd.AddCommand(specLintCmd)
	rootCmd.AddCommand(specCmd)
}

func runSpecLint(cmd *cobra.Command, args []string) error {
	if specLintFormat != "text" && specLintFormat != "json" {
		return usage("spec lint: unknown --format %q (want text or json)", specLintFormat)
	}
	s, err := spec.Load()
	if err != nil {
		return failed("spec lint: the built-in spec does not load: %w", err)
	}
	draft := s.DraftText
	if len(args) == 1 {
		data, err := os.ReadFile(args[0])
		if err != nil {
			return usage("spec lint: %w", err)
		}
		draft = string(data)
	}
	findings, err := lint.Lint(draft, &s.Schema)
	if errors.Is(err, lint.ErrNotADraft) {
		return usage("spec lint: %s: %w", inputName(args), err)
	}
	if err != nil {
		return failed("spec lint: %w", err)
	}
	out := cmd.OutOrStdout()
	if specLintFormat == "json" {
		err = lint.WriteJSON(out, findings)
	} else {
		err = lint.WriteText(out, findings)
	}
	if err != nil {
		return failed("spec lint: %w", err)
	}
	return nil
}

func inputName(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return "built-in draft"
}
