package proxy_test

import (
	"context"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/internal/scenario"
	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/observe/proxy"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/portal"
)

// session runs the scenario through a proxy in front of the reference portal, with the given
// knobs on either side, and returns the judge's results and the exchanges it saw.
func session(t *testing.T, portalBugs, clientBugs, steps []string) ([]result.CheckResult, []*observe.Exchange, []string) {
	t.Helper()
	var pb portal.Bugs
	for _, b := range portalBugs {
		if err := pb.Set(b); err != nil {
			t.Fatal(err)
		}
	}
	var cb client.Bugs
	for _, b := range clientBugs {
		if err := cb.Set(b); err != nil {
			t.Fatal(err)
		}
	}
	return sessionWith(t, portal.Config{Bugs: pb}, scenario.Options{Bugs: cb}, steps)
}

func sessionWith(t *testing.T, pcfg portal.Config, o scenario.Options, steps []string) ([]result.CheckResult, []*observe.Exchange, []string) {
	t.Helper()
	purl, stop, err := portal.StartLoopback(context.Background(), pcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	u, _ := url.Parse(purl)
	j, err := observe.New(observe.Config{Host: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []*observe.Exchange
	p := proxy.New(proxy.Config{Portal: u, Consume: func(ex *observe.Exchange) {
		j.Observe(ex)
		mu.Lock()
		seen = append(seen, ex)
		mu.Unlock()
	}})
	base, stopProxy := proxy.ServeLoopback(t, p)
	problems := scenario.RunWith(context.Background(), base+observe.WellKnownPath, "localhost", o, "observe-test")
	for _, st := range steps {
		if err := scenario.Steps[st](context.Background(), base+observe.WellKnownPath, "localhost", "observe-test"); err != nil {
			problems = append(problems, st+": "+err.Error())
		}
	}
	stopProxy()
	p.Close()
	return j.Results(), seen, problems
}

// broken lists the rules that did not pass (nor skip), by side.
func broken(results []result.CheckResult) (client, portal []string) {
	for _, r := range results {
		if r.Outcome == result.Pass || r.Outcome == result.Skip {
			continue
		}
		if strings.HasPrefix(r.ID, "observe.client.") {
			client = append(client, r.ID)
		} else {
			portal = append(portal, r.ID)
		}
	}
	sort.Strings(client)
	sort.Strings(portal)
	return client, portal
}

// TestProxyJudgesEachSide is the end-to-end test of issue 20: the reference client drives the
// reference portal through the proxy, once clean, once per knob. A portal knob must be reported
// on the portal side and a client knob on the client side, each by exactly the rules named, and
// the same session without the knob must blame nobody on that side.
func TestProxyJudgesEachSide(t *testing.T) {
	for _, tc := range []struct {
		name       string
		portalBugs []string
		clientBugs []string
		steps      []string // extra exchanges (scenario.Steps) in both runs
		want       []string // the rules the knob breaks, on the knob's side
	}{
		{name: "clean"},
		{name: "portal omit-status", portalBugs: []string{"omit-status"},
			want: []string{observe.RuleStatusPresent, observe.RuleStatusConnect}},
		{name: "portal untagged-responses", portalBugs: []string{"untagged-responses"},
			want: []string{observe.RuleResponseTag}},
		{name: "portal http-status-always-200", portalBugs: []string{"http-status-always-200"}, steps: []string{"get-unknown"},
			want: []string{observe.RuleStatusMirror}},
		{name: "portal cacheable-responses", portalBugs: []string{"cacheable-responses"},
			want: []string{observe.RuleContentType}},
		{name: "portal accept-replayed-request", portalBugs: []string{"accept-replayed-request"}, steps: []string{"replay"},
			want: []string{observe.RuleReplayRefused}},
		{name: "portal accept-stale-time", portalBugs: []string{"accept-stale-time"}, steps: []string{"stale"},
			want: []string{observe.RuleReplayRefused}},
		{name: "portal duplicate-create-succeeds", portalBugs: []string{"duplicate-create-succeeds"}, steps: []string{"create-twice"},
			want: []string{observe.RuleCreateOnce}},
		{name: "portal weak-server-nonce", portalBugs: []string{"weak-server-nonce"},
			want: []string{observe.RuleServerNonce}},
		{name: "portal biased-server-nonce", portalBugs: []string{"biased-server-nonce"},
			want: []string{observe.RuleServerNonce}},
		{name: "portal reencode-entries", portalBugs: []string{"reencode-entries"},
			want: []string{observe.RuleServedProfile}},
		{name: "portal wrong-witness", portalBugs: []string{"wrong-witness"},
			want: []string{observe.RuleWitness}},
		{name: "portal session-offer-unsigned", portalBugs: []string{"session-offer-unsigned"}, steps: []string{"offer-unsigned"},
			want: []string{observe.RuleAuthRefused, observe.RuleSessionGrant}},
		{name: "portal skip-authentication", portalBugs: []string{"skip-authentication"}, clientBugs: []string{"no-auth-header"},
			want: []string{observe.RuleAuthRefused}},
		{name: "portal cross-account-auth", portalBugs: []string{"cross-account-auth"}, steps: []string{"cross-account"},
			want: []string{observe.RuleAuthDevice}},
		{name: "portal accept-unsigned-profile", portalBugs: []string{"accept-unsigned-profile"}, steps: []string{"forged-create", "forged-publish"},
			want: []string{observe.RuleForgedEntry, observe.RuleForgedProfile}},
		{name: "client reuse-nonce", clientBugs: []string{"reuse-nonce"},
			want: []string{observe.RuleClientNonce}},
		{name: "client no-auth-header", clientBugs: []string{"no-auth-header"},
			want: []string{observe.RuleAuthPresent}},
		{name: "client host-ip", clientBugs: []string{"host-ip"},
			want: []string{observe.RuleHost}},
		{name: "client unknown-members", clientBugs: []string{"unknown-members"},
			want: []string{observe.RuleRequestTag}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			baseClient, basePortal := broken(first(session(t, nil, nil, tc.steps)))
			results, seen, problems := session(t, tc.portalBugs, tc.clientBugs, tc.steps)
			if len(seen) < 5 {
				t.Fatalf("the proxy saw %d exchanges", len(seen))
			}
			if len(basePortal) > 0 {
				t.Errorf("the reference portal is blamed for %v", basePortal)
			}
			c, p := broken(results)
			got, other, base := p, c, baseClient
			if len(tc.clientBugs) > 0 && len(tc.portalBugs) == 0 {
				got, other, base = c, p, basePortal
			} else if len(tc.portalBugs) == 0 && len(c) > 0 {
				t.Errorf("the reference client is blamed for %v", c)
			}
			got = added(got, base)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				for _, r := range results {
					if r.Outcome != result.Pass && r.Outcome != result.Skip {
						t.Logf("%s %s: %s %v", r.Outcome, r.ID, r.Reason, r.Notes)
					}
				}
				t.Logf("what the client reported: %v", problems)
				t.Errorf("the knob's side broke %v, want %v", got, tc.want)
			}
			if o := added(other, base); len(tc.portalBugs)+len(tc.clientBugs) > 0 && len(o) > 0 && len(tc.clientBugs) > 0 && len(tc.portalBugs) == 0 {
				t.Errorf("a client knob blamed the portal for %v", o)
			}
		})
	}
}

func first(r []result.CheckResult, _ []*observe.Exchange, _ []string) []result.CheckResult { return r }

// added lists what got has that base has not.
func added(got, base []string) []string {
	var out []string
	for _, g := range got {
		found := false
		for _, b := range base {
			found = found || b == g
		}
		if !found {
			out = append(out, g)
		}
	}
	return out
}

// TestCleanSessionCoverage: the clean session, with a few requests no conforming client sends
// (a body naming no transaction, an unsigned session offer, a repeated Create), judges every
// rule but those only a misbehaving portal gives occasion to, so a rule that silently stops
// applying fails here.
func TestCleanSessionCoverage(t *testing.T) {
	results, _, problems := session(t, nil, nil, []string{"garbage", "offer-unsigned", "validate-then-create", "create-twice", "cross-account", "forged-create", "forged-publish"})
	if len(problems) > 0 {
		t.Fatalf("the clean session failed: %v", problems)
	}
	// A conforming portal grants no session to that offer, and Validate said "e" is Valid.
	idle := map[string]bool{observe.RuleSessionGrant: true, observe.RuleValidateCreate: true, observe.RuleForgedRequest: true, observe.RuleForgedResult: true}
	// The extra steps are the test client's own misbehaviour: a body naming no transaction, a
	// signature not covering its offer, profiles signed by the device key.
	clientAtFault := map[string]bool{observe.RuleAuthSignature: true, observe.RuleRequestTag: true,
		observe.RuleCreateProfile: true, observe.RulePublishSigned: true}
	for _, r := range results {
		want := result.Pass
		switch {
		case idle[r.ID]:
			want = result.Skip
		case clientAtFault[r.ID]:
			want = result.Fail
		}
		if r.Outcome != want {
			t.Errorf("%s: %s (%s), want %s", r.ID, r.Outcome, r.Reason, want)
		}
	}
}

// TestAllowancesBlameNobody: a behaviour the documents permit, on either side, is never judged a
// failure; a portal allowance that departs from a SHOULD warns on that requirement only, as the
// conformance allowance self-test asks of the checks.
func TestAllowancesBlameNobody(t *testing.T) {
	for _, a := range portal.ListAllowances() {
		if a.Name == "delay-300ms" {
			continue // a slower answer, nothing on the wire to judge; the session would take seconds
		}
		t.Run("portal "+a.Name, func(t *testing.T) {
			var cfg portal.Config
			if err := cfg.Allow.Set(a.Name); err != nil {
				t.Fatal(err)
			}
			results, _, _ := sessionWith(t, cfg, scenario.Options{}, nil)
			for _, r := range results {
				switch {
				case r.Outcome == result.Pass || r.Outcome == result.Skip:
				case r.Outcome == result.Warn && r.Requirement != nil && contains(a.Should, r.Requirement.ID):
				default:
					t.Errorf("%s %s: %s %v", r.Outcome, r.ID, r.Reason, r.Notes)
				}
			}
		})
	}
	for _, a := range client.ListAllowances() {
		t.Run("client "+a.Name, func(t *testing.T) {
			var o scenario.Options
			if err := o.Allow.Set(a.Name); err != nil {
				t.Fatal(err)
			}
			results, _, problems := sessionWith(t, portal.Config{}, o, nil)
			if len(problems) > 0 {
				t.Errorf("the session failed: %v", problems)
			}
			for _, r := range results {
				if r.Outcome != result.Pass && r.Outcome != result.Skip {
					t.Errorf("%s %s: %s %v", r.Outcome, r.ID, r.Reason, r.Notes)
				}
			}
		})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
