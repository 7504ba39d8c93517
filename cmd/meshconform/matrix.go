package main

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/reports/matrix"
	"github.com/meshconform/meshconform/reports/render"
)

// `meshconform matrix`: the same seeded suite against several portals, one table.
func init() {
	var f runFlags
	var portals, hosts []string
	var targetReports string
	var crossSkip []string
	cmd := &cobra.Command{
		Use:   "matrix --portal NAME=URL --portal NAME=URL [flags]",
		Short: "Run the same seeded suite against several portals and compare them in one table (check x portal)",
		Long: `Run the suite, with one seed and one selection, against each --portal in turn (exactly as
meshconform run does: the same pre-flight, flags and judging) and write one table, check x
portal, with the checks whose outcomes differ between the portals first.

A portal is NAME=URL, or NAME=embedded for the embedded reference portal started on loopback,
optionally with its misbehaviour knobs and allowances after a colon, comma-separated:
  ref=embedded
  knob=embedded:bug=omit-status
  two=embedded:bug=omit-status,bug=skip-host-check,allow=ALLOWANCE
(knobs: meshportal --list-bugs; allowances: meshportal --list-allowances). NAME is letters,
digits, '.', '_' or '-': it names the portal's column and its folder under --report-dir.
--host NAME=HOST sets the Host header and DNS name of one portal. The TLS, header, proxy,
timeout and rate flags apply to every portal.

--report chooses the matrix's formats (json, md, html: matrix.json, matrix.md, matrix.html).
Each portal's own run is written to --report-dir/NAME/ (run.json, report.html and the formats
of --target-report); every cell of the matrix links to its finding in that report. When --seed
is not given one seed is picked and used for every portal, so that each check sends every
portal the same requests until their answers lead it elsewhere. --deadline bounds each
portal's run.

The cross-check compares, check by check and exchange by exchange, each portal's answers with
the first portal's (the baseline) by structure: HTTP status class, response tag, payload Status
class, the payload members present (an empty list counts as absent). Where a check's requests
part (another transaction), its comparison stops; checks whose requests follow the portal's
timing (--cross-check-skip, by default abuse.*) are left out. Every difference is listed with both
exchanges as a disagreement: the documents may allow both answers, so a disagreement never
changes the exit code.

Exit codes:
  0  every portal passes (as meshconform run would exit 0 for each)
  1  at least one portal does not conform
  2  usage or configuration, or a portal could not be run (failed pre-flight, deadline): the
     matrix is written all the same, with that portal's column "not-run"`,
		Example: `  # the embedded reference portal against itself with one knob: the knob's checks differ
  meshconform matrix --portal ref=embedded --portal knob=embedded:bug=omit-status --only 'wire.*'

  # two implementations side by side, every matrix format
  meshconform matrix --portal alice=https://alice.example/ --portal bob=https://10.0.0.7:8443/ --host bob=bob.example --insecure --report html,md,json --report-dir interop`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runMatrix(c, &f, portals, hosts, targetReports, crossSkip)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&portals, "portal", nil, "a portal to compare: NAME=URL or NAME=embedded[:bug=KNOB,allow=ALLOWANCE,...] (repeatable, at least two)")
	fl.StringVar(&targetReports, "target-report", "json,html", "each portal's own report formats, in --report-dir/NAME/ (json and html are always written: the matrix reads the one and links into the other): "+strings.Join(render.Names(), ","))
	fl.StringArrayVar(&crossSkip, "cross-check-skip", []string{"abuse.*"}, "checks (ID globs) the cross-check leaves out: by default the abuse checks, whose requests follow the portal's timing and rate limits")
	fl.StringArrayVar(&hosts, "host", nil, "NAME=HOST: the Host header and DNS name of the portal NAME (repeatable)")
	// run's own flags, less those that name one portal (--portal, --host, --bug, --allow): the
	// same variables, so that every portal is reached and judged the way run would.
	var shared pflag.FlagSet
	f.registerTarget(&shared)
	shared.VisitAll(func(x *pflag.Flag) {
		switch x.Name {
		case "portal", "host", "bug", "allow":
		default:
			fl.AddFlag(x)
		}
	})
	f.registerSelection(fl)
	f.registerJudging(fl, "meshconform-matrix")
	_ = fl.MarkHidden("list") // run's; refused here, since a matrix of lists compares nothing
	rep := fl.Lookup("report")
	rep.Usage = "matrix formats to write: " + strings.Join(matrix.Names(), ",")
	rep.DefValue = "json,md,html"
	_ = rep.Value.Set(rep.DefValue)
	rootCmd.AddCommand(cmd)
}

// matrixTarget is one --portal: its name and how runSuite reaches it.
type matrixTarget struct {
	name, url, host string
	bugs, allows    []string
}

var targetName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// dryRun reads every flag the way run does, before any portal is run: run's own --list pass on
// the first portal (it sends nothing, writes nothing) finds a bad --only, --level, --shard or
// --expect, or an empty selection, once, instead of once per portal after the first has run.
func dryRun(c *cobra.Command, base *runFlags, t matrixTarget) error {
	f := *base
	f.portal, f.host, f.bugs, f.allows, f.list = t.url, t.host, t.bugs, t.allows, true
	c.SetOut(io.Discard)
	defer c.SetOut(nil)
	return runSuite(c, &f)
}

// parseMatrixTargets reads the --portal and --host values; every mistake is a usage error found
// before any portal is started.
func parseMatrixTargets(portals, hosts []string) ([]matrixTarget, error) {
	if len(portals) < 2 {
		return nil, usage("matrix: give at least two --portal NAME=URL (NAME=embedded for the reference portal)")
	}
	var out []matrixTarget
	index := map[string]int{}
	for _, p := range portals {
		name, where, ok := strings.Cut(p, "=")
		if !ok || where == "" {
			return nil, usage("--portal %q: want NAME=URL or NAME=embedded[:bug=KNOB,...]", p)
		}
		if !targetName.MatchString(name) || name == "." || name == ".." {
			return nil, usage("--portal %q: the name %q must be letters, digits, '.', '_' or '-'", p, name)
		}
		if _, dup := index[name]; dup {
			return nil, usage("--portal: the name %q is given twice", name)
		}
		t := matrixTarget{name: name}
		if where == "embedded" || strings.HasPrefix(where, "embedded:") {
			knobs := strings.TrimPrefix(strings.TrimPrefix(where, "embedded"), ":")
			var bugs portal.Bugs
			var allow portal.Allow
			for _, k := range strings.Split(knobs, ",") {
				if k == "" {
					continue
				}
				kind, v, _ := strings.Cut(k, "=")
				switch kind {
				case "bug":
					if err := bugs.Set(v); err != nil {
						return nil, usage("--portal %s: %v", name, err)
					}
					t.bugs = append(t.bugs, v)
				case "allow":
					if err := allow.Set(v); err != nil {
						return nil, usage("--portal %s: %v", name, err)
					}
					t.allows = append(t.allows, v)
				default:
					return nil, usage("--portal %s: %q is neither bug=KNOB nor allow=ALLOWANCE", name, k)
				}
			}
		} else {
			u, err := normalizePortal(where)
			if err != nil {
				return nil, err
			}
			t.url = u
		}
		index[name] = len(out)
		out = append(out, t)
	}
	for _, h := range hosts {
		name, host, ok := strings.Cut(h, "=")
		i, known := index[name]
		switch {
		case !ok || host == "":
			return nil, usage("--host %q: want NAME=HOST", h)
		case !known:
			return nil, usage("--host %q: no --portal is named %q", h, name)
		}
		out[i].host = host
	}
	return out, nil
}

func runMatrix(c *cobra.Command, base *runFlags, portals, hosts []string, targetReports string, crossSkip []string) error {
	out := c.OutOrStdout()
	if base.list {
		return usage("matrix: --list sends nothing to compare; use meshconform run --list")
	}
	targets, err := parseMatrixTargets(portals, hosts)
	if err != nil {
		return err
	}
	formats, err := matrix.ParseList(base.reports)
	if err != nil {
		return usage("--report: %v", err)
	}
	for _, g := range crossSkip {
		if _, err := path.Match(g, ""); err != nil {
			return usage("--cross-check-skip %q: %v", g, err)
		}
	}
	if _, err := parseReports(targetReports); err != nil {
		return err
	}
	perTarget := "json,html," + targetReports
	seed := base.seed
	if seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = int64(binary.BigEndian.Uint64(b[:])>>1) | 1
	}
	if err := dryRun(c, base, targets[0]); err != nil {
		return err
	}
	fmt.Fprintf(out, "matrix: %d portals, seed %d\n", len(targets), seed)

	ctx, cancel := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	// runSuite reads the command's context; put the caller's back after, so a later command line
	// in the same process (tests) does not start canceled.
	prev := c.Context()
	c.SetContext(ctx)
	defer c.SetContext(prev)
	var cols []matrix.Target
	for _, t := range targets {
		dir := filepath.Join(base.reportDir, t.name)
		col := matrix.Target{Name: t.name, Report: filepath.ToSlash(filepath.Join(t.name, "report.html"))}
		if ctx.Err() != nil {
			col.Problem, col.Report = "canceled before it ran", ""
			cols = append(cols, col)
			continue
		}
		// A run that does not start leaves an earlier report as it was: remove it first, so the
		// matrix never shows a stale run as this one.
		for _, stale := range []string{"run.json", "report.html"} { // what the matrix reads and links to
			if err := os.Remove(filepath.Join(dir, stale)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return usage("matrix: %v", err)
			}
		}
		fmt.Fprintf(out, "\n== %s ==\n", t.name)
		f := *base
		f.portal, f.host, f.bugs, f.allows = t.url, t.host, t.bugs, t.allows
		f.seed, f.reportDir, f.reports = seed, dir, perTarget
		runErr := runSuite(c, &f)
		run, err := readRun("matrix", filepath.Join(dir, "run.json"))
		if err != nil {
			col.Report = ""
			col.Problem = "the run did not start"
			if runErr != nil {
				col.Problem = runErr.Error()
			}
			fmt.Fprintf(out, "%s: not run: %s\n", t.name, col.Problem)
		}
		col.Run = run
		cols = append(cols, col)
	}
	m, err := matrix.Build(cols, matrix.Options{CrossCheckSkip: crossSkip})
	if err != nil {
		return usage("%v", err)
	}
	written, err := matrix.WriteAll(base.reportDir, formats, m)
	if err != nil {
		return failed("write the matrix: %v", err)
	}
	fmt.Fprintf(out, "\nmatrix: %d of %d checks differ between the portals\n", m.Differing, len(m.Rows))
	for _, id := range m.DifferingIDs() {
		fmt.Fprintf(out, "  %s\n", id)
	}
	fmt.Fprintf(out, "cross-check: %d answers differ in structure from %s's to the same request (disagreements, not failures)\n",
		len(m.Disagreements), targets[0].name)
	for _, w := range written {
		fmt.Fprintf(out, "report: %s\n", w)
	}
	switch m.ExitCode() {
	case result.ExitClean:
		return nil
	case result.ExitFailure:
		return failed("matrix: at least one portal does not conform (see the matrix)")
	default:
		return usage("matrix: at least one portal could not be run (see the matrix)")
	}
}
