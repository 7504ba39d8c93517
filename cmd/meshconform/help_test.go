package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpExamplesParse: every example in every command's help names a command that exists and
// flags it accepts, so the examples cannot rot as flags change; the help of every command that
// judges a target (run, replay, client, fuzz, model) states its exit codes.
func TestHelpExamplesParse(t *testing.T) {
	var visit func(c *cobra.Command)
	examples := 0
	visit = func(c *cobra.Command) {
		for _, line := range strings.Split(c.Example, "\n") {
			line = strings.TrimSpace(line)
			if !strings.HasPrefix(line, "meshconform ") {
				continue
			}
			examples++
			words := shellWords(t, line)[1:]
			cmd, rest, err := rootCmd.Find(words)
			if err != nil {
				t.Errorf("example %q: %v", line, err)
				continue
			}
			resetFlags(rootCmd)
			if err := cmd.ParseFlags(rest); err != nil {
				t.Errorf("example %q: %v", line, err)
			}
			if err := cmd.ValidateArgs(cmd.Flags().Args()); err != nil {
				t.Errorf("example %q: %v", line, err)
			}
		}
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(rootCmd)
	resetFlags(rootCmd)
	if examples < 7 {
		t.Errorf("%d examples found, want run's and replay's at least", examples)
	}
	for _, name := range []string{"run", "replay", "client", "fuzz", "model"} {
		code, out, _ := runCommand(t, name, "--help")
		for _, want := range []string{"Exit codes:\n  0  ", "\n  1  ", "\n  2  "} {
			if code != exitOK || !strings.Contains(out, want) {
				t.Errorf("%s --help: exit %d, lacks %q", name, code, want)
			}
		}
	}
}
