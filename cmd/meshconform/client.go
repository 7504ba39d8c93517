package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/conformance"
	clientchecks "github.com/meshconform/meshconform/conformance/client"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/expect"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/harness/testportal"
	"github.com/meshconform/meshconform/reports/render"
	"github.com/meshconform/meshconform/reports/terminal"
	"github.com/meshconform/meshconform/spec"
)

// clientFlags are the flags of `client`: those of `run` that make sense for a binary.
type clientFlags struct {
	bin, config                  string
	jobs                         int
	only, skip, sections, levels []string
	list, strict                 bool
	seed                         int64
	expectFile                   string
	reportDir, reports           string
	checkTimeout                 time.Duration
	shard                        string
}

func init() {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "client --bin PATH [--config FILE]",
		Short: "Run the client checks against a client binary that implements docs/SHIM.md",
		Long: `Run the client checks against a client binary that implements the shim contract
(docs/SHIM.md): each check starts the binary against a test portal of its own.

Exit codes:
  0  every selected check passed (warnings and info do not count unless --strict)
  1  the client does not conform: a MUST failed, an expected failure passed, a check ended
     without a verdict (error), or a warning under --strict
  2  the run could not be made: usage or configuration, the client's hello against a
     conforming portal failed, or no check selected`,
		Example: `  meshconform client --bin ./my-client --config my-client.json --report junit,html,json`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runClient(c, &f)
		},
	}
	cmd.Flags().StringVar(&f.bin, "bin", "", "client binary implementing the shim contract (docs/SHIM.md)")
	f.register(cmd, true)
	rootCmd.AddCommand(cmd)
}

// register adds the flags shared by every command that runs checks against a client binary
// (all but the binary's own flag; withSeed false leaves --seed to a command that has one).
func (f *clientFlags) register(cmd *cobra.Command, withSeed bool) {
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "per-implementation shim configuration (disabled checks, error map, args)")
	fl.IntVarP(&f.jobs, "jobs", "j", 4, "checks run in parallel")
	fl.StringArrayVar(&f.only, "only", nil, "run only checks whose ID matches this glob (repeatable)")
	fl.StringArrayVar(&f.skip, "skip", nil, "skip checks whose ID matches this glob (repeatable)")
	fl.StringArrayVar(&f.sections, "section", nil, "run only checks of this draft section prefix (repeatable)")
	fl.StringArrayVar(&f.levels, "level", nil, "run only checks of this level: MUST, SHOULD, MAY (repeatable)")
	fl.BoolVar(&f.list, "list", false, "list the selected checks without running them")
	fl.BoolVar(&f.strict, "strict", false, "SHOULD failures (warn) fail the run")
	fl.StringVar(&f.shard, "shard", "", "run shard I of N, e.g. 2/4 (deterministic by check ID)")
	if withSeed {
		fl.Int64Var(&f.seed, "seed", 0, "seed of every random choice (0: pick one; it is printed)")
	}
	fl.StringVar(&f.expectFile, "expect", "", "expectations file (disabled checks, expected failures)")
	fl.StringVar(&f.reportDir, "report-dir", "meshconform-report", "folder for the report files")
	fl.StringVar(&f.reports, "report", "json", "report formats to write: "+strings.Join(render.Names(), ","))
	fl.DurationVar(&f.checkTimeout, "check-timeout", 90*time.Second, "per-check timeout")
}

// clientTarget stands for the binary in the harness: checks never Post through it, they start
// the binary against their own test portal.
type clientTarget struct{ bin string }

func (c clientTarget) Post(context.Context, []byte, http.Header) (*target.Exchange, error) {
	return nil, fmt.Errorf("client runs send nothing to %s directly", c.bin)
}

func (c clientTarget) URL() string { return "client:" + c.bin }

func runClient(c *cobra.Command, f *clientFlags) error {
	return runClientChecks(c, f, "client", "--bin", clientchecks.All)
}

// runClientChecks runs the checks that checks builds against the binary of f: the one path of
// `client` and `vectors run --client`, so that both report alike. command and binFlag make the
// replay line of a finding.
func runClientChecks(c *cobra.Command, f *clientFlags, command, binFlag string, checks func(clientchecks.Env) []harness.Check) error {
	ctx, cancel := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	out := c.OutOrStdout()
	if err := checkOnlyGlobs("--only", "meshconform client", f.only, idsOf(clientchecks.All(clientchecks.Env{}))); err != nil {
		return err
	}
	if f.bin == "" && !f.list {
		return usage("%s PATH is required", binFlag)
	}
	bin := f.bin
	if bin != "" {
		abs, err := filepath.Abs(bin)
		if err != nil {
			return usage("%s: %v", binFlag, err)
		}
		if fi, err := os.Stat(abs); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return usage("%s %s is not an executable file", binFlag, bin)
		}
		bin = abs
	}
	var cfg *shim.Config
	if f.config != "" {
		var err error
		if cfg, err = shim.LoadConfig(f.config); err != nil {
			return usage("--config: %v", err)
		}
	}
	sh := shim.New(bin, cfg)
	// A reproduce line judges the way the run did: the same binary, expectations and --strict.
	binArg := binFlag + " " + harness.ShellQuote(bin)
	if f.expectFile != "" {
		binArg += " --expect " + harness.ShellQuote(f.expectFile)
	}
	if f.strict {
		binArg += " --strict"
	}
	hcfg := harness.Config{
		Target: clientTarget{bin: bin}, Catalog: conformance.Catalog(spec.MustLoad()), Tool: tool(),
		Seed: f.seed, Jobs: f.jobs, List: f.list, CheckTimeout: f.checkTimeout, Strict: f.strict,
		Selection:     harness.Selection{Only: f.only, Skip: f.skip, Sections: f.sections},
		Probe:         clientProbe(sh),
		DeadAfter:     -1, // a client that fails one check says nothing about the next
		ReplayCommand: invocation() + " " + command + configArg(f.config) + " --only",
		ReplayTarget:  &binArg,
	}
	if err := setLevelsAndShard(&hcfg, f.levels, f.shard); err != nil {
		return err
	}
	var base *expect.File
	if f.expectFile != "" {
		var err error
		if base, err = expect.Load(f.expectFile); err != nil {
			return usage("--expect: %v", err)
		}
		hcfg.ExpectationsSource = f.expectFile
	}
	merged, err := cfg.Expectations(base)
	if err != nil {
		return usage("--config: %v", err)
	}
	hcfg.Expectations = merged
	if f.config != "" && hcfg.ExpectationsSource == "" {
		hcfg.ExpectationsSource = f.config
	}
	formats, err := parseReports(f.reports)
	if err != nil {
		return err
	}
	tty := terminal.IsTerminal(os.Stdout) && out == os.Stdout
	progress := terminal.NewProgress(out, tty)
	hcfg.Progress = progress.Event
	if !f.list {
		fmt.Fprintf(out, "client under test: %s (shim contract v%d, request timeout %s)\n", bin, shim.ContractVersion, sh.RequestTimeout)
	}

	run, err := harness.Run(ctx, checks(clientchecks.Env{Shim: sh}), hcfg)
	if err != nil {
		return usage("%v", err)
	}
	return finishRun(out, run, f.list, f.reportDir, formats, "client")
}

func configArg(cfg string) string {
	if cfg == "" {
		return ""
	}
	return " --config " + harness.ShellQuote(cfg)
}

// clientProbe checks the binary runs at all: a hello against a conforming test portal must
// succeed, or nothing any check says would mean anything.
func clientProbe(sh *shim.Shim) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		ps, err := testportal.Start(testportal.Options{Domain: "127.0.0.1"})
		if err != nil {
			return err
		}
		defer ps.Close()
		dir, err := os.MkdirTemp("", "meshconform-probe-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		r := sh.Run(ctx, shim.Invocation{Portal: ps.URL, State: filepath.Join(dir, "state"), Op: []string{"hello"}})
		if r.Class != shim.ClassOK {
			return fmt.Errorf("the client's hello against a conforming portal failed: %s", r.Summary())
		}
		return nil
	}
}
