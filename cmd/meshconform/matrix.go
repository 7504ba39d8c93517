package main

import (
	"crypto/rand"
	"encoding/binary"
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

// `meshconform matrix`: the same seeded suite against several portals, and the client checks
// against several clients, one table each.
func init() {
	var f runFlags
	var portals, hosts, clients, clientConfigs []string
	var targetReports string
	var crossSkip []string
	cmd := &cobra.Command{
		Use:   "matrix --portal NAME=URL --portal NAME=URL | --client NAME=BIN --client NAME=BIN [flags]",
		Short: "Run the same seeded suite against several portals or clients and compare them in one table (check x implementation)",
		Long: `Run the suite, with one seed and one selection, against each --portal in turn (exactly as
meshconform run does: the same pre-flight, flags and judging) and write one table, check x
portal, with the checks whose outcomes differ between the portals first. Clients are compared
the same way: the client checks against each --client in turn (exactly as meshconform client
does), in a table of their own, check x client. Portals and clients may be given together:
the matrix then holds both tables. Give at least two of each kind you compare.

A portal is NAME=URL, or NAME=embedded for the embedded reference portal started on loopback,
optionally with its misbehaviour knobs and allowances after a colon, comma-separated:
  ref=embedded
  knob=embedded:bug=omit-status
  two=embedded:bug=omit-status,bug=skip-host-check,allow=ALLOWANCE
(knobs: meshportal --list-bugs; allowances: meshportal --list-allowances). NAME is letters,
digits, '.', '_' or '-': it names the portal's column and its folder under --report-dir.
--host NAME=HOST sets the Host header and DNS name of one portal. The TLS, header, proxy,
timeout, rate and abuse flags apply to every portal, and to no client; --shard to both.

A client is NAME=BIN, BIN a client binary that implements the shim contract (docs/SHIM.md);
--client-config NAME=FILE gives it its shim configuration (meshconform client's --config: args,
env, timeout, disabled checks, error map). The reference client is meshclient; its
misbehaviour knobs and allowances go in the configuration's args, as the client self-tests set
them ({"shim": 1, "args": ["--bug", "host-ip"]}; meshclient --list-bugs, --list-allowances).
A client whose binary is not executable, whose configuration does not load, or whose hello
against a conforming test portal fails is a not-run column. --only and --skip globs apply to
the suites they match: --only 'get.*' --only 'client.http.*' selects get.* for the portals and
client.http.* for the clients. --check-timeout is 90s for the clients unless given.

--report chooses the matrix's formats (json, md, html: matrix.json, matrix.md, matrix.html).
Each portal's own run is written to --report-dir/NAME/ (run.json, report.html and the formats
of --target-report), and each client's likewise; every cell of the matrix links to its finding
in that report. When --seed is not given one seed is picked and used for every portal and
client, so that each check sends every portal the same requests until their answers lead it
elsewhere, and gives every client the same operations and faults. --deadline bounds each
column's run.

The cross-check compares, check by check and exchange by exchange, each portal's answers with
the first portal's (the baseline) by structure: HTTP status class, response tag, payload Status
class, the payload members present (an empty list counts as absent). Where a check's requests
part (another transaction), its comparison stops; checks whose requests follow the portal's
timing (--cross-check-skip, by default abuse.*) are left out. Every difference is listed with both
exchanges as a disagreement: the documents may allow both answers, so a disagreement never
changes the exit code. For clients it compares what each client sent in the same check with
what the first client sent: the transaction (where they part, the check is compared no
further), the method, the URL path, the Authorization scheme it used (Mesh, Mesh-Session, none), the payload members present,
the class of the answer the test portal gave it (HTTP status, payload Status), and how many
requests it sent.

Exit codes:
  0  every portal and client passes (as meshconform run or client would exit 0 for each)
  1  at least one portal or client does not conform
  2  usage or configuration, or a portal or client could not be run (failed pre-flight,
     unusable shim configuration, deadline): the matrix is written all the same, with that
     column "not-run"`,
		Example: `  # the embedded reference portal against itself with one knob: the knob's checks differ
  meshconform matrix --portal ref=embedded --portal knob=embedded:bug=omit-status --only 'wire.*'

  # two implementations side by side, every matrix format
  meshconform matrix --portal alice=https://alice.example/ --portal bob=https://10.0.0.7:8443/ --host bob=bob.example --insecure --report html,md,json --report-dir interop

  # the reference client against itself with one knob (knob.json: {"shim": 1, "args": ["--bug", "host-ip"]})
  meshconform matrix --client ref=./meshclient --client knob=./meshclient --client-config knob=knob.json

  # two clients and two portals in one matrix, one table each
  meshconform matrix --portal ref=embedded --portal theirs=https://portal.example/ --client ref-client=./meshclient --client their-client=./their-shim --client-config their-client=their-shim.json --only 'get.*' --only 'client.*'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runMatrix(c, &f, matrixArgs{portals, hosts, clients, clientConfigs, targetReports, crossSkip})
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&portals, "portal", nil, "a portal to compare: NAME=URL or NAME=embedded[:bug=KNOB,allow=ALLOWANCE,...] (repeatable, at least two)")
	fl.StringArrayVar(&clients, "client", nil, "a client to compare: NAME=BIN, a binary that implements docs/SHIM.md (repeatable, at least two)")
	fl.StringArrayVar(&clientConfigs, "client-config", nil, "NAME=FILE: the shim configuration of the client NAME, as meshconform client --config (repeatable)")
	fl.StringVar(&targetReports, "target-report", "json,html", "each portal's and client's own report formats, in --report-dir/NAME/ (json and html are always written: the matrix reads the one and links into the other): "+strings.Join(render.Names(), ","))
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

// matrixArgs are the matrix's own flags: the columns and how they are reported.
type matrixArgs struct {
	portals, hosts, clients, clientConfigs []string
	targetReports                          string
	crossSkip                              []string
}

func runMatrix(c *cobra.Command, base *runFlags, a matrixArgs) error {
	out := c.OutOrStdout()
	if base.list {
		return usage("matrix: --list sends nothing to compare; use meshconform run --list or meshconform client --list")
	}
	switch {
	case len(a.portals) == 0 && len(a.clients) == 0:
		return usage("matrix: give at least two --portal NAME=URL (NAME=embedded for the reference portal), or two --client NAME=BIN")
	case len(a.portals) == 1:
		return usage("matrix: give at least two --portal NAME=URL to compare portals (one is given)")
	case len(a.clients) == 1:
		return usage("matrix: give at least two --client NAME=BIN to compare clients (one is given)")
	}
	targets, err := parseMatrixTargets(a.portals, a.hosts)
	if err != nil {
		return err
	}
	taken := map[string]bool{}
	for _, t := range targets {
		taken[t.name] = true
	}
	clients, err := parseMatrixClients(a.clients, a.clientConfigs, taken)
	if err != nil {
		return err
	}
	formats, err := matrix.ParseList(base.reports)
	if err != nil {
		return usage("--report: %v", err)
	}
	for _, g := range a.crossSkip {
		if _, err := path.Match(g, ""); err != nil {
			return usage("--cross-check-skip %q: %v", g, err)
		}
	}
	if _, err := parseReports(a.targetReports); err != nil {
		return err
	}
	// Each --only and --skip glob goes to the suite whose checks it names.
	withPortals, withClients := len(targets) > 0, len(clients) > 0
	portalOnly, clientOnly, err := splitGlobs("--only", base.only, withPortals, withClients)
	if err != nil {
		return err
	}
	portalSkip, clientSkip, err := splitGlobs("--skip", base.skip, withPortals, withClients)
	if err != nil {
		return err
	}
	if len(base.only) > 0 {
		switch {
		case withPortals && len(portalOnly) == 0:
			return usage("matrix: no --only glob names a portal check: add one (e.g. 'wire.*') or compare clients only")
		case withClients && len(clientOnly) == 0:
			return usage("matrix: no --only glob names a client check: add one (e.g. 'client.*') or compare portals only")
		}
	}
	perTarget := "json,html," + a.targetReports
	seed := base.seed
	if seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		seed = int64(binary.BigEndian.Uint64(b[:])>>1) | 1
	}
	portalFlags := *base
	portalFlags.only, portalFlags.skip = portalOnly, portalSkip
	if withPortals {
		if err := dryRun(c, &portalFlags, targets[0]); err != nil {
			return err
		}
	}
	if withClients {
		if err := clientDryRun(c.Context(), base, clientOnly, clientSkip); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "matrix: %s, seed %d\n", columnsLine(len(targets), len(clients)), seed)

	ctx, cancel := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	// runSuite reads the command's context; put the caller's back after, so a later command line
	// in the same process (tests) does not start canceled.
	prev := c.Context()
	c.SetContext(ctx)
	defer c.SetContext(prev)
	// Every client is looked at before any column runs: a client that cannot be run is said at
	// once, not after the others' runs.
	clientProblems := map[string]string{}
	for _, mc := range clients {
		if p := clientProblem(ctx, mc); p != "" {
			clientProblems[mc.name] = p
			fmt.Fprintf(out, "%s: not run: %s\n", mc.name, p)
		}
	}
	var cols []matrix.Target
	for _, t := range targets {
		dir := filepath.Join(base.reportDir, t.name)
		col := matrix.Target{Name: t.name, Report: filepath.ToSlash(filepath.Join(t.name, "report.html"))}
		if ctx.Err() != nil {
			col.Problem, col.Report = "canceled before it ran", ""
			cols = append(cols, col)
			continue
		}
		if err := removeStale(dir); err != nil {
			return err
		}
		fmt.Fprintf(out, "\n== %s ==\n", t.name)
		f := portalFlags
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
	var clientCols []matrix.Target
	for _, mc := range clients {
		dir := filepath.Join(base.reportDir, mc.name)
		if err := removeStale(dir); err != nil {
			return err
		}
		switch {
		case ctx.Err() != nil:
			clientCols = append(clientCols, matrix.Target{Name: mc.name, Problem: "canceled before it ran"})
		case clientProblems[mc.name] != "":
			clientCols = append(clientCols, matrix.Target{Name: mc.name, Problem: clientProblems[mc.name]})
		default:
			fmt.Fprintf(out, "\n== %s ==\n", mc.name)
			clientCols = append(clientCols, runMatrixClient(c, base, mc, clientOnly, clientSkip, seed, dir, perTarget))
		}
	}
	var m *matrix.Matrix
	for _, grid := range []struct {
		cols []matrix.Target
		kind matrix.Kind
	}{{cols, matrix.KindPortal}, {clientCols, matrix.KindClient}} {
		if len(grid.cols) == 0 {
			continue
		}
		skip := a.crossSkip
		if grid.kind == matrix.KindClient {
			skip = clientGlobs(a.crossSkip) // abuse.* (the default) names no client check
		}
		g, err := matrix.Build(grid.cols, matrix.Options{Kind: grid.kind, CrossCheckSkip: skip})
		if err != nil {
			return usage("%v", err)
		}
		if grid.kind == matrix.KindClient {
			nameConfigs(g, clients)
		}
		g.Seed = seed // also when no column ran
		if m == nil {
			m = g
		} else {
			m.Clients = g
		}
	}
	written, err := matrix.WriteAll(base.reportDir, formats, m)
	if err != nil {
		return failed("write the matrix: %v", err)
	}
	printGrid(out, m)
	if m.Clients != nil {
		printGrid(out, m.Clients)
	}
	for _, w := range written {
		fmt.Fprintf(out, "report: %s\n", w)
	}
	what := columnsWord(withPortals, withClients)
	switch m.ExitCode() {
	case result.ExitClean:
		return nil
	case result.ExitFailure:
		return failed("matrix: at least one %s does not conform (see the matrix)", what)
	default:
		return usage("matrix: at least one %s could not be run (see the matrix)", what)
	}
}

// columnsLine counts the columns for the first line of the output.
func columnsLine(portals, clients int) string {
	var parts []string
	if portals > 0 {
		parts = append(parts, fmt.Sprintf("%d portals", portals))
	}
	if clients > 0 {
		parts = append(parts, fmt.Sprintf("%d clients", clients))
	}
	return strings.Join(parts, ", ")
}

// columnsWord names what the columns are, for the last line of the output.
func columnsWord(portals, clients bool) string {
	switch {
	case portals && clients:
		return "portal or client"
	case clients:
		return "client"
	}
	return "portal"
}
