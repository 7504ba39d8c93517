package main

import (
	"testing"

	"github.com/spf13/cobra"
)

// TestRestoreFlagDefaults: after a command ran with flags given, each flag is back at its
// default, slice flags included (whose Set appends rather than replaces).
func TestRestoreFlagDefaults(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	cmd.Flags().String("format", "text", "")
	cmd.Flags().StringArray("only", nil, "")
	cmd.Flags().StringSlice("skip", []string{"abuse.*", "wire.*"}, "")
	cmd.Flags().Int("n", 3, "")
	if err := cmd.Flags().Parse([]string{"--format", "json", "--only", "a", "--only", "b", "--skip", "c", "--n", "9"}); err != nil {
		t.Fatal(err)
	}
	restoreFlagDefaults(cmd)
	for name, want := range map[string]string{"format": "text", "only": "[]", "skip": "[abuse.*,wire.*]", "n": "3"} {
		f := cmd.Flags().Lookup(name)
		if got := f.Value.String(); got != want || f.Changed {
			t.Errorf("--%s after restore: %q (changed %v), want %q", name, got, f.Changed, want)
		}
	}
}
