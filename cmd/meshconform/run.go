package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/meshconform/meshconform/conformance"
	clientfuzz "github.com/meshconform/meshconform/fuzz/client"
	"github.com/meshconform/meshconform/fuzz/live"
	"github.com/meshconform/meshconform/fuzz/model"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/expect"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/reports/render"
	"github.com/meshconform/meshconform/reports/terminal"
	"github.com/meshconform/meshconform/spec"
)

// runFlags are the flags of `run` (and of `replay`, which is a run of one check).
type runFlags struct {
	portal, host, ca, clientCert, clientKey, proxy string
	insecure                                       bool
	headers                                        []string
	timeout, checkTimeout, deadline                time.Duration
	rate                                           float64
	jobs                                           int
	only, skip, sections, levels                   []string
	shard                                          string
	list, strict, noCleanup                        bool
	seed                                           int64
	expectFile                                     string
	reportDir, reports                             string
	bugs, allows                                   []string
	abuse                                          conformance.Abuse
}

// runExitCodes is the exit-code contract of run (and the Makefile's conform target).
const runExitCodes = `Exit codes:
  0  every selected check passed (warnings and info do not count unless --strict)
  1  the portal does not conform: a MUST failed, an expected failure passed, a check ended
     without a verdict (error), the portal died mid-run, or a warning under --strict
  2  the run could not be made: usage or configuration, a failed pre-flight, no check
     selected, or --deadline passed (the partial report is written)
  go run reports any non-zero code as 1, and make any as 2 (make conform prints the suite's
  own code last: "meshconform exited N"): in CI run a built binary,
  go install github.com/meshconform/meshconform/cmd/meshconform@VERSION`

// registerTarget adds the flags that say how to reach the portal and which embedded portal to
// start: the flags of every command that talks to a portal the way run does.
func (f *runFlags) registerTarget(fl *pflag.FlagSet) {
	fl.StringVar(&f.portal, "portal", "", "portal URL (default: start the embedded reference portal on loopback)")
	fl.StringVar(&f.host, "host", "", "Host header and portal DNS name (default: the URL's host)")
	fl.StringVar(&f.ca, "ca", "", "PEM file of CA certificates to trust (instead of the system roots)")
	fl.BoolVar(&f.insecure, "insecure", false, "skip TLS certificate verification")
	fl.StringVar(&f.clientCert, "client-cert", "", "PEM client certificate for TLS client authentication")
	fl.StringVar(&f.clientKey, "client-key", "", "PEM key of --client-cert")
	fl.StringArrayVar(&f.headers, "header", nil, "extra request header 'Name: value' (repeatable)")
	fl.StringVar(&f.proxy, "proxy", "", "proxy URL (the environment's proxy settings are ignored)")
	fl.DurationVar(&f.timeout, "timeout", defaultTimeout, "per-request timeout")
	fl.Float64Var(&f.rate, "rate", 0, "maximum requests per second (0: unlimited)")
	fl.StringArrayVar(&f.bugs, "bug", nil, "embedded portal only: turn on a misbehaviour knob (repeatable; see meshportal --list-bugs)")
	fl.StringArrayVar(&f.allows, "allow", nil, "embedded portal only: turn on an allowance, a behaviour the documents permit (repeatable; see meshportal --list-allowances)")
}

// registerJudging adds the flags that say how checks run and are judged, and where the report
// goes: run's and replay's (reportDir is the default folder, distinct for replay so that a
// replay never overwrites the run it replays).
func (f *runFlags) registerJudging(fl *pflag.FlagSet, reportDir string) {
	fl.DurationVar(&f.checkTimeout, "check-timeout", 60*time.Second, "per-check timeout")
	fl.DurationVar(&f.deadline, "deadline", 10*time.Minute, "bound of the whole run: when it passes the run stops, reports what ran and exits 2 (0: none)")
	fl.BoolVar(&f.strict, "strict", false, "SHOULD failures (warn) fail the run")
	fl.BoolVar(&f.noCleanup, "no-cleanup", false, "leave the accounts checks create on the portal, for inspection (by default each check deletes them when it ends)")
	fl.Int64Var(&f.seed, "seed", 0, "seed of every random choice (0: pick one; it is printed)")
	fl.StringVar(&f.expectFile, "expect", "", "expectations file (disabled checks, expected failures)")
	fl.StringVar(&f.reportDir, "report-dir", reportDir, "folder for the report files")
	fl.StringVar(&f.reports, "report", "json", "report formats to write: "+strings.Join(render.Names(), ","))
	fl.BoolVar(&f.abuse.Gentle, "gentle", false, "production portals: the abuse checks send smaller bodies and fewer requests (docs/checks.md)")
	fl.IntVar(&f.abuse.FloodRequests, "flood-requests", 0, "connection requests abuse.pending-flood opens at most (0: 300, 40 with --gentle)")
	fl.DurationVar(&f.abuse.SlowClientWait, "slow-client-wait", 0, "how long abuse.slow-client trickles headers before it calls the connection held (0: 12s)")
}

// registerSelection adds the flags that choose checks: run's only (replay names its check).
func (f *runFlags) registerSelection(fl *pflag.FlagSet) {
	fl.IntVarP(&f.jobs, "jobs", "j", 4, "checks run in parallel")
	fl.StringArrayVar(&f.only, "only", nil, "run only checks whose ID matches this glob (repeatable)")
	fl.StringArrayVar(&f.skip, "skip", nil, "skip checks whose ID matches this glob (repeatable)")
	fl.StringArrayVar(&f.sections, "section", nil, "run only checks of this draft section prefix (repeatable)")
	fl.StringArrayVar(&f.levels, "level", nil, "run only checks of this level: MUST, SHOULD, MAY (repeatable)")
	fl.StringVar(&f.shard, "shard", "", "run shard I of N, e.g. 2/4 (deterministic by check ID)")
	fl.BoolVar(&f.list, "list", false, "list the selected checks without running them")
}

func init() {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the conformance suite against a portal (default: the embedded reference portal)",
		Long: `Run every selected check against a portal and write the reports. Without --portal the
embedded reference portal is started on loopback (--bug and --allow change its behaviour).

Before the first check a pre-flight sends one Hello: a target that is no Mesh portal, or a
setting that is wrong (scheme, TLS, Host), stops the run with exit 2 and the next step to take.
Every finding prints the command line that reproduces it; --seed replays the whole run.

` + runExitCodes,
		Example: `  # the whole suite against your portal, every report format
  meshconform run --portal https://portal.example.com/ --report json,junit,sarif,html

  # a portal reached by address that answers to its name, with a self-signed certificate
  meshconform run --portal https://10.0.0.5:8443/ --host portal.example.com --insecure

  # the connection checks at MUST level, shard 2 of 4 in CI
  meshconform run --portal https://portal.example.com/ --only 'connect.*' --level MUST --shard 2/4

  # known failures from a file; SHOULD failures (warnings) fail the run too
  meshconform run --portal https://portal.example.com/ --expect expect.json --strict

  # the checks of draft section 3.9, listed without sending anything
  meshconform run --list --section 3.9`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runSuite(c, &f)
		},
	}
	f.registerTarget(cmd.Flags())
	f.registerSelection(cmd.Flags())
	f.registerJudging(cmd.Flags(), "meshconform-report")
	rootCmd.AddCommand(cmd)

	var rf runFlags
	var replayBin, replayConfig string
	replay := &cobra.Command{
		Use:   "replay CHECK-ID|REPRODUCER.json",
		Short: "Re-run one check with the seed of an earlier run, re-send a fuzzer reproducer file, or re-run a model script",
		Long: `Re-run one check of an earlier run (the reproduce line of its finding has every flag it
needs), re-send a live fuzzer's reproducer file, or re-run a model script. The report goes to
meshconform-replay/ by default, so a replay never overwrites the run it replays.

Exit codes:
  0  the check passed; the reproducer or script no longer fails (fixed)
  1  the check failed; the reproducer or script still fails
  2  usage, configuration or a failed pre-flight
  3  (reproducer and script only) not reproducible here: the state it needs could not be
     built on this portal, which says nothing of the finding`,
		Example: `  meshconform replay connect.pin --portal https://portal.example.com/ --seed 42
  meshconform replay meshconform-fuzz/accepted-stale-time-e0c5543bfcf2.json --portal https://portal.example.com/`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if clientfuzz.IsReproducer(args[0]) {
				return replayClient(c, args[0], replayBin, replayConfig)
			}
			if model.IsScript(args[0]) {
				return replayModel(c, &rf, args[0])
			}
			if live.IsReproducer(args[0]) {
				return replayFile(c, &rf, args[0])
			}
			rf.only = []string{args[0]}
			rf.jobs = 1
			return runSuite(c, &rf)
		},
	}
	rf.registerTarget(replay.Flags())
	rf.registerJudging(replay.Flags(), "meshconform-replay")
	replay.Flags().StringVar(&replayBin, "client", "", "the client binary a client fuzzer reproducer is re-run against")
	replay.Flags().StringVar(&replayConfig, "config", "", "with --client: the shim configuration file")
	rootCmd.AddCommand(replay)
}

// runSuite builds the target, runs the selected checks and writes the reports. Its error carries
// the exit code: 1 for a failing run, 2 for usage, configuration or an unreachable target.
// setLevelsAndShard reads the --level and --shard flags into cfg, as every command that runs
// checks reads them; a bad value is a usage error naming its flag.
func setLevelsAndShard(cfg *harness.Config, levels []string, shard string) error {
	for _, l := range levels {
		lv, err := harness.ParseLevel(l)
		if err != nil {
			return usage("--level: %v", err)
		}
		cfg.Levels = append(cfg.Levels, lv)
	}
	if shard != "" {
		s, err := harness.ParseShard(shard)
		if err != nil {
			return usage("--shard: %v", err)
		}
		cfg.Shard = s
	}
	return nil
}

func runSuite(c *cobra.Command, f *runFlags) error {
	ctx, cancel := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	out := c.OutOrStdout()
	// Everything the flags say is read before a portal is started or a request sent: a typo
	// stops the run at once, with a hint, instead of after the pre-flight.
	all := conformance.All(conformance.Env{})
	if err := checkOnlyGlobs(onlyFlag(c), "meshconform run", f.only, idsOf(all)); err != nil {
		return err
	}
	if err := checkOnlyGlobs("--skip", "meshconform run", f.skip, idsOf(all)); err != nil {
		return err
	}
	if err := checkSections(f.sections, sectionsOf(all)); err != nil {
		return err
	}
	cfg := harness.Config{
		Catalog: conformance.Catalog(spec.MustLoad()), Tool: tool(),
		Seed: f.seed, Jobs: f.jobs, List: f.list, CheckTimeout: f.checkTimeout, Strict: f.strict, NoCleanup: f.noCleanup,
		Selection: harness.Selection{Only: f.only, Skip: f.skip, Sections: f.sections},
		Deadline:  f.deadline,
	}
	err := setLevelsAndShard(&cfg, f.levels, f.shard)
	if err != nil {
		return err
	}
	if f.expectFile != "" {
		if cfg.Expectations, err = expect.Load(f.expectFile); err != nil {
			return usage("--expect: %v", err)
		}
		cfg.ExpectationsSource = f.expectFile
	}
	formats, err := parseReports(f.reports)
	if err != nil {
		return err
	}

	tg, domain, closeTarget, err := openTarget(ctx, c, f)
	defer closeTarget()
	if err != nil {
		return err
	}
	replayTarget := targetArgs(f, tg.URL())
	cfg.Target, cfg.Probe = tg, helloProbe(tg)
	cfg.ReplayCommand, cfg.ReplayTarget = invocation()+" replay", &replayTarget
	tty := terminal.IsTerminal(os.Stdout) && out == os.Stdout
	progress := terminal.NewProgress(out, tty)
	cfg.Progress = progress.Event

	checks := conformance.All(conformance.Env{Domain: domain, Abuse: f.abuse})
	run, err := harness.Run(ctx, checks, cfg)
	if err != nil {
		return usage("%v", err)
	}
	return finishRun(out, run, f.list, f.reportDir, formats, "portal")
}

// finishRun prints the summary, writes the reports and maps the run to the exit code: the one
// ending of every run command (portal and client).
func finishRun(out io.Writer, run *result.Run, list bool, reportDir string, formats []string, subject string) error {
	if err := terminal.Summary(out, run, terminal.Options{}); err != nil {
		return failed("write summary: %v", err)
	}
	switch {
	case list:
	case run.Condition == result.ConditionNoChecks || run.Condition == result.ConditionTargetUnreachable:
		// A run that did not start has nothing to report: an earlier report stays as it was.
		fmt.Fprintf(out, "report: none written (the run did not start); %s is left as it was\n", reportDir)
	default:
		written, err := render.WriteAll(reportDir, formats, run, render.Options{})
		if err != nil {
			return failed("write reports: %v", err)
		}
		for _, w := range written {
			fmt.Fprintf(out, "report: %s\n", w)
		}
	}
	switch code := run.ExitCode(); code {
	case exitOK:
		return nil
	case exitUsage:
		return usage("the run could not be made (see the summary above)")
	default:
		return failed("the %s does not conform (see the summary above)", subject)
	}
}

// helloProbe checks the target answers at all, before, during and after the checks: any response
// to a Hello will do, even a huge, malformed or redirecting one, since the checks judge what it
// says; only no answer (refused, timeout, dropped, TLS failure) makes the target unreachable.
// (What the target is, the pre-flight settled before: see preflight.)
func helloProbe(tg *target.HTTP) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		ex, err := tg.Post(ctx, meshHello.Body, nil)
		if err != nil {
			return err
		}
		if ex.Problem.NoAnswer() {
			return errors.New(string(ex.Problem) + ": " + ex.Err)
		}
		return nil
	}
}

// openTarget builds the target of a run: the portal at --portal, or the embedded reference
// portal (with its --bug knobs) started on loopback, and runs the pre-flight on it (except for
// --list, which sends nothing). closeTarget stops what it started, also when err is set.
func openTarget(ctx context.Context, c *cobra.Command, f *runFlags) (tg *target.HTTP, domain string, closeTarget func(), err error) {
	out := c.OutOrStdout()
	var stops []func()
	closeTarget = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	var portalURL string
	if portalURL, err = normalizePortal(f.portal); err != nil {
		return nil, "", closeTarget, err
	}
	domain = f.host

	if portalURL == "" {
		var bugs portal.Bugs
		for _, b := range f.bugs {
			if err := bugs.Set(b); err != nil {
				return nil, "", closeTarget, usage("--bug: %v", err)
			}
		}
		var allow portal.Allow
		for _, a := range f.allows {
			if err := allow.Set(a); err != nil {
				return nil, "", closeTarget, usage("--allow: %v", err)
			}
		}
		u, stop, err := portal.StartLoopback(ctx, portal.Config{Bugs: bugs, Allow: allow})
		if err != nil {
			return nil, "", closeTarget, usage("start the embedded reference portal: %v", err)
		}
		stops = append(stops, stop)
		portalURL = u
		switch {
		case len(f.bugs) > 0 && len(f.allows) > 0:
			fmt.Fprintf(out, "embedded reference portal at %s with knobs: %s; allowances: %s\n", u, strings.Join(f.bugs, ", "), strings.Join(f.allows, ", "))
		case len(f.bugs) > 0:
			fmt.Fprintf(out, "embedded reference portal at %s with knobs: %s\n", u, strings.Join(f.bugs, ", "))
		case len(f.allows) > 0:
			fmt.Fprintf(out, "embedded reference portal at %s with allowances: %s\n", u, strings.Join(f.allows, ", "))
		default:
			fmt.Fprintf(out, "embedded reference portal at %s\n", u)
		}
	} else if len(f.bugs) > 0 {
		return nil, "", closeTarget, usage("--bug applies to the embedded portal only (omit --portal)")
	} else if len(f.allows) > 0 {
		return nil, "", closeTarget, usage("--allow applies to the embedded portal only (omit --portal)")
	}
	if domain == "" {
		u, err := url.Parse(portalURL)
		if err != nil || u.Hostname() == "" {
			return nil, "", closeTarget, usage("--portal %q is not a URL", portalURL)
		}
		domain = u.Hostname()
	}
	hdr := http.Header{}
	for _, h := range f.headers {
		name, value, err := target.ParseHeader(h)
		if err != nil {
			return nil, "", closeTarget, usage("--header: %v", err)
		}
		hdr.Add(name, value)
	}
	opts := target.Options{URL: portalURL, CAFile: f.ca, Insecure: f.insecure, ClientCert: f.clientCert,
		ClientKey: f.clientKey, Host: f.host, Header: hdr, Proxy: f.proxy, Timeout: f.timeout, Rate: f.rate}
	tg, err = target.New(opts)
	if err != nil {
		return nil, "", closeTarget, usage("%v", err)
	}
	stops = append(stops, tg.Close)
	if !f.list {
		if err := preflight(ctx, out, opts); err != nil {
			return nil, "", closeTarget, err
		}
	}
	return tg, domain, closeTarget, nil
}

// exitNotReproducible is `meshconform replay FILE`'s exit code when the portal lacks the state
// the reproducer needs and it could not be rebuilt: neither fixed (0) nor still failing (1).
const exitNotReproducible = 3

// replayFile re-sends a live fuzzer's reproducer and says whether the portal still fails it:
// exit 0 fixed, 1 still failing, 3 not reproducible here (the report says why), 2 usage.
func replayFile(c *cobra.Command, f *runFlags, path string) error {
	tg, domain, closeTarget, err := openTarget(c.Context(), c, f)
	defer closeTarget()
	if err != nil {
		return err
	}
	outcome, report, err := live.Replay(c.Context(), path, tg, domain)
	if err != nil {
		return usage("replay %s: %v", path, err)
	}
	fmt.Fprintln(c.OutOrStdout(), report)
	switch outcome {
	case live.StillFailing:
		return failed("%s: still failing", path)
	case live.NotReproducible:
		return &exitError{code: exitNotReproducible, err: fmt.Errorf("%s: not reproducible here", path)}
	}
	fmt.Fprintf(c.OutOrStdout(), "%s: fixed\n", path)
	return nil
}

// sectionsOf lists the draft sections of checks: their own, else their requirement's.
func sectionsOf(checks []harness.Check) []string {
	sp := spec.MustLoad()
	var out []string
	for _, c := range checks {
		sec := c.Section
		if r, ok := sp.Requirement(c.Requirement); sec == "" && ok {
			sec = r.Section
		}
		if sec != "" {
			out = append(out, sec)
		}
	}
	return out
}

// onlyFlag names what gave the --only globs: the flag, or replay's argument.
func onlyFlag(c *cobra.Command) string {
	if c.Name() == "replay" {
		return "replay"
	}
	return "--only"
}
