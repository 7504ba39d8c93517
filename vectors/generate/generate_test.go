package generate

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/reference/dare"
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

// signatureAlg finds the alg of the first signature of each DARE signatures array, in plain
// JSON and in JSON quoted inside a JSON string (envelopes carried as vector strings).
var signatureAlg = regexp.MustCompile(`signatures\\*"\s*:\s*\[\s*\{\s*\\*"alg\\*"\s*:\s*\\*"([^"\\]*)`)

// TestDareSignatureAlgAgreesAcrossFiles: the structure vectors must not put in a
// DareSignature's alg a value the DARE vectors (written by reference/dare, as the 2019
// reference wrote them: the digest's identifier, NOTE-DARE-DIGEST) never use. Issue 18 found
// Ed448 in structures-dare.json and S512 in dare.json.
func TestDareSignatureAlgAgreesAcrossFiles(t *testing.T) {
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	for _, m := range signatureAlg.FindAllSubmatch(all["dare.json"], -1) {
		written[string(m[1])] = true
	}
	if !written[dare.DigS512] {
		t.Fatalf("dare.json has no signature with alg %s: %v", dare.DigS512, written)
	}
	for name, data := range all {
		if !strings.HasPrefix(name, "structures-") {
			continue
		}
		for _, m := range signatureAlg.FindAllSubmatch(data, -1) {
			if bytes.HasPrefix(m[1], []byte("value of ")) {
				continue // the codec vectors' filler for every String field
			}
			if !written[string(m[1])] {
				t.Errorf("%s: a DareSignature with alg %q, which reference/dare never writes (it writes %v)", name, m[1], written)
			}
		}
	}
}
