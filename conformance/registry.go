package conformance

import (
	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/spec"
)

// All returns every portal check, in a stable order: a new check is added to one of the
// lists below and nowhere else.
func All(env Env) []harness.Check {
	var out []harness.Check
	for _, group := range [][]harness.Check{
		wireChecks(env),
		accountChecks(env),
		publishChecks(env),
		connectChecks(env),
		logChecks(env),
		securityChecks(env),
		sessionChecks(env),
		transactionChecks(env),
		authKeyChecks(env),
		statusChecks(env),
		integrityChecks(env),
		transferChecks(env),
		abuseChecks(env),
		refusalChecks(env),
		{nonceBitsCheck(env)},
		consistencyChecks(env),
		logChainChecks(env),
		boundsChecks(env),
		noteChecks(env),
		reviewChecks(spec.MustLoad()),
	} {
		out = append(out, group...)
	}
	return out
}

// Catalog adapts the spec catalog to the harness.
func Catalog(s *spec.Spec) harness.Catalog { return catalog{s} }

type catalog struct{ s *spec.Spec }

func (c catalog) Requirement(id string) (harness.Requirement, bool) {
	r, ok := c.s.Requirement(id)
	if !ok {
		return harness.Requirement{}, false
	}
	return harness.Requirement{ID: r.ID, Section: r.Section, Level: r.Level, Kind: r.Kind, Text: r.Text,
		AppliesTo: r.AppliesTo, Verification: r.Verification, Rationale: r.Rationale, Notes: r.Notes}, true
}
