package conformance

import (
	"context"
	"strings"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/spec"
)

// reviewChecks turn every catalog entry that no remote test can settle into a review item, so
// that it appears in every report with its reason instead of being silently absent.
func reviewChecks(s *spec.Spec) []harness.Check {
	var out []harness.Check
	for _, r := range s.Requirements {
		if r.Verification == "remote" {
			continue
		}
		r := r
		why := "no request to a portal can observe it: it is verified by reviewing the implementation"
		if r.Verification == "client" {
			why = "it is a client's obligation: `meshconform client` checks it against a client binary"
		}
		if r.AppliesTo == "client" && r.Verification == "review" {
			why = "it concerns the client's device and is verified by review"
		}
		doc := "Review item for " + r.ID + " (" + r.Kind + ", " + r.Level + "): \"" + r.Text + "\". Reported as " +
			"information because " + why + "."
		if r.Rationale != "" {
			doc += " Level rationale: " + r.Rationale
		}
		out = append(out, harness.Check{
			ID:          "review." + strings.ToLower(r.ID),
			Requirement: r.ID,
			Category:    harness.Review,
			Title:       "Review: " + truncate(r.Text, 80),
			Doc:         doc,
			Accepts:     "Every target: information only, never a verdict (" + r.ID + " is verified by " + r.Verification + ").",
			Run: func(ctx context.Context, t *harness.T) {
				t.Info("review item: " + why)
			},
		})
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.TrimSpace(s[:n]) + "..."
}
