package client_test

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshconform/meshconform/conformance"
	clientchecks "github.com/meshconform/meshconform/conformance/client"
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/harness/testportal"
	"github.com/meshconform/meshconform/internal/testparallel"
	refclient "github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/spec"
)

// knobBreaks names, for every knob of the reference client, exactly the checks that stop
// passing when it is on. A knob missing here fails TestEveryClientKnobIsCovered.
var knobBreaks = map[string][]string{
	"accept-untagged":       {"client.wire.untagged-response"},
	"crash-on-malformed":    {"client.robust.huge-body", "client.robust.invalid-json", "client.robust.invalid-utf8", "client.robust.never-ending", "client.robust.truncated", "client.transport.redirect", "client.wire.untagged-response"},
	"follow-redirects":      {"client.transport.redirect"},
	"host-ip":               {"client.http.host", "client.wire.host"},
	"ignore-host":           {"client.http.host"},
	"ignore-witness":        {"client.verify.witness"},
	"insecure-tls":          {"client.transport.tls-self-signed"},
	"no-auth-header":        {"client.auth.header"},
	"no-timeout":            {"client.robust.slow", "client.robust.stalled"},
	"reuse-nonce":           {"client.nonce.fresh"},
	"skip-signature-checks": {"client.verify.forged-profile", "client.verify.forged-result", "client.verify.unsigned-profile", "client.verify.unsigned-result"},
	"trust-http-status":     {"client.status.flaky", "client.status.http-error", "client.status.payload-error", "client.status.payload-redirect"},
	"trust-validate":        {"client.validate.no-reservation"},
	"unbounded-read":        {"client.robust.huge-body", "client.robust.never-ending"},
	"unknown-members":       {"client.request.strict"},
	"world-readable-keys":   {"client.state.keys-protected"},
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// meshclient builds the reference client once per test binary.
func meshclient(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "meshclient-bin-*")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "meshclient")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/meshconform/meshconform/cmd/meshclient").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("go build meshclient: %v", buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	flag.Parse()
	testparallel.AtLeast(testparallel.ForWaitingTests)
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func runClient(t *testing.T, bugs ...string) *result.Run {
	t.Helper()
	var args []string
	for _, b := range bugs {
		args = append(args, "--bug", b)
	}
	return runClientArgs(t, args...)
}

// runClientArgs runs every client check against meshclient started with args first.
func runClientArgs(t *testing.T, args ...string) *result.Run {
	t.Helper()
	cfg := &shim.Config{Shim: shim.ContractVersion, Args: args}
	sh := shim.New(meshclient(t), cfg)
	start := time.Now()
	run, err := harness.Run(context.Background(), clientchecks.All(clientchecks.Env{Shim: sh}), harness.Config{
		Target: fakeTarget{}, Catalog: conformance.Catalog(spec.MustLoad()), Seed: 1, Jobs: 6, CheckTimeout: 60 * time.Second,
		DeadAfter: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run with %v: %s", args, time.Since(start).Round(time.Millisecond))
	return run
}

// TestCleanClientPasses: the reference client passes every check, and the run exits 0.
func TestCleanClientPasses(t *testing.T) {
	t.Parallel()
	run := runClient(t)
	if len(run.Results) != len(clientchecks.All(clientchecks.Env{})) {
		t.Fatalf("%d results for %d checks", len(run.Results), len(clientchecks.All(clientchecks.Env{})))
	}
	for _, r := range run.Results {
		if r.Outcome != result.Pass {
			t.Errorf("%s: %s against the reference client: %s %v", r.ID, r.Outcome, r.Reason, r.Finding)
		}
	}
	if code := run.ExitCode(); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	// The report records each answer as it went out: a failure is diagnosed from it.
	for _, r := range run.Results {
		for _, e := range r.Exchanges {
			switch {
			case e.Response == nil:
				t.Errorf("%s: an exchange without its answer", r.ID)
			case r.ID == "client.transport.redirect" && !strings.HasPrefix(e.Request.URL, "redirect-target://") &&
				(e.Response.Status != http.StatusTemporaryRedirect || len(e.Response.Header["Location"]) != 1):
				t.Errorf("%s: the redirect recorded as status %d, Location %q", r.ID, e.Response.Status, e.Response.Header["Location"])
			// How much of the huge body went out before the client hung up depends on socket
			// buffers and the machine's load; what was announced and that the record is cut do not.
			case r.ID == "client.robust.huge-body" && (e.Response.Body.Size <= 0 || !e.Response.Body.Truncated || e.Duration <= 0 ||
				len(e.Response.Header["Content-Length"]) != 1 || e.Response.Header["Content-Length"][0] != strconv.Itoa(testportal.HugeSize)):
				t.Errorf("%s: the huge answer recorded as %d bytes (truncated %v, Content-Length %q) in %s", r.ID, e.Response.Body.Size, e.Response.Body.Truncated, e.Response.Header["Content-Length"], e.Duration)
			}
		}
	}
}

func TestEveryClientKnobIsCovered(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range clientchecks.All(clientchecks.Env{}) {
		ids[c.ID] = true
	}
	known := map[string]bool{}
	for _, b := range refclient.ListBugs() {
		known[b.Name] = true
		if len(knobBreaks[b.Name]) == 0 {
			t.Errorf("knob %s has no entry in knobBreaks: which check does it break?", b.Name)
		}
	}
	for k, checks := range knobBreaks {
		if !known[k] {
			t.Errorf("knobBreaks names %s, which is no knob of the reference client", k)
		}
		for _, c := range checks {
			if !ids[c] {
				t.Errorf("knob %s names check %s, which does not exist", k, c)
			}
		}
	}
	// Every check can fail: some knob breaks it.
	broken := map[string]bool{}
	for _, checks := range knobBreaks {
		for _, c := range checks {
			broken[c] = true
		}
	}
	for id := range ids {
		if !broken[id] {
			t.Errorf("no knob breaks %s: nothing shows the check can fail", id)
		}
	}
}

// TestEachClientKnobBreaksExactlyItsChecks runs every check once per knob: the checks that do
// not pass must be exactly the table's.
func TestEachClientKnobBreaksExactlyItsChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the client checks once per knob; skipped with -short")
	}
	eachKnobBreaksExactly(t, knobBreaks, func(id string) string { return id }, runClient)
}

// eachKnobBreaksExactly runs the client once per knob of table (knob -> what it breaks, named
// through checkID): the results that do not pass must be exactly the knob's, each a fail, and
// the run must exit 1.
func eachKnobBreaksExactly(t *testing.T, table map[string][]string, checkID func(string) string, run func(*testing.T, ...string) *result.Run) {
	knobs := make([]string, 0, len(table))
	for k := range table {
		knobs = append(knobs, k)
	}
	sort.Strings(knobs)
	for _, k := range knobs {
		t.Run(k, func(t *testing.T) {
			t.Parallel()
			got := run(t, k)
			want := map[string]bool{}
			for _, id := range table[k] {
				want[checkID(id)] = true
			}
			for _, r := range got.Results {
				switch {
				case want[r.ID] && r.Outcome != result.Fail:
					t.Errorf("with knob %s, check %s is %s; it should catch the knob", k, r.ID, r.Outcome)
				case !want[r.ID] && r.Outcome != result.Pass:
					msg := r.Reason
					if r.Finding != nil {
						msg = r.Finding.Message
					}
					t.Errorf("with knob %s, check %s is %s (%s); only %v should fail", k, r.ID, r.Outcome, msg, table[k])
				}
			}
			if got.ExitCode() != 1 {
				t.Errorf("exit code %d with knob %s, want 1", got.ExitCode(), k)
			}
		})
	}
}

type fakeTarget struct{}

func (fakeTarget) URL() string { return "client:meshclient" }

func (fakeTarget) Post(context.Context, []byte, http.Header) (*target.Exchange, error) {
	return nil, errors.New("client checks post nothing through the target")
}

// TestOptionalOperationsMayBeMissing: a client without the optional status and transfer (exit
// 89) still has the checks that run them judged on the rest, and passes them; every other check
// runs as it does for the full client.
func TestOptionalOperationsMayBeMissing(t *testing.T) {
	t.Parallel()
	wrapper := filepath.Join(t.TempDir(), "without-optional")
	script := "#!/usr/bin/env bash\n" +
		"last=${!#}; prev=${@: -2:1}\n" +
		"if [ \"$last\" = transfer ] || { [ \"$last\" = status ] && [ \"$prev\" != connect ]; }; then\n" +
		"  echo \"$last: not implemented\" >&2; exit 89\nfi\n" +
		"exec " + meshclient(t) + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	sh := shim.New(wrapper, &shim.Config{Shim: shim.ContractVersion})
	run, err := harness.Run(context.Background(), clientchecks.All(clientchecks.Env{Shim: sh}), harness.Config{
		Target: fakeTarget{}, Catalog: conformance.Catalog(spec.MustLoad()), Seed: 1, Jobs: 6, CheckTimeout: 60 * time.Second,
		DeadAfter: -1, Selection: harness.Selection{Only: []string{"client.auth.header", "client.request.strict"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Results) != 2 {
		t.Fatalf("%d results, want 2", len(run.Results))
	}
	for _, r := range run.Results {
		if r.Outcome != result.Pass {
			t.Errorf("%s: %s without the optional operations: %s %v", r.ID, r.Outcome, r.Reason, r.Finding)
		}
		said := false
		for _, l := range r.Log {
			said = said || strings.Contains(l, "optional \"transfer\" (exit 89): not judged")
		}
		if !said {
			t.Errorf("%s: the log does not say transfer was left out: %q", r.ID, r.Log)
		}
	}
}
