package matrix

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render/reportkit"
)

// NotRun is the outcome of a cell whose target has no result for the check: the target could not
// be run, or its run did not select the check. It is never a pass.
const NotRun result.Outcome = "not-run"

// Target is one column: a name the user chose and the run made against it.
type Target struct {
	Name string
	// Run is nil when the target could not be run at all (for example a failed pre-flight).
	Run *result.Run
	// Problem says why Run is nil, for people.
	Problem string
	// Report is the path of the target's own HTML report, relative to the matrix's files; cells
	// link to its check anchors. Empty: cells link nowhere.
	Report string
}

// Kind is what a matrix's columns are, and so which suite its rows come from and what its
// cross-check compares.
type Kind string

// The kinds of column.
const (
	// KindPortal columns are portals run through the portal checks; the cross-check compares
	// their answers to the same requests.
	KindPortal Kind = "portal"
	// KindClient columns are client binaries run through the client checks (docs/SHIM.md); the
	// cross-check compares what each client sent in the same check, and the class of the answer
	// the test portal gave it.
	KindClient Kind = "client"
)

// plural names the columns of a kind in prose.
func (k Kind) plural() string {
	if k == KindClient {
		return "clients"
	}
	return "portals"
}

// Options tune Build.
type Options struct {
	// Kind is what the targets are; the zero value is KindPortal.
	Kind Kind
	// CrossCheckSkip are globs (path.Match) of check IDs the cross-check leaves out: checks whose
	// request sequence follows the target's timing or rate limits by design, which would part
	// between two runs of one portal.
	CrossCheckSkip []string
}

// Matrix is the comparison: targets as columns, checks as rows.
type Matrix struct {
	Seed int64  `json:"seed"`
	Tool string `json:"tool,omitempty"`
	// Kind is what the columns are: portals or clients.
	Kind    Kind     `json:"kind"`
	Targets []Column `json:"targets"`
	// Differing counts the rows whose cells do not all have the same outcome.
	Differing int   `json:"differing"`
	Rows      []Row `json:"rows"`
	// Disagreements are the cross-check's findings (see CrossCheck): never failures.
	Disagreements []Disagreement `json:"disagreements"`
	// CrossCheckSkipped are the globs of the checks the cross-check left out.
	CrossCheckSkipped []string `json:"crossCheckSkipped,omitempty"`
	// Clients is the second grid of a comparison of portals and clients in one run: the client
	// checks x the clients, with the same seed. Set only on a portal matrix; the writers show it
	// as a section of its own, since its rows and columns share nothing with the portals'.
	Clients *Matrix `json:"clients,omitempty"`
}

// Column is a target's header: where it was, how its run ended and its counts.
type Column struct {
	Name      string                 `json:"name"`
	URL       string                 `json:"url,omitempty"`
	Problem   string                 `json:"problem,omitempty"`
	Condition result.Condition       `json:"condition,omitempty"`
	ExitCode  int                    `json:"exitCode"`
	Passed    bool                   `json:"passed"`
	Counts    map[result.Outcome]int `json:"counts"`
	Report    string                 `json:"report,omitempty"`
}

// Row is one check across the targets.
type Row struct {
	ID      string `json:"id"`
	Title   string `json:"title,omitempty"`
	Section string `json:"section,omitempty"`
	Level   string `json:"level,omitempty"`
	// Requirement is the requirement ID the check verifies, when it names one.
	Requirement string `json:"requirement,omitempty"`
	Differs     bool   `json:"differs"`
	Cells       []Cell `json:"cells"`
	// Disagreements counts the cross-check's disagreements in this check's exchanges.
	Disagreements int `json:"disagreements"`
}

// Cell is one check's result on one target.
type Cell struct {
	Outcome result.Outcome `json:"outcome"`
	// Message is the finding's headline (or the skip reason), empty for a plain pass.
	Message string `json:"message,omitempty"`
	// Link points into the target's own report at the check, empty when there is none.
	Link string `json:"link,omitempty"`
}

// Build lays the runs out as a matrix. Rows are the union of the checks of every run; those
// whose outcomes differ come first, then the rest, each group by check ID. Two cells differ when
// their outcomes do; a check one target did not run is NotRun there, which differs from any
// outcome.
func Build(targets []Target, opts Options) (*Matrix, error) {
	if len(targets) == 0 {
		return nil, errors.New("matrix: no target")
	}
	for _, g := range opts.CrossCheckSkip {
		if _, err := path.Match(g, ""); err != nil {
			return nil, fmt.Errorf("matrix: cross-check skip %q: %w", g, err)
		}
	}
	m := &Matrix{Kind: opts.Kind}
	if m.Kind == "" {
		m.Kind = KindPortal
	}
	byID := map[string]*Row{}
	var order []string
	seen := map[string]bool{}
	for _, t := range targets {
		if t.Name == "" || seen[t.Name] {
			return nil, fmt.Errorf("matrix: target name %q empty or repeated", t.Name)
		}
		seen[t.Name] = true
		col := Column{Name: t.Name, Problem: t.Problem, ExitCode: result.ExitUsage, Report: t.Report, Counts: map[result.Outcome]int{}}
		if t.Run != nil {
			col.URL, col.Condition, col.ExitCode = t.Run.Target, t.Run.Condition, t.Run.ExitCode()
			if m.Seed == 0 {
				m.Seed = t.Run.Seed
			}
			if m.Tool == "" {
				m.Tool = t.Run.Tool.String()
			}
			for i := range t.Run.Results {
				r := &t.Run.Results[i]
				col.Counts[r.Outcome]++
				if byID[r.ID] == nil {
					row := &Row{ID: r.ID, Title: r.Title, Section: r.Section, Level: r.Level}
					if r.Requirement != nil {
						row.Requirement = r.Requirement.ID
					}
					byID[r.ID] = row
					order = append(order, r.ID)
				}
			}
		}
		col.Passed = col.ExitCode == result.ExitClean
		m.Targets = append(m.Targets, col)
	}
	for _, id := range order {
		row := byID[id]
		for _, t := range targets {
			row.Cells = append(row.Cells, cellOf(t, id))
		}
		for _, c := range row.Cells[1:] {
			if c.Outcome != row.Cells[0].Outcome {
				row.Differs = true
			}
		}
		if row.Differs {
			m.Differing++
		}
		m.Rows = append(m.Rows, *row)
	}
	sort.SliceStable(m.Rows, func(i, j int) bool {
		a, b := m.Rows[i], m.Rows[j]
		if a.Differs != b.Differs {
			return a.Differs
		}
		return a.ID < b.ID
	})
	if m.Kind == KindClient {
		m.Disagreements = CrossCheckClients(targets, opts.CrossCheckSkip)
	} else {
		m.Disagreements = CrossCheck(targets, opts.CrossCheckSkip)
	}
	m.CrossCheckSkipped = opts.CrossCheckSkip
	if m.Disagreements == nil {
		m.Disagreements = []Disagreement{} // "none", not "not compared"
	}
	perCheck := map[string]int{}
	for _, d := range m.Disagreements {
		perCheck[d.Check]++
	}
	for i := range m.Rows {
		m.Rows[i].Disagreements = perCheck[m.Rows[i].ID]
	}
	return m, nil
}

func cellOf(t Target, id string) Cell {
	if t.Run == nil {
		return Cell{Outcome: NotRun, Message: t.Problem}
	}
	for i := range t.Run.Results {
		r := &t.Run.Results[i]
		if r.ID != id {
			continue
		}
		c := Cell{Outcome: r.Outcome}
		if r.Outcome != result.Pass {
			c.Message = reportkit.Headline(r)
		}
		if t.Report != "" {
			// The HTML report leads with its problems, each finding in full under #problem-ID;
			// every other result is under #check-ID.
			anchor := "#check-"
			switch r.Outcome {
			case result.Fail, result.XPass, result.Error, result.Warn:
				anchor = "#problem-"
			}
			c.Link = t.Report + anchor + url.PathEscape(id)
		}
		return c
	}
	return Cell{Outcome: NotRun, Message: "not selected in this target's run"}
}

// grids are m and, when it has one, its client grid: what the writers show, in order.
func (m *Matrix) grids() []*Matrix {
	if m.Clients == nil {
		return []*Matrix{m}
	}
	return []*Matrix{m, m.Clients}
}

// DifferingIDs lists the IDs of the rows that differ, in row order (the client grid's after the
// portals').
func (m *Matrix) DifferingIDs() []string {
	var out []string
	for _, g := range m.grids() {
		for _, r := range g.Rows {
			if r.Differs {
				out = append(out, r.ID)
			}
		}
	}
	return out
}

// ExitCode is the comparison's exit code, over every grid: 2 when a target could not be run or
// its run could not be made (the comparison is incomplete), else 1 when any target failed, else 0.
func (m *Matrix) ExitCode() int {
	code := result.ExitClean
	for _, g := range m.grids() {
		for _, c := range g.Targets {
			switch {
			case c.ExitCode == result.ExitUsage:
				return result.ExitUsage
			case c.ExitCode != result.ExitClean:
				code = result.ExitFailure
			}
		}
	}
	return code
}

// outcomeOrder fixes the order counts are shown in: the worst first.
var outcomeOrder = []result.Outcome{result.Fail, result.XPass, result.Error, result.Warn, result.XFail,
	result.Unimplemented, result.Info, result.Skip, result.Pass, NotRun}

func countsLine(counts map[result.Outcome]int) string {
	var parts []string
	for _, o := range outcomeOrder {
		if n := counts[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", o, n))
		}
	}
	if len(parts) == 0 {
		return "no results"
	}
	return strings.Join(parts, ", ")
}
