package model

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/portal"
)

var portalFlag = flag.String("model.portal", "", "portal URL for the model test (default: $MESHCONFORM_MODEL_PORTAL, else the embedded reference)")

func startPortal(t *testing.T, bugs ...string) string {
	t.Helper()
	var cfg portal.Config
	for _, b := range bugs {
		if err := cfg.Bugs.Set(b); err != nil {
			t.Fatal(err)
		}
	}
	u, stop, err := portal.StartLoopback(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return u
}

// TestModelReference: the reference portal (or -model.portal) agrees with the model on every
// sequence, in both authentication modes.
func TestModelReference(t *testing.T) {
	url := *portalFlag
	if url == "" {
		url = os.Getenv("MESHCONFORM_MODEL_PORTAL")
	}
	if url == "" {
		url = startPortal(t)
	}
	n := 40
	if testing.Short() {
		n = 10
	}
	rep, err := Run(context.Background(), Config{URL: url, Seed: 1, Sequences: n})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failure != nil {
		t.Fatalf("%v after steps %v", rep.Failure.Violation, rep.Failure.Steps)
	}
	if rep.Sequences != n || rep.Steps == 0 {
		t.Fatalf("ran %d sequences, %d steps; want %d sequences", rep.Sequences, rep.Steps, n)
	}
}

// stateKnobs are the reference portal's knobs about state, each of which the model must
// catch as a violation of one of the listed properties.
var stateKnobs = []struct {
	knob  string
	props []string
	short bool
	slow  bool // tens of seconds: run with MESHCONFORM_MODEL_ALL=1
}{
	{"get-after-delete", []string{"created-stays-until-deleted"}, true, false},
	{"delete-removes-profiles", []string{"profile-survives-delete"}, false, false},
	{"publish-without-account", []string{"publish-needs-account", "deleted-device-refused"}, false, false},
	{"leak-after-failed-create", []string{"created-stays-until-deleted", "profile-survives-delete", "create-forged-stores-nothing"}, false, false},
	{"create-case-sensitive", []string{"create-taken"}, true, false},
	{"checkpoint-regresses", []string{"checkpoint-grows", "checkpoint-reads-idempotent"}, true, false},
	{"ignore-max-entries", []string{"max-entries"}, false, false},
	{"accept-replayed-result", []string{"replayed-result-refused"}, false, false},
}

// TestModelFindsStateKnobs: each knob breaks its property, the shrunk sequence is saved, and
// the saved script reproduces on the knob's portal and is fixed on a clean one.
func TestModelFindsStateKnobs(t *testing.T) {
	clean := startPortal(t)
	for _, k := range stateKnobs {
		t.Run(k.knob, func(t *testing.T) {
			if testing.Short() && !k.short {
				t.Skip("-short: three knobs only")
			}
			if k.slow && os.Getenv("MESHCONFORM_MODEL_ALL") == "" {
				t.Skip("slow knob: set MESHCONFORM_MODEL_ALL=1")
			}
			url := startPortal(t, k.knob)
			rep, err := Run(context.Background(), Config{URL: url, Seed: 7, Sequences: 100, ShrinkFor: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Failure == nil {
				t.Fatalf("%s: the model found nothing in %d sequences", k.knob, rep.Sequences)
			}
			v := rep.Failure.Violation
			found := false
			for _, p := range k.props {
				found = found || p == v.Property
			}
			if !found {
				t.Fatalf("%s: violation of %s, want one of %v: %v", k.knob, v.Property, k.props, v)
			}
			if _, ok := PropertyByID(v.Property); !ok {
				t.Fatalf("violation names the unknown property %q", v.Property)
			}
			t.Logf("%s: %v; minimal sequence (%d steps): %v", k.knob, v, len(rep.Failure.Steps), rep.Failure.Steps)
			path := filepath.Join(t.TempDir(), "script.json")
			if err := SaveScript(path, rep.Seed, url, rep.Failure); err != nil {
				t.Fatal(err)
			}
			if !IsScript(path) {
				t.Fatal("the saved script is not recognised")
			}
			s, err := LoadScript(path)
			if err != nil {
				t.Fatal(err)
			}
			if out, report, err := Replay(context.Background(), s, url, ""); err != nil || out != Reproduced {
				t.Fatalf("replay on the knob portal: outcome %d, err %v\n%s", out, err, report)
			}
			if out, report, err := Replay(context.Background(), s, clean, ""); err != nil || out != Fixed {
				t.Fatalf("replay on the clean portal: outcome %d, err %v\n%s", out, err, report)
			}
		})
	}
}

// TestReplayUnreachable: a portal that does not answer is not reproducible, never a finding.
func TestReplayUnreachable(t *testing.T) {
	s := &Script{Kind: ScriptKind, Property: "create-taken", Steps: []Step{{Action: "create", Name: "alice"}}}
	out, report, err := Replay(context.Background(), s, "http://127.0.0.1:1/.well-known/mmm/", "")
	if err != nil || out != NotReproducible {
		t.Fatalf("outcome %d, err %v\n%s", out, err, report)
	}
}

// TestLoadScriptRefusesUnknownSteps: a script is checked before anything is sent.
func TestLoadScriptRefusesUnknownSteps(t *testing.T) {
	for name, body := range map[string]string{
		"kind":   `{"kind":"other","steps":[]}`,
		"action": `{"kind":"meshconform-model-script","steps":[{"action":"drop-tables","name":"alice"}]}`,
		"name":   `{"kind":"meshconform-model-script","steps":[{"action":"create","name":"mallory"}]}`,
		"json":   `{"kind":`,
	} {
		path := filepath.Join(t.TempDir(), name+".json")
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadScript(path); err == nil {
			t.Errorf("%s: a bad script was loaded", name)
		}
	}
}

// TestRunErrorNeverCleanOnFailure: a run that rapid saw fail is a violation, the portal's
// silence, a cancellation, or an error; never a clean run, whatever the failure's text.
func TestRunErrorNeverCleanOnFailure(t *testing.T) {
	failedTB := func(msg string) *checkTB { tb := &checkTB{}; tb.Fatal(msg); return tb }
	silent := &TransportError{Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name      string
		failed    bool
		transport error
		canceled  bool
		tb        *checkTB
		want      string // "" for no error
	}{
		{"clean", false, nil, false, &checkTB{}, ""},
		{"a violation", true, nil, false, failedTB("violation of P"), ""},
		{"the portal fell silent", false, silent, false, failedTB("no answer from the portal"), "connection refused"},
		{"cancelled", false, nil, true, failedTB("context canceled"), "context canceled"},
		{"the model's own error", false, nil, false, failedTB("build a Create: no entropy"), "build a Create: no entropy"},
		{"a panic in the model", false, nil, false, failedTB("[rapid] panic after 3 tests: runtime error"), "panic after 3 tests"},
		{"any other failure, whatever its text", false, nil, false, failedTB("[rapid] failed to draw a value"), "failed to draw a value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := runError(tc.failed, tc.transport, tc.canceled, tc.tb)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
