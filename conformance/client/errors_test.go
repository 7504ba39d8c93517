package client

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/testportal"
)

// TestFaultErrorsFollowShim: the identifiers each check accepts are the ones docs/SHIM.md's
// table admits for its fault, every identifier of the contract has a row, and every fault of
// the test portal that a client refuses is covered by at least one.
func TestFaultErrorsFollowShim(t *testing.T) {
	doc, err := os.ReadFile("../../docs/SHIM.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z]+)` \\| [^|]+ \\| ([^|]+) \\|$")
	fromDoc := map[testportal.Fault][]string{}
	var ids []string
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		ids = append(ids, m[1])
		for _, f := range strings.Split(m[2], ",") {
			f := testportal.Fault(strings.TrimSpace(f))
			fromDoc[f] = append(fromDoc[f], m[1])
		}
	}
	if diff := cmp.Diff(shim.ErrorIDs, ids); diff != "" {
		t.Errorf("SHIM.md's identifier rows differ from shim.ErrorIDs (-code +doc):\n%s", diff)
	}
	norm := func(m map[testportal.Fault][]string) map[testportal.Fault][]string {
		out := map[testportal.Fault][]string{}
		for f, v := range m {
			v = slices.Clone(v)
			slices.Sort(v)
			out[f] = v
		}
		return out
	}
	if diff := cmp.Diff(norm(faultErrors), norm(fromDoc)); diff != "" {
		t.Errorf("faultErrors differs from docs/SHIM.md's table (-code +doc):\n%s", diff)
	}
	for _, f := range testportal.Faults() {
		// Under http-error the payload says success, and so must the client.
		if len(fromDoc[f]) == 0 && f != testportal.HTTPError {
			t.Errorf("fault %s has no error identifier in docs/SHIM.md", f)
		}
	}
}
