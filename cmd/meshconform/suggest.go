package main

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/internal/suggest"
	"github.com/meshconform/meshconform/reports/render"
)

// flagError is every command's answer to a flag it cannot read: the error, the closest flag
// when the name is unknown, and the usage line (exit 2).
func flagError(c *cobra.Command, err error) error {
	msg := err.Error()
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		c.InheritedFlags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
		if near := suggest.Closest(ne.GetSpecifiedName(), names); len(near) > 0 {
			msg += "; did you mean --" + strings.Join(near, " or --") + "?"
		}
	}
	return usage("%s\nusage: %s\n(`%s --help` lists every flag)", msg, c.UseLine(), c.CommandPath())
}

// checkOnlyGlobs refuses an --only glob that selects no check, before anything is started or
// sent, naming the IDs or groups that come close: a typo would otherwise run nothing and say so
// only after a portal was started and probed.
func checkOnlyGlobs(flag, lister string, globs []string, ids []string) error {
	for _, g := range globs {
		if _, err := path.Match(g, ""); err != nil {
			return usage("%s %q: %v", flag, g, err)
		}
		matched := false
		for _, id := range ids {
			if ok, _ := path.Match(g, id); ok {
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		if near := suggest.Closest(g, suggest.Globs(ids)); len(near) > 0 {
			return usage("%s %q matches no check; did you mean %s?", flag, g, strings.Join(near, " or "))
		}
		return usage("%s %q matches no check (`%s --list` lists them)", flag, g, lister)
	}
	return nil
}

// checkSections refuses a --section prefix that selects no check, naming the sections that
// come close, before anything is started or sent.
func checkSections(prefixes, sections []string) error {
	for _, p := range prefixes {
		sel := harness.Selection{Sections: []string{p}}
		if slices.ContainsFunc(sections, func(sec string) bool { return sel.Selects("", sec, harness.MUST) }) {
			continue
		}
		distinct := slices.Compact(slices.Sorted(slices.Values(sections)))
		if near := suggest.Closest(p, distinct); len(near) > 0 {
			return usage("--section %q selects no check; did you mean %s?", p, strings.Join(near, " or "))
		}
		return usage("--section %q selects no check (`meshconform run --list` shows each check's section)", p)
	}
	return nil
}

// parseReports reads a --report list as render.ParseList does, and names the nearest format of
// one it does not know.
func parseReports(list string) ([]string, error) {
	formats, err := render.ParseList(list)
	if err == nil {
		return formats, nil
	}
	for _, part := range strings.Split(list, ",") {
		part = strings.TrimSpace(part)
		if _, lerr := render.Lookup(part); part != "" && lerr != nil {
			if near := suggest.Closest(part, render.Names()); len(near) > 0 {
				return nil, usage("--report: %v; did you mean %s?", err, strings.Join(near, " or "))
			}
		}
	}
	return nil, usage("--report: %v", err)
}

// guardGroups gives every command that only groups others (vectors, dare, spec, ...) an answer
// to an unknown subcommand: cobra prints the group's help and exits 0 for `vectors rnu`, which a
// CI script would take for success. Bare, a group still prints its help (exit 0).
func guardGroups(c *cobra.Command) {
	for _, sub := range c.Commands() {
		guardGroups(sub)
	}
	if c == rootCmd || !c.HasSubCommands() || c.Runnable() {
		return
	}
	c.Args = cobra.ArbitraryArgs
	c.RunE = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return c.Help()
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
		var names []string
		for _, sub := range c.Commands() {
			names = append(names, sub.Name())
		}
		if near := suggest.Closest(args[0], names); len(near) > 0 {
			msg += "; did you mean " + strings.Join(near, " or ") + "?"
		}
		return usage("%s\nusage: %s COMMAND\n(`%s --help` lists its commands)", msg, c.CommandPath(), c.CommandPath())
	}
}

func init() {
	rootCmd.SetFlagErrorFunc(flagError)
}

// idsOf lists the IDs of checks.
func idsOf(checks []harness.Check) []string {
	ids := make([]string, len(checks))
	for i, c := range checks {
		ids[i] = c.ID
	}
	return ids
}
