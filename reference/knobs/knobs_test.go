package knobs

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type sample struct {
	B bool `bug:"b-knob" doc:"second"`
	A bool `bug:"a-knob" doc:"first"`
}

func TestKnobs(t *testing.T) {
	if diff := cmp.Diff([]Info{{"a-knob", "first", `bug:"a-knob" doc:"first"`}, {"b-knob", "second", `bug:"b-knob" doc:"second"`}}, List(sample{})); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	var s sample
	if err := Set(&s, "b-knob"); err != nil || !s.B || s.A {
		t.Errorf("Set(b-knob) = %v, %+v", err, s)
	}
	if diff := cmp.Diff([]string{"b-knob"}, Enabled(s)); diff != "" {
		t.Errorf("Enabled (-want +got):\n%s", diff)
	}
	var ue *UnknownError
	if err := Set(&s, "nope"); !errors.As(err, &ue) || ue.Name != "nope" || ue.Kind != "bug" {
		t.Errorf("Set(nope) = %v, want UnknownError", err)
	}
}

type allowSample struct {
	X bool `allow:"x-allow" doc:"permitted"`
}

func TestAllowances(t *testing.T) {
	var s allowSample
	if err := Set(&s, "x-allow"); err != nil || !s.X {
		t.Errorf("Set(x-allow) = %v, %+v", err, s)
	}
	if diff := cmp.Diff([]string{"x-allow"}, Enabled(s)); diff != "" {
		t.Errorf("Enabled (-want +got):\n%s", diff)
	}
	var ue *UnknownError
	if err := Set(&s, "nope"); !errors.As(err, &ue) || ue.Kind != "allow" || ue.Error() != `unknown allowance "nope" (see --list-allowances)` {
		t.Errorf("Set(nope) = %v, want an UnknownError of kind allow", err)
	}
}
