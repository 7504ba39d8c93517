package mutate

import (
	"fmt"
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

// An ID names the function and the change, not the line: lines added above a mutant leaves
// its ID as it was, and two identical changes in one function differ by their ordinal.
func TestIDSurvivesEditsElsewhere(t *testing.T) {
	src := "package p\n\nconst c = 1 << 4\n\nfunc f(a int) int {\n\tif a < 1 {\n\t\treturn 1\n\t}\n\treturn a < 2\n}\n\nfunc (s *S) g(a int) bool { return a < 1 }\n"
	moved := strings.Replace(src, "package p\n", "package p\n\n// a comment\n// and another\n", 1)
	ids := func(s string) map[string]int {
		ms, err := Sites("p.go", []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, m := range ms {
			if _, dup := out[m.ID()]; dup {
				t.Errorf("two mutants share the ID %s", m.ID())
			}
			out[m.ID()] = m.Line
		}
		return out
	}
	a, b := ids(src), ids(moved)
	if len(a) != len(b) {
		t.Fatalf("%d IDs before the edit, %d after", len(a), len(b))
	}
	for id, line := range a {
		if l, ok := b[id]; !ok || l != line+3 {
			t.Errorf("ID %s (line %d) not found three lines lower after the edit: %v", id, line, ok)
		}
	}
	for _, want := range []string{`p.go:f:operator:"<"->"<="#0`, `p.go:f:operator:"<"->"<="#1`, `p.go:S.g:operator:"<"->"<="#0`, `p.go:c:constant:"4"->"5"#0`} {
		if _, ok := a[want]; !ok {
			t.Errorf("missing ID %s; have %v", want, a)
		}
	}
}

func TestKnobOnly(t *testing.T) {
	src := []byte(`package p

func f(p P, a int) int {
	if p.Bugs.X && a > 0 {
		return a + 1
	}
	if !p.Bugs.Y {
		a = a - 1
	}
	switch {
	case p.Bugs.Z:
		return a + 2
	}
	return a
}

func (a Allow) g(b int) int {
	if a.Pretty {
		b = b + 3
	}
	return b - 4
}
`)
	ms, err := Sites("p.go", src)
	if err != nil {
		t.Fatal(err)
	}
	skip, err := KnobOnly("p.go", src, []string{"Bugs", "Allow"}, ms)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for i, m := range ms {
		got[fmt.Sprintf("%d %s %s", m.Line, m.Kind, m.Was)] = skip[i]
	}
	for k, want := range map[string]bool{
		"5 operator +":               true,  // only with knob X on
		"4 operator &&":              false, // the condition runs on every request
		"4 operator >":               true,  // a term beside the knob: false with the knob off whatever it says
		"4 constant 0":               true,
		"8 operator -":               false, // a negated knob guards the conforming path
		"12 operator +":              true,
		"12 constant 2":              true,
		"4 negate p.Bugs.X && a > 0": false,
		"4 guard p.Bugs.X && a > 0":  true, // its body runs only with the knob on
		"19 operator +":              true, // a method of Allow reads its receiver's fields as knobs
		"21 operator -":              false,
		"7 negate !p.Bugs.Y":         false,
		"14 constant 0":              false, // absent: no such mutant, read as false
	} {
		if got[k] != want {
			t.Errorf("%s: knob-only %v, want %v (all: %v)", k, got[k], want, got)
		}
	}
}
