package html

import (
	"bytes"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/internal/reporttest"
)

// realRun reads testdata/realrun.json, a real run of the suite against the embedded reference
// portal with misbehaviour knobs (testdata/realrun.sh regenerates it).
func realRun(t *testing.T) *result.Run {
	t.Helper()
	return reporttest.ReadRun(t, filepath.Join("testdata", "realrun.json"))
}

var (
	problemIDRe  = regexp.MustCompile(`<article class="problem" id="problem-([^"]+)"`)
	resultOpenRe = regexp.MustCompile(`<details class="result"[^>]* open>`)
)

// TestLeadsWithProblems: on a real run the page names every failure and warning, in full,
// before the section matrix, which is folded; the list of all results follows.
func TestLeadsWithProblems(t *testing.T) {
	run := realRun(t)
	page := string(render(t, run))
	problems := strings.Index(page, `<section id="problems">`)
	matrix := strings.Index(page, `<details id="matrix-section">`)
	results := strings.Index(page, `<section id="results">`)
	if problems < 0 || matrix < 0 || results < 0 || !(problems < matrix && matrix < results) {
		t.Fatalf("sections at %d (problems), %d (folded matrix), %d (results): want them in that order", problems, matrix, results)
	}
	if resultOpenRe.MatchString(page) {
		t.Error("a result in the full list is unfolded: the failures are shown in full above it")
	}

	// The run's problems, in the order the page must give them: failures first.
	byID := map[string]*result.CheckResult{}
	var want []string
	for _, o := range []result.Outcome{result.Fail, result.XPass, result.Error, result.Warn} {
		for i := range run.Results {
			if r := &run.Results[i]; r.Outcome == o {
				want = append(want, r.ID)
				byID[r.ID] = r
			}
		}
	}
	if len(want) == 0 || run.Summary.Outcomes[result.Fail] == 0 || run.Summary.Outcomes[result.Warn] == 0 {
		t.Fatalf("realrun.json has %d problems (%v): it must hold failures and warnings (regenerate it with testdata/realrun.sh)", len(want), run.Summary.Outcomes)
	}
	var got []string
	for _, m := range problemIDRe.FindAllStringSubmatch(page[problems:matrix], -1) {
		got = append(got, m[1])
	}
	// Within one outcome the page orders by section: compare the count, membership and the
	// order of outcomes.
	if len(got) != len(want) {
		t.Fatalf("the page leads with %d problems %v, want the run's %d %v", len(got), got, len(want), want)
	}
	if n := strings.Count(page[problems:matrix], `href="#problem-`); n != len(want) {
		t.Errorf("the index of problems links %d cards, want %d", n, len(want))
	}
	rank := func(id string) int { return outcomeRank(byID[id].Outcome) }
	for i, id := range got {
		if byID[id] == nil {
			t.Fatalf("problem %s is not a failure or warning of the run", id)
		}
		if i > 0 && rank(got[i-1]) > rank(id) {
			t.Errorf("%s (%s) comes after %s (%s): failures lead", id, byID[id].Outcome, got[i-1], byID[got[i-1]].Outcome)
		}
	}

	// Each problem says what the issue asks: requirement ID, section, level, the quoted text,
	// expected and observed, the reproducing request and the reproduce line.
	cards := strings.Split(page[problems:matrix], `<article class="problem"`)[1:]
	for i, card := range cards {
		r := byID[got[i]]
		text := html.UnescapeString(card)
		must := []string{r.ID, "§" + r.Section, r.Level, r.Reproduce}
		if r.Requirement != nil {
			must = append(must, r.Requirement.ID, "“"+r.Requirement.Text+"”")
		}
		if f := r.Finding; f != nil {
			must = append(must, f.Message)
			if len(f.Expected) > 0 {
				must = append(must, "<h4>Expected</h4>")
			}
			if len(f.Observed) > 0 {
				must = append(must, "<h4>Observed</h4>")
			}
		}
		if len(r.Exchanges) > 0 {
			must = append(must, "Reproducing exchange", "> POST ")
		}
		for _, s := range must {
			if !strings.Contains(text, s) {
				t.Errorf("problem %s does not show %q", r.ID, s)
			}
		}
	}
}

// TestSizeOnRealRun: a whole run's page grew to 1.7 MB, almost all of it the exchanges of checks
// that passed (connect.server-nonce-bits alone records hundreds). Those stay in run.json: a
// passing result shows none, so the page does not grow with the traffic of passing checks.
func TestSizeOnRealRun(t *testing.T) {
	run := realRun(t)
	page := render(t, run)
	exchanges := 0
	for _, r := range run.Results {
		exchanges += len(r.Exchanges)
	}
	if exchanges == 0 {
		t.Fatal("realrun.json records no exchange: regenerate it with testdata/realrun.sh")
	}
	for _, card := range strings.Split(string(page), `<details class="result"`)[1:] {
		if strings.Contains(card, `data-outcome="pass"`) && strings.Contains(card, `<pre class="exchange">`) {
			t.Errorf("a passing result shows its exchanges: %.80s", card)
		}
	}

	// The same run with every passing check's traffic a hundred times over.
	heavy := *run
	heavy.Results = append([]result.CheckResult(nil), run.Results...)
	passes := 0
	for i := range heavy.Results {
		r := &heavy.Results[i]
		if r.Outcome != result.Pass || len(r.Exchanges) == 0 {
			continue
		}
		passes++
		var more []result.Exchange
		for k := 0; k < 100; k++ {
			more = append(more, r.Exchanges...)
		}
		r.Exchanges = more
	}
	if passes == 0 {
		t.Fatal("realrun.json has no passing check with exchanges: regenerate it with testdata/realrun.sh")
	}
	grown := render(t, &heavy)
	if d := len(grown) - len(page); d > 16*passes {
		t.Errorf("a hundred times the passing checks' exchanges grew the page by %d bytes (%d passing checks): it shows them", d, passes)
	}
	var js bytes.Buffer
	if err := result.Write(&js, run); err != nil {
		t.Fatal(err)
	}
	t.Logf("page %d bytes (%d with 100x the passing traffic), JSON report %d bytes, %d exchanges recorded", len(page), len(grown), js.Len(), exchanges)
}

// TestExchangesShown: which recorded exchanges a result shows, and that the rest are counted.
func TestExchangesShown(t *testing.T) {
	ex := func(n int) []result.Exchange {
		out := make([]result.Exchange, n)
		for i := range out {
			out[i] = result.Exchange{Request: result.Request{Method: "POST", URL: "https://p/", Body: result.Body{Text: `{"n":` + string(rune('0'+i%10)) + `}`}}}
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		r       result.CheckResult
		want    []int
		omitted int
	}{
		{"pass shows none", result.CheckResult{Outcome: result.Pass, Exchanges: ex(30)}, nil, 30},
		{"info shows what its finding points at", result.CheckResult{Outcome: result.Info, Exchanges: ex(4), Finding: &result.Finding{Exchanges: []int{3}}}, []int{3}, 3},
		{"info points at many: the first two", result.CheckResult{Outcome: result.Info, Exchanges: ex(9), Finding: &result.Finding{Exchanges: []int{1, 4, 6}}}, []int{1, 4}, 7},
		{"fail shows what its finding points at", result.CheckResult{Outcome: result.Fail, Exchanges: ex(10), Finding: &result.Finding{Exchanges: []int{2, 7}}}, []int{2, 7}, 8},
		{"fail pointing at nothing: the last five", result.CheckResult{Outcome: result.Fail, Exchanges: ex(300), Finding: &result.Finding{Message: "m"}}, []int{295, 296, 297, 298, 299}, 295},
		{"warn, few exchanges: all", result.CheckResult{Outcome: result.Warn, Exchanges: ex(2)}, []int{0, 1}, 0},
		{"out-of-range pointers are dropped", result.CheckResult{Outcome: result.Fail, Exchanges: ex(2), Finding: &result.Finding{Exchanges: []int{5, 1}}}, []int{1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := shownExchanges(&tc.r, problem(tc.r.Outcome))
			if len(got) != len(tc.want) {
				t.Fatalf("shown %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("shown %v, want %v", got, tc.want)
				}
			}
			rv := resultOf(&tc.r)
			if rv.Omitted != tc.omitted || len(rv.Exchanges) != len(tc.want) {
				t.Errorf("view shows %d and counts %d omitted, want %d and %d", len(rv.Exchanges), rv.Omitted, len(tc.want), tc.omitted)
			}
			page := string(render(t, &result.Run{Tool: result.Tool{Name: "meshconform"}, Results: []result.CheckResult{tc.r}}))
			if tc.omitted > 0 && !strings.Contains(page, "see the JSON report (run.json)") {
				t.Error("the page does not say where the omitted exchanges are")
			}
		})
	}
}

// TestDiffOfOneLineValues: two one-line values are shown side by side without their diff, which
// would only repeat them; values of several lines keep it.
func TestDiffOfOneLineValues(t *testing.T) {
	for _, tc := range []struct {
		name               string
		expected, observed string
		wantDiff           bool
	}{
		{"one line each", `"application/json"`, `""`, false},
		{"several lines", `{"a": 1, "b": 2}`, `{"a": 1, "b": 3}`, true},
		{"observed only", ``, `"x"`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &result.Finding{Message: "m", Diff: "- a\n+ b"}
			if tc.expected != "" {
				f.Expected = []byte(tc.expected)
			}
			if tc.observed != "" {
				f.Observed = []byte(tc.observed)
			}
			rv := resultOf(&result.CheckResult{Outcome: result.Fail, Finding: f})
			if got := len(rv.Diff) > 0; got != tc.wantDiff {
				t.Errorf("diff shown %v, want %v", got, tc.wantDiff)
			}
		})
	}
}
