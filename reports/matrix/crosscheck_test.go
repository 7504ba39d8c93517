package matrix

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
)

// ex is an exchange: a request body and the answer's HTTP status and body (status 0: no answer).
func ex(req string, status int, body string) result.Exchange {
	e := result.Exchange{Request: result.Request{Method: "POST", Body: result.Body{Text: req, Size: int64(len(req))}}}
	if status == 0 {
		e.Problem = "timeout"
		return e
	}
	e.Response = &result.Response{Status: status, Body: result.Body{Text: body, Size: int64(len(body))}}
	return e
}

func truncated(e result.Exchange) result.Exchange {
	e.Request.Body.Truncated = true
	e.Request.Body.Size *= 100
	return e
}

func withExchanges(id string, exs ...result.Exchange) *result.Run {
	r := res(id, result.Pass, "")
	r.Exchanges = exs
	return runOf("u", r)
}

func TestCrossCheck(t *testing.T) {
	get := `{"Get":{"Account":"a"}}`
	found := `{"GetResponse":{"Status":201,"Entries":[{"ID":"x"}]}}`
	tests := []struct {
		name string
		a, b []result.Exchange
		want [][]string // What of each disagreement, in order
	}{
		{"same structure, other values", []result.Exchange{ex(get, 200, found)},
			[]result.Exchange{ex(get, 200, `{"GetResponse":{"Status":201,"Entries":[{"ID":"y"}, {"ID":"z"}]}}`)}, nil},
		{"refused where the baseline answered", []result.Exchange{ex(get, 200, found)},
			[]result.Exchange{ex(get, 404, `{"GetResponse":{"Status":404}}`)},
			[][]string{{"HTTP 2xx / 4xx", "payload Status 2xx / 4xx", "only the baseline answers with Entries"}}},
		{"an empty list counts as absent", []result.Exchange{ex(get, 200, found)},
			[]result.Exchange{ex(get, 200, `{"GetResponse":{"Status":201,"Entries":[]}}`)},
			[][]string{{"only the baseline answers with Entries"}}},
		{"another refusal code of the same class agrees", []result.Exchange{ex(get, 400, `{"GetResponse":{"Status":400}}`)},
			[]result.Exchange{ex(get, 409, `{"GetResponse":{"Status":409}}`)}, nil},
		{"untagged and no answer", []result.Exchange{ex(get, 200, found), ex(get, 200, found)},
			[]result.Exchange{ex(get, 200, `{"Status":201,"Entries":[{"ID":"x"}]}`), ex(get, 0, "")},
			[][]string{{`response tag "GetResponse" / ""`}, {"HTTP 2xx / no answer (timeout)", `response tag "GetResponse" / ""`, "payload Status 2xx / none", "only the baseline answers with Entries, Status"}}},
		{"not JSON", []result.Exchange{ex(get, 200, found)}, []result.Exchange{ex(get, 200, "<html>")},
			[][]string{{"body is JSON: true / false", `response tag "GetResponse" / ""`, "payload Status 2xx / none", "only the baseline answers with Entries, Status"}}},
		{"a request recorded in part still names its transaction", []result.Exchange{ex(get, 200, found)},
			[]result.Exchange{truncated(ex(`{"Get":{"KeyValues":[{"Key":"k","Value":"AAAA`, 404, `{"GetResponse":{"Status":404}}`))},
			[][]string{{"HTTP 2xx / 4xx", "payload Status 2xx / 4xx", "only the baseline answers with Entries"}}},
		{"the requests part: compared no further", []result.Exchange{ex(get, 200, found), ex(get, 200, found)},
			[]result.Exchange{ex(`{"Delete":{}}`, 500, ""), ex(get, 404, "")},
			[][]string{{"the requests part here (POST Get / POST Delete): not compared further"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantDisagreements(t, CrossCheck, tc.a, tc.b, tc.want)
		})
	}
}

func TestCrossCheckSkipsWhatDidNotRun(t *testing.T) {
	a := withExchanges("c", ex(`{"Get":{}}`, 200, `{"GetResponse":{"Status":201}}`))
	b := withExchanges("c", ex(`{"Get":{}}`, 404, `{"GetResponse":{"Status":404}}`))
	if ds := CrossCheck([]Target{{Name: "ref"}, {Name: "b", Run: b}}, nil); len(ds) != 0 {
		t.Errorf("a baseline that did not run gave %d disagreements", len(ds))
	}
	if ds := CrossCheck([]Target{{Name: "ref", Run: a}, {Name: "b"}, {Name: "c", Run: b}}, nil); len(ds) != 1 || ds[0].Target != "c" {
		t.Errorf("got %+v, want one disagreement, of c (b did not run)", ds)
	}
	if ds := CrossCheck([]Target{{Name: "ref", Run: a}, {Name: "b", Run: b}}, []string{"x.*", "c"}); len(ds) != 0 {
		t.Errorf("a skipped check was compared: %+v", ds)
	}
	if ds := CrossCheck([]Target{{Name: "ref", Run: a}, {Name: "b", Run: withExchanges("other", b.Results[0].Exchanges...)}}, nil); len(ds) != 0 {
		t.Errorf("checks only one target ran were compared: %+v", ds)
	}
}

// wantDisagreements cross-checks a run of check "c" by "other" against the same check by "ref"
// and requires every disagreement to name them with both exchanges, and to say want, in order.
func wantDisagreements(t *testing.T, cross func([]Target, []string) []Disagreement, a, b []result.Exchange, want [][]string) {
	t.Helper()
	ds := cross([]Target{{Name: "ref", Run: withExchanges("c", a...)}, {Name: "other", Run: withExchanges("c", b...)}}, nil)
	var got [][]string
	for _, d := range ds {
		got = append(got, d.What)
		if d.Check != "c" || d.Target != "other" || d.Baseline != "ref" || d.BaselineExchange == "" || d.TargetExchange == "" {
			t.Errorf("disagreement %+v: want check c, target other against ref, both exchanges", d)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("disagreements (-want +got):\n%s", d)
	}
}
