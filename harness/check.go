package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/meshconform/meshconform/harness/target"
)

// Level is the requirement level of RFC 2119 a check verifies.
type Level string

// The levels.
const (
	MUST   Level = "MUST"
	SHOULD Level = "SHOULD"
	MAY    Level = "MAY"
)

// Levels lists the levels in decreasing strength.
var Levels = []Level{MUST, SHOULD, MAY}

func (l Level) valid() bool { return l == MUST || l == SHOULD || l == MAY }

// Category says what kind of statement a check makes about the target.
type Category string

// The categories.
const (
	// Deviation: the target departs from a requirement of the spec.
	Deviation Category = "deviation"
	// Control: a security control (access control, limits, key strength) is missing.
	Control Category = "control"
	// Review: material for a human reviewer; never a verdict on its own (outcome info).
	Review Category = "review"
	// Probe: an observation of optional or ambiguous behaviour (outcome info).
	Probe Category = "probe"
)

// Categories lists the categories in presentation order.
var Categories = []Category{Deviation, Control, Review, Probe}

func (c Category) valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// Requirement is the part of a catalog entry the harness copies into results.
type Requirement struct {
	ID           string
	Section      string
	Level        string // "MUST", "SHOULD", "MAY"
	Kind         string // "requirement" or "control"
	Text         string
	AppliesTo    string
	Verification string // "remote", "client" or "review"
	Rationale    string
	Notes        []string
}

// Catalog looks requirements up by ID. The spec package's catalog is adapted to it by the
// command; tests use a map.
type Catalog interface {
	Requirement(id string) (Requirement, bool)
}

// MapCatalog is a Catalog backed by a map, for tests and small tools.
type MapCatalog map[string]Requirement

// Requirement implements Catalog.
func (m MapCatalog) Requirement(id string) (Requirement, bool) {
	r, ok := m[id]
	return r, ok
}

// Target is what checks talk to. *target.HTTP implements it; tests may fake it.
type Target interface {
	Post(ctx context.Context, body []byte, hdr http.Header) (*target.Exchange, error)
	// URL is the printable portal URL (no user information).
	URL() string
}

// Check is one conformance check: data describing it plus the function that runs it. Checks are
// values added in one place (a slice), so listing, selecting and documenting need no reflection.
type Check struct {
	// ID is a stable slug ("validate.invalid-characters"): lower case letters, digits, '.', '-'
	// and '_'. It names the check in reports, expectations files and replay commands.
	ID string
	// Requirement is the catalog ID the check verifies.
	Requirement string
	// Section of the draft; taken from the catalog when empty.
	Section string
	// Level of the requirement; taken from the catalog when empty. Required except for review
	// and probe checks.
	Level    Level
	Category Category
	Title    string
	// Doc is one paragraph for users: what the check detects, an example failure, and the extra
	// requests it sends.
	Doc string
	// Accepts names every answer the check accepts, each with the document text or note it
	// follows from (docs/checks.md shows it): a verdict must be traceable to the documents.
	// Deviation and control checks must have one (a test of the conformance package).
	Accepts string
	// Serial checks run alone, after the parallel ones: they stress or change the target in a
	// way other checks would notice.
	Serial bool
	// Run performs the check. It reports through t and must honour ctx.
	Run func(ctx context.Context, t *T)
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// ErrInvalidCheck reports a check definition the harness cannot run.
var ErrInvalidCheck = errors.New("invalid check")

// validate reports definition mistakes; they are programming errors of the check's author, but
// reported as errors so that one bad check cannot crash a run.
func (c *Check) validate() error {
	switch {
	case !idPattern.MatchString(c.ID):
		return fmt.Errorf("%w: ID %q must match %s", ErrInvalidCheck, c.ID, idPattern)
	case c.Run == nil:
		return fmt.Errorf("%w %s: no Run function", ErrInvalidCheck, c.ID)
	case c.Title == "":
		return fmt.Errorf("%w %s: no title", ErrInvalidCheck, c.ID)
	case !c.Category.valid():
		return fmt.Errorf("%w %s: category %q", ErrInvalidCheck, c.ID, c.Category)
	case c.Level != "" && !c.Level.valid():
		return fmt.Errorf("%w %s: level %q", ErrInvalidCheck, c.ID, c.Level)
	}
	return nil
}
