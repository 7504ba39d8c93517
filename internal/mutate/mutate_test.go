package mutate

import (
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

const sample = `package p

import "fmt"

const limit = 64

func f(a, b int, s string) error {
	if a < b && b != 3 {
		return fmt.Errorf("no")
	}
	fmt.Println(s + "x")
	return nil
}
`

func TestSites(t *testing.T) {
	ms, err := Sites("p.go", []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, m := range ms {
		got[string(m.Kind)+" "+m.Was+" -> "+m.With] = true
		// Every mutant must still parse: the changes are whole tokens or expressions.
		if _, err := parser.ParseFile(token.NewFileSet(), "p.go", m.Apply([]byte(sample)), 0); err != nil {
			t.Errorf("%s does not parse: %v", m, err)
		}
	}
	for _, want := range []string{
		"operator < -> <=", "operator != -> ==", "operator && -> ||",
		`negate a < b && b != 3 -> !(a < b && b != 3)`, "guard a < b && b != 3 -> false",
		"constant 3 -> 4", "constant 64 -> 65", `call fmt.Println(s + "x") -> `,
	} {
		if !got[want] {
			t.Errorf("missing mutant %q; have %v", want, got)
		}
	}
	for k := range got {
		if strings.Contains(k, `+ -> -`) {
			t.Errorf("unwanted mutant %q (string concatenation)", k)
		}
	}
}

func TestSampleIsSeeded(t *testing.T) {
	ms, _ := Sites("p.go", []byte(sample))
	a, b, c := Sample(ms, 3, 7), Sample(ms, 3, 7), Sample(ms, 3, 8)
	if len(a) != 3 || a[0] != b[0] || a[1] != b[1] || a[2] != b[2] {
		t.Fatalf("the same seed gave different samples: %v %v", a, b)
	}
	same := true
	for i := range a {
		same = same && a[i] == c[i]
	}
	if same {
		t.Error("seeds 7 and 8 gave the same sample")
	}
	if n := len(Sample(ms, 0, 1)); n != len(ms) {
		t.Errorf("Sample(0) kept %d of %d", n, len(ms))
	}
}
