package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/harness/result"
)

// Change is one check whose outcome moved.
type Change struct {
	ID  string         `json:"id"`
	Old result.Outcome `json:"old,omitempty"` // empty: the old run did not have the check
	New result.Outcome `json:"new,omitempty"` // empty: the new run does not have the check
}

// Report classifies every check present in either run into exactly one class.
type Report struct {
	// NewFailures fail in the new run and did not fail in the old one (or did not exist).
	NewFailures []Change `json:"newFailures"`
	// Fixed failed in the old run and no longer fail.
	Fixed []Change `json:"fixed"`
	// Changed moved outcome without crossing the failure line (pass -> skip, fail -> error, ...),
	// or exist in only one run without failing.
	Changed []Change `json:"changed"`
	// Unchanged kept their outcome.
	Unchanged []string `json:"unchanged"`
	// Strict is the failure rule used: the new run's.
	Strict bool `json:"strict"`
}

// Regressed reports whether the new run introduces a failure: the gate's verdict.
func (r *Report) Regressed() bool { return len(r.NewFailures) > 0 }

// failed uses one strictness for both runs, the new run's, so that a warning is judged the same
// on both sides of the comparison.
func failed(o result.Outcome, strict bool) bool {
	c := result.CheckResult{Outcome: o}
	return o != "" && c.Failed(strict)
}

// Compare classifies the checks of oldRun and newRun by ID.
func Compare(oldRun, newRun *result.Run) *Report {
	strict := newRun.Config.Strict
	olds := map[string]result.Outcome{}
	news := map[string]result.Outcome{}
	ids := map[string]bool{}
	for _, r := range oldRun.Results {
		olds[r.ID] = r.Outcome
		ids[r.ID] = true
	}
	for _, r := range newRun.Results {
		news[r.ID] = r.Outcome
		ids[r.ID] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	rep := &Report{NewFailures: []Change{}, Fixed: []Change{}, Changed: []Change{}, Unchanged: []string{}, Strict: strict}
	for _, id := range sorted {
		o, inOld := olds[id]
		n, inNew := news[id]
		ch := Change{ID: id, Old: o, New: n}
		oldFail, newFail := inOld && failed(o, strict), inNew && failed(n, strict)
		switch {
		case newFail && !oldFail:
			rep.NewFailures = append(rep.NewFailures, ch)
		case oldFail && inNew && !newFail:
			rep.Fixed = append(rep.Fixed, ch)
		case inOld && inNew && o == n:
			rep.Unchanged = append(rep.Unchanged, id)
		default:
			rep.Changed = append(rep.Changed, ch)
		}
	}
	return rep
}

func outcome(o result.Outcome) string {
	if o == "" {
		return "absent"
	}
	return string(o)
}

// WriteText writes the report for people: the counts, then the check IDs of each class except
// the unchanged ones.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "new failures: %d\nfixed: %d\nchanged: %d\nunchanged: %d\n",
		len(r.NewFailures), len(r.Fixed), len(r.Changed), len(r.Unchanged))
	section := func(title string, cs []Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s:\n", title)
		for _, c := range cs {
			fmt.Fprintf(&b, "  %s  %s -> %s\n", c.ID, outcome(c.Old), outcome(c.New))
		}
	}
	section("new failures", r.NewFailures)
	section("fixed", r.Fixed)
	section("changed", r.Changed)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("diff: write: %w", err)
	}
	return nil
}

// WriteJSON writes the report as an indented JSON document with counts.
func (r *Report) WriteJSON(w io.Writer) error {
	doc := struct {
		Counts map[string]int `json:"counts"`
		*Report
	}{map[string]int{"newFailures": len(r.NewFailures), "fixed": len(r.Fixed), "changed": len(r.Changed),
		"unchanged": len(r.Unchanged)}, r}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("diff: write: %w", err)
	}
	return nil
}
