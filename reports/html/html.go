package html

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render/reportkit"
)

//go:embed report.html.tmpl
var pageText string

//go:embed report.css
var pageCSS string

//go:embed report.js
var pageJS string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"lower": strings.ToLower,
}).Parse(pageText))

// view is everything the template shows, precomputed so the template stays free of logic.
type view struct {
	Title     string
	Run       *result.Run
	Started   string
	Duration  string
	ExitCode  int
	Draft     string
	DraftURL  string
	Outcomes  []outcomeCount
	Sections  []sectionRow
	Levels    []string
	Results   []resultView
	Problems  []resultView // fail, xpass, error and warn, the results the page leads with
	Total     int
	CSS       template.CSS
	JS        template.JS
	Condition string
	Strict    bool
}

type outcomeCount struct {
	Outcome string
	Count   int
	Percent string // width of the bar segment
}

type sectionRow struct {
	Section string
	Label   string
	URI     string
	Cells   []outcomeCount
	Total   int
}

type resultView struct {
	R           *result.CheckResult
	Outcome     string
	Headline    string
	Requirement string
	ReqText     string
	ReqID       string
	HelpURI     string
	Section     string
	Expected    string
	Observed    string
	Diff        []diffLine
	Exchanges   []string
	// Omitted counts the recorded exchanges the page leaves to run.json.
	Omitted     int
	Problem     bool
	Search      string
	Duration    string
	Expectation string
}

type diffLine struct {
	Class string
	Text  string
}

// problem outcomes are what a reader came for: the page leads with them, in full.
func problem(o result.Outcome) bool {
	return o == result.Fail || o == result.XPass || o == result.Error || o == result.Warn
}

// The exchanges a page shows of one result: a real run records hundreds for some checks
// (connect.server-nonce-bits, abuse.pending-flood) and the page of a whole run grew to
// megabytes, almost all of it the traffic of checks that passed. A problem shows the exchanges
// its finding points at, the reproducing requests; any other result only those its finding
// points at. Every exchange stays in run.json.
const (
	maxProblemExchanges = 5
	maxOtherExchanges   = 2
)

func outcomeRank(o result.Outcome) int {
	for i, x := range result.Outcomes {
		if x == o {
			return i
		}
	}
	return len(result.Outcomes)
}

func build(run *result.Run) *view {
	counts := reportkit.Counts(run.Results)
	v := &view{
		Title: "meshconform report", Run: run, ExitCode: run.ExitCode(), Draft: reportkit.DraftName,
		DraftURL: reportkit.DraftURL, Total: len(run.Results), CSS: template.CSS(pageCSS), JS: template.JS(pageJS),
		Strict: run.Config.Strict,
	}
	if run.Target != "" {
		v.Title += ": " + run.Target
	}
	if !run.StartedAt.IsZero() {
		v.Started = run.StartedAt.UTC().Format(time.RFC3339)
	}
	v.Duration = run.Duration.Round(time.Millisecond).String()
	if run.Condition != "" {
		v.Condition = string(run.Condition)
		if run.ConditionDetail != "" {
			v.Condition += ": " + run.ConditionDetail
		}
	}
	for _, o := range result.Outcomes {
		pct := "0"
		if v.Total > 0 {
			pct = fmt.Sprintf("%.4f", 100*float64(counts[o])/float64(v.Total))
		}
		v.Outcomes = append(v.Outcomes, outcomeCount{Outcome: string(o), Count: counts[o], Percent: pct})
	}
	bySection := map[string]map[result.Outcome]int{}
	levels := map[string]bool{}
	for _, r := range run.Results {
		if bySection[r.Section] == nil {
			bySection[r.Section] = map[result.Outcome]int{}
		}
		bySection[r.Section][r.Outcome]++
		levels[r.Level] = true
	}
	for _, s := range reportkit.Sections(run.Results) {
		row := sectionRow{Section: s, Label: reportkit.SectionLabel(s), URI: reportkit.HelpURI(s)}
		for _, o := range result.Outcomes {
			n := bySection[s][o]
			row.Cells = append(row.Cells, outcomeCount{Outcome: string(o), Count: n})
			row.Total += n
		}
		v.Sections = append(v.Sections, row)
	}
	for l := range levels {
		v.Levels = append(v.Levels, l)
	}
	sort.Strings(v.Levels)
	results := append([]result.CheckResult(nil), run.Results...)
	sort.SliceStable(results, func(i, j int) bool {
		a, b := &results[i], &results[j]
		if ra, rb := outcomeRank(a.Outcome), outcomeRank(b.Outcome); ra != rb {
			return ra < rb
		}
		if c := reportkit.CompareSections(a.Section, b.Section); c != 0 {
			return c < 0
		}
		return a.ID < b.ID
	})
	for i := range results {
		rv := resultOf(&results[i])
		v.Results = append(v.Results, rv)
		if rv.Problem {
			v.Problems = append(v.Problems, rv)
		}
	}
	return v
}

func resultOf(r *result.CheckResult) resultView {
	rv := resultView{R: r, Outcome: string(r.Outcome), Headline: reportkit.Headline(r), HelpURI: reportkit.HelpURI(r.Section),
		Section: reportkit.SectionLabel(r.Section), Problem: problem(r.Outcome), Duration: r.Duration.Round(time.Millisecond).String()}
	if rv.Outcome == "" {
		rv.Outcome = "not-run"
	}
	if req := r.Requirement; req != nil {
		rv.ReqID, rv.ReqText = req.ID, req.Text
		rv.Requirement = req.ID
		if req.Level != "" {
			rv.Requirement += " (" + req.Level + ")"
		}
	}
	if e := r.Expectation; e != nil {
		rv.Expectation = fmt.Sprintf("%s by %q: %s", e.Kind, e.Pattern, e.Reason)
	}
	if f := r.Finding; f != nil {
		rv.Expected = reportkit.JSONText(f.Expected)
		rv.Observed = reportkit.JSONText(f.Observed)
		// Two one-line values side by side say all their diff would.
		oneLine := rv.Expected != "" && rv.Observed != "" && !strings.Contains(rv.Expected+rv.Observed, "\n")
		for _, l := range strings.Split(f.Diff, "\n") {
			if f.Diff == "" || oneLine {
				break
			}
			cls := ""
			switch {
			case strings.HasPrefix(l, "+"):
				cls = "add"
			case strings.HasPrefix(l, "-"):
				cls = "del"
			}
			rv.Diff = append(rv.Diff, diffLine{Class: cls, Text: l})
		}
	}
	shown := shownExchanges(r, rv.Problem)
	for _, i := range shown {
		rv.Exchanges = append(rv.Exchanges, reportkit.ExchangeText(&r.Exchanges[i]))
	}
	rv.Omitted = len(r.Exchanges) - len(shown)
	rv.Search = strings.ToLower(strings.Join([]string{r.ID, r.Title, rv.Headline, r.Reason, rv.ReqID, rv.ReqText, r.Category}, " "))
	return rv
}

// shownExchanges picks the exchanges the page shows of r (see maxProblemExchanges).
func shownExchanges(r *result.CheckResult, isProblem bool) []int {
	pointed := r.Finding != nil && len(r.Finding.Exchanges) > 0
	limit := maxOtherExchanges
	switch {
	case isProblem:
		limit = maxProblemExchanges
	case !pointed:
		return nil
	}
	idx := reportkit.ShownExchanges(r)
	if len(idx) > limit {
		if pointed {
			idx = idx[:limit]
		} else {
			// Nothing pointed at: the last exchanges are the ones closest to the verdict.
			idx = idx[len(idx)-limit:]
		}
	}
	return idx
}

// Write renders run as a self-contained HTML page. html/template escapes every value by context;
// nothing from the run reaches the page unescaped.
func Write(w io.Writer, run *result.Run) error {
	var buf bytes.Buffer
	if err := page.Execute(&buf, build(run)); err != nil {
		return fmt.Errorf("html: render: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html: write: %w", err)
	}
	return nil
}
