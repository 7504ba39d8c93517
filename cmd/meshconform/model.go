package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/fuzz/model"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render"
	"github.com/meshconform/meshconform/spec"
)

// `meshconform model`: property-based transaction sequences (fuzz/model) against a portal.
func init() {
	var (
		f          runFlags
		sequences  int
		steps      int
		duration   time.Duration
		shrinkTime time.Duration
		out        string
	)
	cmd := &cobra.Command{
		Use:   "model",
		Short: "Check properties of random transaction sequences against a portal; save a failing sequence as a script",
		Long: "Drive random sequences of every transaction (both with signed requests and under sessions) against a\n" +
			"portal (--portal URL, or the embedded reference portal with optional --bug knobs) and compare each answer\n" +
			"with a model of accounts, profiles, pending connections and checkpoints. Each property is tied to a\n" +
			"requirement. A violation is shrunk to a minimal sequence and saved under --out as a script that\n" +
			"`meshconform replay FILE` re-runs against fresh accounts. Every random choice flows from --seed.\n\n" +
			"Exit codes:\n  0  no property violated (a SHOULD violation is a warning unless --strict)\n" +
			"  1  a MUST property violated (or a SHOULD one under --strict)\n" +
			"  2  usage, configuration or a failed pre-flight",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ctx, cancel := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer cancel()
			return runModel(ctx, c, &f, model.Config{Sequences: sequences, Steps: steps, Duration: duration, ShrinkFor: shrinkTime}, out)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.portal, "portal", "", "portal URL (default: start the embedded reference portal on loopback)")
	fl.StringVar(&f.host, "host", "", "Host header and portal DNS name (default: the URL's host)")
	fl.Int64Var(&f.seed, "seed", 0, "seed of every random choice (0: pick one; it is printed)")
	fl.IntVar(&sequences, "sequences", 0, "sequences to run (default 100, or unbounded with --duration)")
	fl.DurationVar(&duration, "duration", 0, "stop starting sequences after this long (checked between batches of 10)")
	fl.IntVar(&steps, "steps", 30, "average steps per sequence")
	fl.DurationVar(&shrinkTime, "shrink-time", 30*time.Second, "time bound of the minimisation of a failing sequence")
	fl.StringVar(&out, "out", "meshconform-model", "folder for the failing sequence's script")
	fl.StringVar(&f.reportDir, "report-dir", "meshconform-report", "folder for the report files")
	fl.StringVar(&f.reports, "report", "json", "report formats to write: "+strings.Join(render.Names(), ","))
	fl.BoolVar(&f.strict, "strict", false, "SHOULD violations (warn) fail the run")
	fl.StringArrayVar(&f.bugs, "bug", nil, "embedded portal only: turn on a misbehaviour knob (repeatable; see meshportal --list-bugs)")
	fl.StringArrayVar(&f.allows, "allow", nil, "embedded portal only: turn on an allowance, a behaviour the documents permit (repeatable; see meshportal --list-allowances)")
	rootCmd.AddCommand(cmd)
}

func runModel(ctx context.Context, c *cobra.Command, f *runFlags, cfg model.Config, outDir string) error {
	w := c.OutOrStdout()
	if cfg.Sequences < 0 || cfg.Steps <= 0 || cfg.Duration < 0 {
		return usage("--sequences, --steps and --duration must not be negative (--steps above 0)")
	}
	formats, err := parseReports(f.reports)
	if err != nil {
		return err
	}
	f.timeout = 10 * time.Second
	tg, domain, closeTarget, err := openTarget(ctx, c, f)
	if err != nil {
		return err
	}
	defer closeTarget()
	if f.seed == 0 {
		f.seed = time.Now().UnixNano()
	}
	cfg.URL, cfg.Host, cfg.Seed, cfg.Log = tg.URL(), f.host, f.seed, w
	if cfg.Host == "" {
		cfg.Host = domain
	}
	fmt.Fprintf(w, "model: seed %d against %s\n", cfg.Seed, cfg.URL)
	start := time.Now()
	rep, err := model.Run(ctx, cfg)
	if err != nil {
		return usage("%v", err)
	}
	sp, err := spec.Load()
	if err != nil {
		return failed("loading the requirement catalog: %v", err)
	}
	reproduce := ""
	if fl := rep.Failure; fl != nil {
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return failed("--out: %v", err)
		}
		path := filepath.Join(outDir, fmt.Sprintf("%s-%d.json", fl.Violation.Property, cfg.Seed))
		if err := model.SaveScript(path, cfg.Seed, cfg.URL, fl); err != nil {
			return failed("save the script: %v", err)
		}
		reproduce = strings.TrimSpace(invocation() + " replay " + harness.ShellQuote(path) + " " + targetArgs(f, tg.URL()))
		fmt.Fprintf(w, "script: %s (%d steps)\n", path, len(fl.Steps))
	}
	run := modelRun(rep, sp, cfg, start, reproduce, f.strict)
	return finishRun(w, run, false, f.reportDir, formats, "portal")
}

// modelRun is the run's record in the result model: one result per property, the violated one
// failing with its finding and the minimal sequence, the others passing for this many sequences.
func modelRun(rep *model.Report, sp *spec.Spec, cfg model.Config, start time.Time, reproduce string, strict bool) *result.Run {
	run := &result.Run{SchemaVersion: result.SchemaVersion, Tool: tool(),
		Mode: result.ModeModel, Target: cfg.URL, Seed: cfg.Seed, StartedAt: start, Duration: rep.Elapsed,
		Config: result.ConfigSummary{Jobs: 1, Strict: strict, Available: len(model.Properties), Selected: len(model.Properties)}}
	for _, p := range model.Properties {
		cr := result.CheckResult{ID: "model." + p.ID, Title: p.Title, Category: "deviation", Outcome: result.Pass,
			Reason: fmt.Sprintf("not violated in %d sequences (%d steps)", rep.Sequences, rep.Steps)}
		if p.Control {
			cr.Category = "control"
		}
		cr.Requirement = requirementOf(sp, p.Requirement)
		cr.Section, cr.Level = cr.Requirement.Section, cr.Requirement.Level
		if fl := rep.Failure; fl != nil && fl.Violation.Property == p.ID {
			cr.Outcome, cr.Reason = result.Fail, ""
			if cr.Level == "SHOULD" {
				cr.Outcome = result.Warn
			}
			exp, _ := json.Marshal(fl.Violation.Expected)
			obs, _ := json.Marshal(fl.Violation.Observed)
			cr.Finding = &result.Finding{Message: fl.Violation.Message, Expected: exp, Observed: obs}
			mode := "signed requests"
			if fl.Sessions {
				mode = "sessions"
			}
			cr.Log = append(cr.Log, fmt.Sprintf("minimal sequence (%s), each step followed by Get of every name:", mode))
			for i, s := range fl.Steps {
				cr.Log = append(cr.Log, fmt.Sprintf("%d. %s", i+1, s))
			}
			cr.Reproduce = reproduce
		}
		run.Results = append(run.Results, cr)
	}
	run.Summary = result.Summarize(run.Results)
	return run
}

// replayModel re-runs a model script against fresh accounts: exit 0 fixed, 1 reproduced, 3 not
// reproducible here (the portal did not answer), 2 usage; the exit codes of a fuzzer replay.
func replayModel(c *cobra.Command, f *runFlags, path string) error {
	s, err := model.LoadScript(path)
	if err != nil {
		return usage("replay %s: %v", path, err)
	}
	tg, domain, closeTarget, err := openTarget(c.Context(), c, f)
	if err != nil {
		return err
	}
	defer closeTarget()
	host := f.host
	if host == "" {
		host = domain
	}
	outcome, report, err := model.Replay(c.Context(), s, tg.URL(), host)
	if err != nil {
		return usage("replay %s: %v", path, err)
	}
	fmt.Fprintln(c.OutOrStdout(), report)
	switch outcome {
	case model.Reproduced:
		return failed("%s: reproduced", path)
	case model.NotReproducible:
		return &exitError{code: exitNotReproducible, err: fmt.Errorf("%s: not reproducible here", path)}
	}
	fmt.Fprintf(c.OutOrStdout(), "%s: fixed (not reproduced)\n", path)
	return nil
}
