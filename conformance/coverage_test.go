package conformance

import (
	"testing"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/spec"
)

// TestEveryPortalRequirementHasACheck: every requirement and control a remote test can settle
// on a portal has at least one automated check; every other entry has a review item.
func TestEveryPortalRequirementHasACheck(t *testing.T) {
	s := spec.MustLoad()
	automated, review := map[string]bool{}, map[string]bool{}
	for _, c := range All(Env{Domain: "portal.example"}) {
		if c.Category == harness.Review {
			review[c.Requirement] = true
		} else {
			automated[c.Requirement] = true
		}
		if _, ok := s.Requirement(c.Requirement); !ok {
			t.Errorf("check %s cites %s, which is not in the catalog", c.ID, c.Requirement)
		}
	}
	for _, r := range s.Requirements {
		switch {
		case r.Verification == "remote" && r.AppliesTo != "client":
			if !automated[r.ID] {
				t.Errorf("%s (%s, section %s) is remotely checkable on a portal but has no check", r.ID, r.Level, r.Section)
			}
		case r.Verification != "remote":
			if !review[r.ID] {
				t.Errorf("%s has neither a check nor a review item", r.ID)
			}
		}
	}
}

// TestEveryPortalRequirementIsProvenByAKnob: every MUST and SHOULD a remote test can settle on
// a portal has a misbehaviour knob of the reference portal that one of its checks catches
// (TestEachKnobBreaksItsChecks), so no check is taken on trust. A MAY cannot be broken: the
// checks for MAYs only report.
func TestEveryPortalRequirementIsProvenByAKnob(t *testing.T) {
	s := spec.MustLoad()
	reqOf := map[string]string{}
	for _, c := range All(Env{Domain: "portal.example"}) {
		reqOf[c.ID] = c.Requirement
	}
	proven := map[string]bool{}
	for _, checks := range knobBreaks {
		for _, id := range checks {
			proven[reqOf[id]] = true
		}
	}
	for _, r := range s.Requirements {
		if r.Verification == "remote" && r.AppliesTo != "client" && r.Level != "MAY" && !proven[r.ID] {
			t.Errorf("%s (%s, section %s) has no knob that breaks a check for it", r.ID, r.Level, r.Section)
		}
	}
}
