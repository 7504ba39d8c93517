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
	if diff := cmp.Diff([]Info{{"a-knob", "first"}, {"b-knob", "second"}}, List(sample{})); diff != "" {
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
	if err := Set(&s, "nope"); !errors.As(err, &ue) || ue.Name != "nope" {
		t.Errorf("Set(nope) = %v, want UnknownError", err)
	}
}

type allowSample struct {
	X bool `allow:"x-allow" doc:"permitted"`
}

func TestAllowTag(t *testing.T) {
	if diff := cmp.Diff([]Info{{"x-allow", "permitted"}}, Allow.List(allowSample{})); diff != "" {
		t.Errorf("Allow.List (-want +got):\n%s", diff)
	}
	var s allowSample
	if err := Allow.Set(&s, "x-allow"); err != nil || !s.X {
		t.Errorf("Allow.Set = %v, %+v", err, s)
	}
	var ue *UnknownError
	if err := Allow.Set(&s, "x"); !errors.As(err, &ue) || ue.Tag != Allow || err.Error() != `unknown allow "x" (see --list-allows)` {
		t.Errorf("Allow.Set(x) = %v", err)
	}
}
