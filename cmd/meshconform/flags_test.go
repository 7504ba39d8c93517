package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// TestSharedFlagsMeanTheSame: a flag name used by several of the commands that test a target
// has one type and one default in all of them (--seed was an int64 in run and a uint in vectors
// run), except the defaults listed here with their reason. (The crypto tools, udf, dare, keygen
// and shamir, have flags of their own: --alg names a different algorithm family in each.) --seed
// is an int64 defaulting to 0 in every command, the crypto tools' included (it was a text there).
func TestSharedFlagsMeanTheSame(t *testing.T) {
	ownDefault := map[string]string{
		"fuzz --timeout":              "a request slower than 5s is a hang to the fuzzer, which values throughput",
		"client --check-timeout":      "a client check starts binaries and portals: slower than a portal check",
		"vectors run --check-timeout": "with --client, a vector is a client check: slower than a portal check",
		"replay --report-dir":         "a replay never overwrites the report of the run it replays",
		"fuzz --out":                  "fuzzer reproducers and model scripts are different files",
		"model --out":                 "fuzzer reproducers and model scripts are different files",
		"model --duration":            "model's default bound is --sequences; fuzz's is a campaign length",
	}
	testers := map[string]bool{"run": true, "replay": true, "client": true, "fuzz": true, "model": true, "vectors run": true}
	type use struct{ cmd, typ, def string }
	uses := map[string][]use{}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		path := strings.TrimPrefix(c.CommandPath(), "meshconform ")
		c.LocalFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" || !testers[path] {
				return
			}
			uses[f.Name] = append(uses[f.Name], use{path, f.Value.Type(), f.DefValue})
		})
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(rootCmd)
	seeds := 0
	var visitSeeds func(c *cobra.Command)
	visitSeeds = func(c *cobra.Command) {
		if f := c.LocalFlags().Lookup("seed"); f != nil {
			seeds++
			if f.Value.Type() != "int64" || f.DefValue != "0" {
				t.Errorf("%s --seed is %s (default %q), want int64 (default 0)", c.CommandPath(), f.Value.Type(), f.DefValue)
			}
		}
		for _, sub := range c.Commands() {
			visitSeeds(sub)
		}
	}
	visitSeeds(rootCmd)
	if seeds < 9 {
		t.Errorf("only %d commands with --seed found: the walk is broken", seeds)
	}
	names := make([]string, 0, len(uses))
	for n := range uses {
		names = append(names, n)
	}
	sort.Strings(names)
	shared := 0
	for _, name := range names {
		us := uses[name]
		if len(us) < 2 {
			continue
		}
		shared++
		var ref *use
		for i, u := range us {
			if _, ok := ownDefault[u.cmd+" --"+name]; ok {
				if us[i].typ != us[0].typ {
					t.Errorf("--%s is %s in %s and %s in %s", name, us[0].typ, us[0].cmd, u.typ, u.cmd)
				}
				continue
			}
			if ref == nil {
				ref = &us[i]
				continue
			}
			if u.typ != ref.typ || u.def != ref.def {
				t.Errorf("--%s is %s (default %q) in %s but %s (default %q) in %s", name, ref.typ, ref.def, ref.cmd, u.typ, u.def, u.cmd)
			}
		}
	}
	if shared < 10 {
		t.Errorf("only %d shared flags found: the walk is broken", shared)
	}
}
