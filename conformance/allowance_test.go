package conformance

import (
	"sort"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/portal"
)

// The allowance self-test is the knob self-test's mirror image: every allowance of the
// reference portal is a behaviour the documents permit, so the whole suite must stay clean
// with it on — no failure, no error, no warning but those of the SHOULDs the allowance names,
// no unimplemented but for the optional features it leaves out. A check that fails here
// accepts fewer answers than its quoted text and the notes allow.

// omittedChecks names, for each allowance that leaves an optional feature out, the checks that
// must then report unimplemented (never pass, never fail). The status-not-implemented knob did
// this for Status alone before: a portal without Status is permitted (NOTE-UNIMPLEMENTED), so it
// is an allowance, not a misbehaviour.
var omittedChecks = map[string][]string{
	"unimplemented-501":      logChecksOmitted,
	"unimplemented-http-404": logChecksOmitted,
	"no-sessions": {"auth.session.offer-bound", "auth.session.mac", "auth.session.portal-binding", "auth.session.ticket",
		"auth.session.replay", "auth.session.stale-time", "auth.session.cross-account", "auth.session.device"},
}

var logChecksOmitted = []string{"status.checkpoint-grows", "status.idempotent", "status.answers", "transfer.unauthenticated",
	"transfer.own-records", "transfer.checkpoint-matches", "transfer.records-attributed"}

// slowAllowance is run on a subset of the checks with more jobs: its answers take 300 ms each,
// and the verdict must not depend on that, only the test's cost would.
const slowAllowance = "delay-300ms"

// slowSubset are the checks the slow allowance runs: every group of the suite is represented.
func slowSubset(id string) bool {
	for _, p := range []string{"wire.", "validate.", "create.", "get.", "connect.witness", "auth.session.grant", "auth.replay", "status."} {
		if strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

func TestOmittedChecksNameAllowances(t *testing.T) {
	omits := map[string]bool{}
	for _, a := range portal.ListAllowances() {
		if a.Omits != "" {
			omits[a.Name] = true
			if len(omittedChecks[a.Name]) == 0 {
				t.Errorf("allowance %s leaves %s out: which checks report unimplemented? (omittedChecks)", a.Name, a.Omits)
			}
		}
	}
	for name := range omittedChecks {
		if !omits[name] {
			t.Errorf("omittedChecks names %s, which is no allowance that leaves a feature out", name)
		}
	}
}

func TestEachAllowanceKeepsTheSuiteClean(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite once per allowance; skipped with -short")
	}
	for _, a := range portal.ListAllowances() {
		t.Run(a.Name, func(t *testing.T) {
			t.Parallel()
			runAllowed(t, []portal.AllowanceInfo{a})
		})
	}
}

// TestCompatibleAllowancesTogether runs the suite with every allowance on at once, taking from
// each group of alternatives first its first member, then its second.
func TestCompatibleAllowancesTogether(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole suite twice; skipped with -short")
	}
	groups := map[string][]portal.AllowanceInfo{}
	var alone []portal.AllowanceInfo
	for _, a := range portal.ListAllowances() {
		switch {
		case a.Name == slowAllowance:
		case a.Group == "":
			alone = append(alone, a)
		default:
			groups[a.Group] = append(groups[a.Group], a)
		}
	}
	for pick := 0; pick < 2; pick++ {
		set := append([]portal.AllowanceInfo{}, alone...)
		for g, alts := range groups {
			if len(alts) < 2 {
				t.Fatalf("group %s has %d allowance: a group names alternatives", g, len(alts))
			}
			set = append(set, alts[pick])
		}
		sort.Slice(set, func(i, j int) bool { return set[i].Name < set[j].Name })
		var names []string
		for _, a := range set {
			names = append(names, a.Name)
		}
		t.Run([]string{"first-of-each-group", "second-of-each-group"}[pick], func(t *testing.T) {
			t.Parallel()
			t.Logf("allowances: %s", strings.Join(names, ", "))
			runAllowed(t, set)
		})
	}
}

// runAllowed runs the suite against a portal with the allowances on and judges the run: under
// Strict when none of them departs from a SHOULD, and always requiring exit 0.
func runAllowed(t *testing.T, set []portal.AllowanceInfo) {
	t.Helper()
	var cfg portal.Config
	should := map[string]bool{}
	omits := false
	o := suiteOptions{Strict: true, Only: func(id string) bool { return id != "wire.transport-tls" }}
	for _, a := range set {
		if err := cfg.Allow.Set(a.Name); err != nil {
			t.Fatal(err)
		}
		for _, r := range a.Should {
			should[r] = true
			o.Strict = false
		}
		omits = omits || a.Omits != ""
		if a.Name == slowAllowance {
			o.Jobs, o.Only = 16, func(id string) bool { return id != "wire.transport-tls" && slowSubset(id) }
		}
	}
	run := runPortal(t, cfg, o)
	checks := map[string]string{} // check ID -> requirement ID
	for _, c := range All(Env{Domain: "localhost"}) {
		checks[c.ID] = c.Requirement
	}
	warned := map[string]bool{}
	for _, r := range run.Results {
		msg := r.Reason
		if r.Finding != nil {
			msg = r.Finding.Message
		}
		switch r.Outcome {
		case result.Pass, result.Info:
		case result.Warn:
			warned[checks[r.ID]] = true
			if !should[checks[r.ID]] {
				t.Errorf("%s warns (%s): the allowance departs from no SHOULD of %s", r.ID, msg, checks[r.ID])
			} else if r.Level != "SHOULD" {
				t.Errorf("%s warns at %s", r.ID, r.Level)
			}
		case result.Unimplemented:
			if !omits {
				t.Errorf("%s is unimplemented (%s), but the allowance leaves no optional feature out", r.ID, msg)
			}
		default:
			t.Errorf("%s: %s with a permitted behaviour: %s", r.ID, r.Outcome, msg)
		}
	}
	for _, a := range set {
		got := outcomes(run)
		for _, id := range omittedChecks[a.Name] {
			if r, ok := got[id]; !ok || r.Outcome != result.Unimplemented {
				t.Errorf("with %s, %s is %q, want unimplemented", a.Name, id, r.Outcome)
			}
		}
	}
	for r := range should {
		if !warned[r] {
			t.Errorf("no check of %s warns: the allowance departs from that SHOULD, so its check should notice", r)
		}
	}
	if code := run.ExitCode(); code != 0 {
		t.Errorf("exit code %d (strict %v), want 0", code, o.Strict)
	}
}
