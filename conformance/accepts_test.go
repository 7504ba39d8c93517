package conformance

import (
	"regexp"
	"testing"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/spec"
)

// citation is what an Accepts text must name for its answers to be traceable: a note, the
// draft or WIRE.md.
var citation = regexp.MustCompile(`NOTE-[A-Z0-9-]+|draft \d|WIRE\.md \d`)

var noteID = regexp.MustCompile(`NOTE-[A-Z0-9]+(?:-[A-Z0-9]+)*`)

// TestEveryVerdictSaysWhatItAccepts: every check that can fail names the answers it accepts and
// where in the documents each comes from, and every note it cites exists.
func TestEveryVerdictSaysWhatItAccepts(t *testing.T) {
	s := spec.MustLoad()
	for _, c := range All(Env{Domain: "localhost"}) {
		if c.Accepts == "" {
			if c.Category == harness.Deviation || c.Category == harness.Control {
				t.Errorf("%s (%s) does not say which answers it accepts (harness.Check.Accepts)", c.ID, c.Category)
			}
			continue
		}
		if c.Category != harness.Review && !citation.MatchString(c.Accepts) {
			t.Errorf("%s: Accepts cites no note, draft section or WIRE.md section: %q", c.ID, c.Accepts)
		}
		for _, id := range noteID.FindAllString(c.Accepts, -1) {
			if _, ok := s.Note(id); !ok {
				t.Errorf("%s: Accepts cites %s, which is no note of spec/notes.json", c.ID, id)
			}
		}
	}
}
