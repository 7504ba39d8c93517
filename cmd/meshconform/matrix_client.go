package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/conformance"
	clientchecks "github.com/meshconform/meshconform/conformance/client"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/expect"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/reports/matrix"
	"github.com/meshconform/meshconform/spec"
)

// clientCheckTimeout is the per-check timeout of the client columns when --check-timeout is not
// given: meshconform client's default, longer than run's, since the slow and stalled checks
// wait on the client's own timeouts.
const clientCheckTimeout = 90 * time.Second

// matrixClient is one --client: its name, its binary and its shim configuration (docs/SHIM.md).
type matrixClient struct {
	name, bin, config string
}

// parseMatrixClients reads the --client and --client-config values; every mistake is a usage
// error found before anything runs. taken holds the names of the portals: a name is a folder of
// --report-dir, so no client may share one.
func parseMatrixClients(clients, configs []string, taken map[string]bool) ([]matrixClient, error) {
	var out []matrixClient
	index := map[string]int{}
	for _, cl := range clients {
		name, bin, ok := strings.Cut(cl, "=")
		if !ok || bin == "" {
			return nil, usage("--client %q: want NAME=BIN, BIN a client that implements docs/SHIM.md", cl)
		}
		if !targetName.MatchString(name) || name == "." || name == ".." {
			return nil, usage("--client %q: the name %q must be letters, digits, '.', '_' or '-'", cl, name)
		}
		if _, dup := index[name]; dup || taken[name] {
			return nil, usage("--client: the name %q is given twice (portals and clients share --report-dir)", name)
		}
		index[name] = len(out)
		out = append(out, matrixClient{name: name, bin: bin})
	}
	for _, cc := range configs {
		name, file, ok := strings.Cut(cc, "=")
		i, known := index[name]
		switch {
		case !ok || file == "":
			return nil, usage("--client-config %q: want NAME=FILE", cc)
		case !known:
			return nil, usage("--client-config %q: no --client is named %q", cc, name)
		case out[i].config != "":
			return nil, usage("--client-config: %q has two configurations", name)
		}
		out[i].config = file
	}
	return out, nil
}

// splitGlobs hands each --only or --skip glob to the suites it selects from: the portal checks,
// the client checks or both. A glob that matches no check of a suite being run is refused, as
// run and client refuse it, with their hint.
func splitGlobs(flag string, globs []string, withPortals, withClients bool) (forPortals, forClients []string, err error) {
	portalIDs, clientIDs := idsOf(conformance.All(conformance.Env{})), idsOf(clientchecks.All(clientchecks.Env{}))
	var ids []string
	var listers []string
	if withPortals {
		ids, listers = append(ids, portalIDs...), append(listers, "meshconform run")
	}
	if withClients {
		ids, listers = append(ids, clientIDs...), append(listers, "meshconform client")
	}
	if err := checkOnlyGlobs(flag, strings.Join(listers, " --list, "), globs, ids); err != nil {
		return nil, nil, err
	}
	for _, g := range globs {
		if withPortals && matchesSome(g, portalIDs) {
			forPortals = append(forPortals, g)
		}
		if withClients && matchesSome(g, clientIDs) {
			forClients = append(forClients, g)
		}
	}
	return forPortals, forClients, nil
}

func matchesSome(glob string, ids []string) bool {
	for _, id := range ids {
		if ok, _ := path.Match(glob, id); ok {
			return true
		}
	}
	return false
}

// clientDryRun reads the selection of the client columns once, before anything runs: the client
// checks listed with the flags, so that an empty selection or a bad --level or --expect is a
// usage error instead of a column of not-run.
func clientDryRun(ctx context.Context, base *runFlags, only, skip []string) error {
	cfg := harness.Config{
		Target: clientTarget{bin: "(dry run)"}, Catalog: conformance.Catalog(spec.MustLoad()), Tool: tool(), List: true,
		Selection: harness.Selection{Only: only, Skip: skip, Sections: base.sections},
	}
	if err := setLevelsAndShard(&cfg, base.levels, base.shard); err != nil {
		return err
	}
	if base.expectFile != "" {
		if _, err := expect.Load(base.expectFile); err != nil {
			return usage("--expect: %v", err)
		}
	}
	run, err := harness.Run(ctx, clientchecks.All(clientchecks.Env{}), cfg)
	if err != nil {
		return usage("matrix: the client checks: %v", err)
	}
	if run.Condition == result.ConditionNoChecks {
		return usage("matrix: the selection (--only, --skip, --section, --level, --shard) matches no client check (meshconform client --list lists them)")
	}
	return nil
}

// clientProblem says why a client cannot be run, "" when it can: a binary that is not an
// executable file, a shim configuration that does not load, or a hello against a conforming
// test portal that fails. Such a client is a not-run column, found before any column runs.
func clientProblem(ctx context.Context, mc matrixClient) string {
	abs, err := filepath.Abs(mc.bin)
	if err != nil {
		return fmt.Sprintf("the client binary %s: %v", mc.bin, err)
	}
	if fi, err := os.Stat(abs); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
		return fmt.Sprintf("the client binary %s is not an executable file", mc.bin)
	}
	var cfg *shim.Config
	if mc.config != "" {
		if cfg, err = shim.LoadConfig(mc.config); err != nil {
			return fmt.Sprintf("its shim configuration (--client-config %s=%s) is unusable: %v", mc.name, mc.config, err)
		}
	}
	if err := clientProbe(shim.New(abs, cfg))(ctx); err != nil {
		return err.Error()
	}
	return ""
}

// runMatrixClient runs the client checks against one client exactly as meshconform client does,
// with the matrix's seed and selection, its report in dir; it returns the column (with Run nil
// and Problem set when the run did not start).
func runMatrixClient(c *cobra.Command, base *runFlags, mc matrixClient, only, skip []string, seed int64, dir, formats string) matrix.Target {
	out := c.OutOrStdout()
	col := matrix.Target{Name: mc.name, Report: filepath.ToSlash(filepath.Join(mc.name, "report.html"))}
	f := clientFlags{
		bin: mc.bin, config: mc.config, jobs: base.jobs, only: only, skip: skip, sections: base.sections, levels: base.levels,
		strict: base.strict, seed: seed, expectFile: base.expectFile, reportDir: dir, reports: formats, checkTimeout: base.checkTimeout,
		shard: base.shard,
	}
	if !c.Flags().Changed("check-timeout") {
		f.checkTimeout = clientCheckTimeout
	}
	ctx := c.Context()
	// --deadline bounds each column's run, a client's as a portal's: the harness reports the
	// run it cuts short as deadline-exceeded, by this cause.
	if base.deadline > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, base.deadline, fmt.Errorf("%w (--deadline %s)", harness.ErrDeadline, base.deadline))
		defer cancel()
	}
	prev := c.Context()
	c.SetContext(ctx)
	runErr := runClientChecks(c, &f, "client", "--bin", clientchecks.All)
	c.SetContext(prev)
	run, err := readRun("matrix", filepath.Join(dir, "run.json"))
	if err != nil {
		col.Report, col.Problem = "", "the run did not start"
		if runErr != nil {
			col.Problem = runErr.Error()
		}
		fmt.Fprintf(out, "%s: not run: %s\n", mc.name, col.Problem)
	}
	col.Run = run
	return col
}

// removeStale removes what the matrix reads and links to of an earlier run in dir: a run that
// does not start leaves an earlier report as it was, and the matrix must never show a stale run
// as this one.
func removeStale(dir string) error {
	for _, stale := range []string{"run.json", "report.html"} {
		if err := os.Remove(filepath.Join(dir, stale)); err != nil && !os.IsNotExist(err) {
			return usage("matrix: %v", err)
		}
	}
	return nil
}

// printGrid prints one grid's summary: the checks that differ and the cross-check's count.
func printGrid(out io.Writer, m *matrix.Matrix) {
	kinds, what := "portals", "answers differ in structure from %s's to the same request"
	if m.Kind == matrix.KindClient {
		kinds, what = "clients", "requests differ in structure from what %s sent in the same check"
	}
	fmt.Fprintf(out, "\nmatrix: %d of %d checks differ between the %s\n", m.Differing, len(m.Rows), kinds)
	for _, r := range m.Rows {
		if r.Differs {
			fmt.Fprintf(out, "  %s\n", r.ID)
		}
	}
	base := ""
	if len(m.Targets) > 0 {
		base = m.Targets[0].Name
	}
	fmt.Fprintf(out, "cross-check: %d "+what+" (disagreements, not failures)\n", len(m.Disagreements), base)
}

// clientGlobs are the globs that name some client check.
func clientGlobs(globs []string) []string {
	ids := idsOf(clientchecks.All(clientchecks.Env{}))
	var out []string
	for _, g := range globs {
		if matchesSome(g, ids) {
			out = append(out, g)
		}
	}
	return out
}

// nameConfigs adds each client's shim configuration to its column's URL (the binary): two
// columns of one binary differ by it, as the reference client with a knob differs from itself.
func nameConfigs(m *matrix.Matrix, clients []matrixClient) {
	for i := range m.Targets {
		if i < len(clients) && clients[i].config != "" && m.Targets[i].URL != "" {
			m.Targets[i].URL += " --config " + clients[i].config
		}
	}
}
