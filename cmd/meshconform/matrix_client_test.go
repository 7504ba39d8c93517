package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/reports/matrix"
)

// clientKnobBreaks reads the client self-test's table of what each knob of the reference client
// breaks (knobBreaks in conformance/client/selftest_test.go, which that self-test checks
// independently), so that this test expects what the self-test found and never a guess.
func clientKnobBreaks(t *testing.T) map[string][]string {
	t.Helper()
	file, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "..", "conformance", "client", "selftest_test.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	unquote := func(e ast.Expr) string {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			t.Fatalf("knobBreaks holds %T where a string was expected", e)
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	out := map[string][]string{}
	ast.Inspect(file, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "knobBreaks" || len(spec.Values) != 1 {
			return true
		}
		for _, elt := range spec.Values[0].(*ast.CompositeLit).Elts {
			kv := elt.(*ast.KeyValueExpr)
			for _, id := range kv.Value.(*ast.CompositeLit).Elts {
				out[unquote(kv.Key)] = append(out[unquote(kv.Key)], unquote(id))
			}
		}
		return false
	})
	if len(out) == 0 {
		t.Fatal("no knobBreaks table in conformance/client/selftest_test.go")
	}
	return out
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMatrixClientKnobAgainstReference is issue 20's test of client columns: the reference
// client against itself with one knob on one side (set in its shim configuration, as the client
// self-tests set it) differs in exactly the checks the self-test's table says that knob breaks,
// the clean twin differs nowhere, not in outcomes nor in what it sent, and every cell links to a
// check that is in that client's own report.
func TestMatrixClientKnobAgainstReference(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshclient and runs the client checks three times")
	}
	const knob = "host-ip"
	// The slow and stalled checks wait on the client's timeouts (10 s and more) and say nothing
	// of this knob; the expected checks leave them out likewise.
	skip := []string{"client.robust.slow", "client.robust.stalled"}
	var want []string
	for _, id := range clientKnobBreaks(t)[knob] {
		if !slices.Contains(skip, id) {
			want = append(want, id)
		}
	}
	slices.Sort(want)
	if len(want) == 0 {
		t.Fatalf("the self-test's table names no check for knob %s", knob)
	}
	bin := buildMeshclient(t)
	dir := t.TempDir()
	cfg := writeFile(t, t.TempDir(), "knob.json", `{"shim":1,"args":["--bug","`+knob+`"]}`)
	args := []string{"matrix", "--client", "ref=" + bin, "--client", "same=" + bin, "--client", "knob=" + bin,
		"--client-config", "knob=" + cfg, "--seed", "13", "-j", "2", "--report-dir", dir}
	for _, s := range skip {
		args = append(args, "--skip", s)
	}
	code, out := runCLI(t, "", args...)
	if code != exitFailure {
		t.Fatalf("exit %d, want 1 (the knob fails)\n%s", code, out)
	}
	m := readMatrix(t, dir)
	if m.Kind != matrix.KindClient || m.Clients != nil || m.Seed != 13 {
		t.Fatalf("kind %q, clients grid %v, seed %d: want one client grid of seed 13", m.Kind, m.Clients != nil, m.Seed)
	}
	if d := cmp.Diff(want, m.DifferingIDs()); d != "" {
		t.Errorf("differing checks (-want +got):\n%s", d)
	}
	if !strings.Contains(m.Targets[2].URL, "--config "+cfg) {
		t.Errorf("the knob column's URL %q does not name its shim configuration", m.Targets[2].URL)
	}
	for _, r := range m.Rows {
		if r.Cells[1].Outcome != r.Cells[0].Outcome {
			t.Errorf("%s: the clean twin is %s, the reference %s", r.ID, r.Cells[1].Outcome, r.Cells[0].Outcome)
		}
		checkCellLinks(t, dir, m, r)
	}
	// What the clients sent: the twin sent what the reference sent; the knob's differences are
	// in the checks it breaks.
	for _, d := range m.Disagreements {
		if d.Target == "same" || !slices.Contains(want, d.Check) {
			t.Errorf("disagreement of %s in %s: %v\n  %s\n  %s", d.Target, d.Check, d.What, d.BaselineExchange, d.TargetExchange)
		}
	}
}

// TestMatrixClientSchemeDisagrees: a client that uses sessions (an allowance: the documents
// permit it) passes what the reference passes, and the cross-check shows where it authenticated
// otherwise, from the scheme the reports keep of the redacted Authorization.
func TestMatrixClientSchemeDisagrees(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshclient")
	}
	bin := buildMeshclient(t)
	dir := t.TempDir()
	cfg := writeFile(t, t.TempDir(), "sessions.json", `{"shim":1,"args":["--allow","sessions"]}`)
	code, out := runCLI(t, "", "matrix", "--client", "ref="+bin, "--client", "sess="+bin, "--client-config", "sess="+cfg,
		"--seed", "21", "-j", "2", "--skip", "client.robust.slow", "--skip", "client.robust.stalled", "--report-dir", dir)
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (sessions are allowed)\n%s", code, out)
	}
	m := readMatrix(t, dir)
	if ids := m.DifferingIDs(); len(ids) > 0 {
		t.Errorf("outcomes differ in %v", ids)
	}
	if len(m.Disagreements) == 0 {
		t.Fatalf("no disagreement: the session requests look like the signed ones\n%s", out)
	}
	for _, d := range m.Disagreements {
		if d.Target != "sess" || !slices.Equal(d.What, []string{"Authorization Mesh / Mesh-Session"}) {
			t.Errorf("disagreement of %s in %s: %v, want only the Authorization scheme", d.Target, d.Check, d.What)
		}
	}
}

// TestMatrixClientNotRun: a client that cannot be run (an unusable shim configuration, a binary
// that is not executable) is a not-run column, said in one line before any column runs; the
// comparison is incomplete (exit 2) and written all the same, beside the portals' grid.
func TestMatrixClientNotRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds meshclient")
	}
	bin := buildMeshclient(t)
	dir, cfgDir := t.TempDir(), t.TempDir()
	bad := writeFile(t, cfgDir, "bad.json", `{"shim":1,"bogus":true}`)
	notExec := writeFile(t, cfgDir, "client.sh", "#!/bin/sh\n")
	// A stale run of the same name must not stand in for this one.
	if err := os.MkdirAll(filepath.Join(dir, "bad"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "bad"), "run.json", `{"schemaVersion":1}`)
	code, out := runCLI(t, "", "matrix", "--portal", "p=embedded", "--portal", "q=embedded",
		"--client", "ref="+bin, "--client", "bad="+bin, "--client-config", "bad="+bad, "--client", "noexec="+notExec,
		"--only", "wire.hello", "--only", "client.http.host", "--seed", "5", "--report-dir", dir, "--report", "json")
	if code != exitUsage {
		t.Fatalf("exit %d, want 2\n%s", code, out)
	}
	for _, line := range []string{"bad: not run: its shim configuration (--client-config bad=" + bad + ") is unusable", "noexec: not run: the client binary " + notExec + " is not an executable file"} {
		if !strings.Contains(out, line) {
			t.Errorf("the output does not say %q:\n%s", line, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad", "run.json")); !os.IsNotExist(err) {
		t.Errorf("the stale run of bad is still there (%v)", err)
	}
	m := readMatrix(t, dir)
	if m.Kind != matrix.KindPortal || len(m.Rows) != 1 || m.Rows[0].ID != "wire.hello" || m.Rows[0].Differs {
		t.Errorf("portal grid: kind %q, rows %+v; want wire.hello alike on both portals", m.Kind, m.Rows)
	}
	c := m.Clients
	if c == nil || c.Kind != matrix.KindClient || len(c.Rows) != 1 || c.Rows[0].ID != "client.http.host" {
		t.Fatalf("client grid %+v: want client.http.host over three clients", c)
	}
	cells := c.Rows[0].Cells
	if cells[0].Outcome != "pass" || cells[1].Outcome != matrix.NotRun || cells[2].Outcome != matrix.NotRun ||
		!strings.Contains(c.Targets[1].Problem, "bogus") || c.Targets[1].Report != "" {
		t.Errorf("client cells %+v, columns %+v: want pass, then two not-run columns with their problem", cells, c.Targets)
	}
}

func TestMatrixClientUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"one client", []string{"--client", "a=/bin/true"}, "two --client"},
		{"one portal beside clients", []string{"--portal", "p=embedded", "--client", "a=/bin/true", "--client", "b=/bin/true"}, "two --portal"},
		{"no name", []string{"--client", "/bin/true", "--client", "b=/bin/true"}, "NAME=BIN"},
		{"bad name", []string{"--client", "a/b=/bin/true", "--client", "b=/bin/true"}, "letters"},
		{"a portal's name", []string{"--portal", "a=embedded", "--portal", "b=embedded", "--client", "a=/bin/true", "--client", "c=/bin/true"}, "twice"},
		{"config of no client", []string{"--client", "a=/bin/true", "--client", "b=/bin/true", "--client-config", "c=x.json"}, "no --client"},
		{"two configs", []string{"--client", "a=/bin/true", "--client", "b=/bin/true", "--client-config", "a=x.json", "--client-config", "a=y.json"}, "two configurations"},
		{"no client glob", []string{"--portal", "p=embedded", "--portal", "q=embedded", "--client", "a=/bin/true", "--client", "b=/bin/true", "--only", "wire.*"}, "names a client check"},
		{"a glob of neither", []string{"--client", "a=/bin/true", "--client", "b=/bin/true", "--only", "client.nothing"}, "client.nothing"},
		{"a portal glob without portals", []string{"--client", "a=/bin/true", "--client", "b=/bin/true", "--only", "wire.*"}, "wire.*"},
		{"bad level", []string{"--client", "a=/bin/true", "--client", "b=/bin/true", "--level", "OFTEN"}, "OFTEN"},
		{"empty selection", []string{"--client", "a=/bin/true", "--client", "b=/bin/true", "--only", "client.http.host", "--level", "MAY"}, "no client check"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var errBuf strings.Builder
			rootCmd.SetErr(&errBuf)
			defer rootCmd.SetErr(nil)
			code, _ := runCLI(t, "", append([]string{"matrix", "--report-dir", dir}, tc.args...)...)
			if code != exitUsage {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(errBuf.String(), tc.want) {
				t.Errorf("error %q does not mention %q", errBuf.String(), tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("a usage error wrote %d files", len(entries))
			}
		})
	}
}
