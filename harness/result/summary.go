package result

import "sort"

// Summary holds the counts reports show first. Maps are keyed by outcome so that a renderer can
// print any breakdown without walking the results again.
type Summary struct {
	Total      int                        `json:"total"`
	Outcomes   map[Outcome]int            `json:"outcomes"`
	Categories map[string]map[Outcome]int `json:"categories"`
	Sections   map[string]map[Outcome]int `json:"sections"`
	Levels     map[string]map[Outcome]int `json:"levels"`
	// Expectations counts the checks an expectations entry applied to: disabled checks by their
	// category (not-implemented, known-bug, environment, disagree-with-spec) and
	// "expected-failure" for the expected failures.
	Expectations map[string]int `json:"expectations"`
	// AfterTargetDied counts the non-passing results flagged as obtained after the target died.
	AfterTargetDied int `json:"afterTargetDied"`
}

// Summarize computes the summary of results. It is deterministic and depends on nothing else.
func Summarize(results []CheckResult) Summary {
	s := Summary{
		Total:        len(results),
		Outcomes:     map[Outcome]int{},
		Categories:   map[string]map[Outcome]int{},
		Sections:     map[string]map[Outcome]int{},
		Levels:       map[string]map[Outcome]int{},
		Expectations: map[string]int{},
	}
	add := func(m map[string]map[Outcome]int, key string, o Outcome) {
		if m[key] == nil {
			m[key] = map[Outcome]int{}
		}
		m[key][o]++
	}
	for _, r := range results {
		if r.Outcome == "" {
			continue // list mode: nothing ran
		}
		s.Outcomes[r.Outcome]++
		add(s.Categories, r.Category, r.Outcome)
		add(s.Sections, r.Section, r.Outcome)
		add(s.Levels, r.Level, r.Outcome)
		if e := r.Expectation; e != nil {
			if e.Kind == ExpectDisabled {
				s.Expectations[e.Category]++
			} else {
				s.Expectations[ExpectFailure]++
			}
		}
		if r.AfterTargetDied {
			s.AfterTargetDied++
		}
	}
	return s
}

// SortResults orders results by check ID, the stable order of every output.
func SortResults(results []CheckResult) {
	sort.SliceStable(results, func(i, j int) bool { return results[i].ID < results[j].ID })
}

// Exit codes of a run, shared with the command line.
const (
	ExitClean   = 0 // every selected check ended acceptably
	ExitFailure = 1 // the target failed a check, an expected failure passed, or the target died
	ExitUsage   = 2 // usage or configuration error, unreachable target, or no check selected
)

// ExitCode maps the run to the process exit code. An error outcome is not clean: the harness could
// not establish a verdict, and a CI pipeline must not read that as a pass, so it exits 1 too.
// Warnings fail the run only under Strict (recorded in Config).
func (r *Run) ExitCode() int {
	switch r.Condition {
	case ConditionTargetUnreachable, ConditionNoChecks, ConditionDeadline:
		return ExitUsage
	case ConditionTargetDied, ConditionCanceled:
		return ExitFailure
	}
	if r.Mode == ModeList {
		return ExitClean
	}
	for _, res := range r.Results {
		switch res.Outcome {
		case Fail, XPass, Error:
			return ExitFailure
		case Warn:
			if r.Config.Strict {
				return ExitFailure
			}
		}
	}
	return ExitClean
}

// Failed reports whether a single result counts as a failure of the run under strict.
func (c *CheckResult) Failed(strict bool) bool {
	switch c.Outcome {
	case Fail, XPass, Error:
		return true
	case Warn:
		return strict
	}
	return false
}
