package generate

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedVectorsAreCurrent fails when the committed files differ from a fresh
// regeneration: run `make vectors` and commit.
func TestCommittedVectorsAreCurrent(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range all {
		have, err := os.ReadFile(filepath.Join("..", "testvectors", name))
		if err != nil {
			t.Errorf("%s: %v (run make vectors)", name, err)
			continue
		}
		if !bytes.Equal(have, want) {
			t.Errorf("%s differs from a fresh regeneration (run make vectors)", name)
		}
	}
	committed, _ := filepath.Glob(filepath.Join("..", "testvectors", "*.json"))
	for _, p := range committed {
		if _, ok := all[filepath.Base(p)]; !ok {
			t.Errorf("%s is not produced by the generator: stale", p)
		}
	}
}

// TestDeterministic regenerates twice in one process and compares.
func TestDeterministic(t *testing.T) {
	a, err := All()
	if err != nil {
		t.Fatal(err)
	}
	b, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two generations", name)
		}
	}
}

// TestPublishedValuesAreFromTheSource ties the hard-coded published values to the copied
// examples of the Mesh reference implementation.
func TestPublishedValuesAreFromTheSource(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "testdata", "external", "udf-draft-examples.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Published.Digests {
		if !bytes.Contains(src, []byte(d.Udf)) || !bytes.Contains(src, []byte(d.Text)) {
			t.Errorf("digest %s of %q is not in the published examples", d.Udf, d.Text)
		}
	}
	for _, m := range Published.MACs {
		for _, v := range []string{m.Udf, m.Key, m.Text} {
			if !bytes.Contains(src, []byte(v)) {
				t.Errorf("authenticator value %q is not in the published examples", v)
			}
		}
	}
}

// TestEveryTransactionHasValidAndInvalidVectors: issue 6 asks for both kinds per transaction.
func TestEveryTransactionHasValidAndInvalidVectors(t *testing.T) {
	for tx, cases := range transactionCases {
		kinds := map[bool]bool{}
		for _, c := range cases {
			kinds[!refuses(stepUnderTest(tx, c.steps))] = true
		}
		if !kinds[true] || !kinds[false] {
			t.Errorf("transaction %s lacks a valid or an invalid vector", tx)
		}
	}
}
