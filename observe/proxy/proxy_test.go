package proxy_test

import (
	"context"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/observe/internal/scenario"
	"github.com/meshconform/meshconform/observe/proxy"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/portal"
)

// session runs the scenario through a proxy in front of the reference portal, with the given
// knobs on either side, and returns the judge's results and the exchanges it saw.
func session(t *testing.T, portalBugs, clientBugs []string) ([]result.CheckResult, []*observe.Exchange, []string) {
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
	purl, stop, err := portal.StartLoopback(context.Background(), portal.Config{Bugs: pb})
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
	srv := httptest.NewServer(p)
	defer srv.Close()
	problems := scenario.Run(context.Background(), srv.URL+observe.WellKnownPath, "localhost", cb, "observe-test")
	srv.Close()
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

func TestProxyJudgesEachSide(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		portalBugs             []string
		clientBugs             []string
		wantClient, wantPortal []string
	}{
		{name: "clean"},
		{name: "portal omit-status", portalBugs: []string{"omit-status"},
			wantPortal: []string{observe.RuleStatusPresent, observe.RuleStatusConnect}},
		{name: "client reuse-nonce", clientBugs: []string{"reuse-nonce"},
			wantClient: []string{observe.RuleClientNonce}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			results, seen, problems := session(t, tc.portalBugs, tc.clientBugs)
			if len(seen) < 10 {
				t.Fatalf("the proxy saw %d exchanges", len(seen))
			}
			c, p := broken(results)
			for _, r := range results {
				if r.Outcome != result.Pass && r.Outcome != result.Skip {
					t.Logf("%s %s: %s %v", r.Outcome, r.ID, r.Reason, r.Notes)
				}
			}
			t.Logf("client problems: %v", problems)
			if strings.Join(c, ",") != strings.Join(tc.wantClient, ",") || strings.Join(p, ",") != strings.Join(tc.wantPortal, ",") {
				t.Errorf("client side %v, portal side %v; want %v and %v", c, p, tc.wantClient, tc.wantPortal)
			}
		})
	}
}

func TestCleanSessionCoverage(t *testing.T) {
	results, _, problems := session(t, nil, nil)
	if len(problems) > 0 {
		t.Fatalf("the clean session failed: %v", problems)
	}
	for _, r := range results {
		t.Logf("%-45s %-5s %s", r.ID, r.Outcome, r.Reason)
	}
}
