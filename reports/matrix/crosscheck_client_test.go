package matrix

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

// sentEx is an exchange of a client check: what the client sent to the test portal at url, with
// its Authorization header (auth, "" for none), and the answer it was given.
func sentEx(url, auth, req string, status int, body string) result.Exchange {
	e := ex(req, status, body)
	e.Request.URL = url
	if auth != "" {
		e.Request.Header = map[string][]string{"Authorization": {auth}}
	}
	return e
}

func TestCrossCheckClients(t *testing.T) {
	const u, v = "http://127.0.0.1:1111/.well-known/mmm/", "http://127.0.0.1:2222/.well-known/mmm/"
	create := `{"CreateAccount":{"Account":"a","Profile":[{"dig":"S512"},"x"]}}`
	ok := `{"CreateResponse":{"Status":201}}`
	publish := `{"Publish":{"Entry":["x"]}}`
	tests := []struct {
		name string
		a, b []result.Exchange
		want [][]string // What of each disagreement, in order
	}{
		{"same structure, other values and another port", []result.Exchange{sentEx(u, "", create, 200, ok)},
			[]result.Exchange{sentEx(v, "", `{"CreateAccount":{"Account":"b","Profile":[{"dig":"S512"},"y"]}}`, 200, ok)}, nil},
		{"a member only one sends, an empty list counts as absent", []result.Exchange{sentEx(u, "", create, 200, ok)},
			[]result.Exchange{sentEx(u, "", `{"CreateAccount":{"Account":"a","Profile":[],"Extra":1}}`, 200, ok)},
			[][]string{{"only the baseline sends Profile", "only this client sends Extra"}}},
		{"another Authorization scheme, another path", []result.Exchange{sentEx(u, "Mesh account=a, sig=x", publish, 200, `{"PublishResponse":{"Status":201}}`)},
			[]result.Exchange{sentEx("http://127.0.0.1:3/mmm", "Mesh-Session ticket=t", publish, 200, `{"PublishResponse":{"Status":201}}`)},
			[][]string{{"path /.well-known/mmm/ / /mmm", "Authorization Mesh / Mesh-Session"}}},
		{"no Authorization where the baseline signs, and the answer of another class", []result.Exchange{sentEx(u, result.Redacted, publish, 200, `{"PublishResponse":{"Status":201}}`)},
			[]result.Exchange{sentEx(u, "", publish, 401, `{"PublishResponse":{"Status":401}}`)},
			[][]string{{"Authorization present / none", "answered HTTP 2xx / 4xx", "answered with payload Status 2xx / 4xx"}}},
		{"the clients part: compared no further", []result.Exchange{sentEx(u, "", create, 200, ok), sentEx(u, "", create, 200, ok)},
			[]result.Exchange{sentEx(u, "", `{"Hello":{}}`, 200, `{"HelloResponse":{"Status":201}}`), sentEx(u, "", create, 409, ok)},
			[][]string{{"the clients' requests part here (CreateAccount / Hello): not compared further"}}},
		{"one request more than the baseline", []result.Exchange{sentEx(u, "", create, 200, ok)},
			[]result.Exchange{sentEx(u, "", create, 200, ok), sentEx(u, "", create, 409, ok)},
			[][]string{{"the baseline sent 1 requests in this check, this client 2"}}},
		{"the client hung up before the answer", []result.Exchange{sentEx(u, "", create, 200, ok)},
			[]result.Exchange{sentEx(u, "", create, 0, "")},
			[][]string{{"answered HTTP 2xx / no answer (timeout)", "answered with payload Status 2xx / none"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDisagreements(t, CrossCheckClients, tc.a, tc.b, tc.want)
		})
	}
}

// TestCrossCheckPortalsIgnoresCounts: the portal cross-check compares the exchanges both runs
// have; a run with more of them is not listed (the checks' own verdicts cover that).
func TestCrossCheckPortalsIgnoresCounts(t *testing.T) {
	a := withExchanges("c", ex(`{"Get":{}}`, 200, `{"GetResponse":{"Status":201}}`))
	b := withExchanges("c", ex(`{"Get":{}}`, 200, `{"GetResponse":{"Status":201}}`), ex(`{"Get":{}}`, 200, `{"GetResponse":{"Status":201}}`))
	if ds := CrossCheck([]Target{{Name: "ref", Run: a}, {Name: "b", Run: b}}, nil); len(ds) != 0 {
		t.Errorf("got %+v, want no disagreement", ds)
	}
}

// mixed is a comparison of portals and clients: the portal grid, holding the client grid.
func mixed(t *testing.T) *Matrix {
	m := hostile(t)
	okCreate := sentEx("http://127.0.0.1:1/.well-known/mmm/", "", `{"CreateAccount":{"Account":"a"}}`, 200, `{"CreateResponse":{"Status":201}}`)
	refused := sentEx("http://127.0.0.1:2/.well-known/mmm/", "", `{"CreateAccount":{"Account":"a","Bogus":true}}`, 400, `{"CreateResponse":{"Status":400}}`)
	ref, knob := res("client.request.strict", result.Pass, ""), res("client.request.strict", result.Fail, "an unknown member Bogus in CreateAccount")
	ref.Exchanges, knob.Exchanges = []result.Exchange{okCreate}, []result.Exchange{refused}
	c, err := Build([]Target{
		{Name: "meshclient", Run: runOf("client:/bin/meshclient", ref, res("client.http.host", result.Pass, "")), Report: "meshclient/report.html"},
		{Name: "knob", Run: runOf("client:/bin/meshclient --config knob.json", knob, res("client.http.host", result.Pass, "")), Report: "knob/report.html"},
		{Name: "broken", Problem: "its shim configuration (--client-config broken=b.json) is unusable"},
	}, Options{Kind: KindClient})
	if err != nil {
		t.Fatal(err)
	}
	m.Clients = c
	return m
}

func TestMixedMatrix(t *testing.T) {
	m := mixed(t)
	if d := cmp.Diff([]string{"wire.a", "client.http.host", "client.request.strict"}, m.DifferingIDs()); d != "" {
		t.Errorf("differing IDs over both grids (-want +got):\n%s", d)
	}
	if m.Kind != KindPortal || m.Clients.Kind != KindClient {
		t.Errorf("kinds %q and %q, want portal holding client", m.Kind, m.Clients.Kind)
	}
	if got := m.ExitCode(); got != result.ExitUsage {
		t.Errorf("ExitCode = %d, want 2: a client column did not run", got)
	}
	m.Clients.Targets = m.Clients.Targets[:2]
	if got := m.ExitCode(); got != result.ExitFailure {
		t.Errorf("ExitCode = %d without the column that did not run, want 1", got)
	}
	if len(m.Clients.Disagreements) != 1 || m.Clients.Disagreements[0].Check != "client.request.strict" {
		t.Errorf("client disagreements %+v, want one, in client.request.strict", m.Clients.Disagreements)
	}
}

func TestMixedGolden(t *testing.T) {
	golden(t, "golden.mixed.", mixed(t))
}
