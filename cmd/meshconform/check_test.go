package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// TestCheck: `meshconform check` verifies a mesh profile and the master profile inside it (exit
// 0), fails a mesh profile signed by a key its master does not name, with the requirement
// (exit 1), reports an undefined member as info, and refuses what is no Mesh document (exit 2).
func TestCheck(t *testing.T) {
	a, err := client.NewMaster(keys.Ed448, []byte("check-a"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := client.NewMaster(keys.Ed448, []byte("check-b"))
	good, err := a.ProfileMesh("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	// B's master profile under a mesh profile signed by A's OnlineSignatureKey.
	bMaster, _ := b.ProfileMaster()
	forged, err := auth.SignStructure(&mesh.ProfileMesh{Account: "alice@example.com", MasterProfile: bMaster}, a.OSK)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, v mesh.Structure) string {
		data, err := mesh.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		os.WriteFile(p, data, 0o600)
		return p
	}
	dev, _ := client.NewDevice(keys.Ed448, []byte("check-dev"))
	create, err := (&client.Account{Name: "alice@example.com", Master: a, Device: dev}).CreateRequest()
	if err != nil {
		t.Fatal(err)
	}
	goodFile, forgedFile, createFile := write("good.json", good), write("forged.json", forged), write("create.json", create)
	hello := filepath.Join(dir, "hello.json")
	os.WriteFile(hello, []byte(`{"HelloRequest": {"Surprise": 1}}`), 0o600)
	deep := filepath.Join(dir, "deep.json")
	os.WriteFile(deep, []byte(`{"ValidateRequest": {"Unknown": `+strings.Repeat("[", 100)+strings.Repeat("]", 100)+`}}`), 0o600)
	long := filepath.Join(dir, "long.json")
	os.WriteFile(long, []byte(`{"ValidateRequest": {"Account": "`+strings.Repeat("a", 600<<10)+`"}}`), 0o600)
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte(`{"NoSuchThing": {}}`), 0o600)

	for _, tt := range []struct {
		file string
		code int
		want map[string]result.Outcome // requirement ID -> outcome
	}{
		{goodFile, exitOK, map[string]result.Outcome{"REQ-PROFILE-MESH-SIGNED": result.Pass, "REQ-PROFILE-MASTER-SIGNED": result.Pass,
			"REQ-WIRE-UNKNOWN-MEMBERS": result.Pass}},
		{forgedFile, exitFailure, map[string]result.Outcome{"REQ-PROFILE-MESH-SIGNED": result.Fail, "REQ-PROFILE-MASTER-SIGNED": result.Pass}},
		{hello, exitOK, map[string]result.Outcome{"REQ-WIRE-UNKNOWN-MEMBERS": result.Info}},
		// Nested envelopes: the profile, its master, the catalog entry (signed by a key the
		// master profile holds) and the device profile inside the entry.
		{createFile, exitOK, map[string]result.Outcome{"REQ-PROFILE-MESH-SIGNED": result.Pass, "REQ-PROFILE-MASTER-SIGNED": result.Pass,
			"REQ-PROFILE-DEVICE-SIGNED": result.Pass, "REQ-WIRE-DARE-SIGNATURE": result.Pass}},
		// Past the limits of NOTE-LIMITS (depth, string length): a failure citing them.
		{deep, exitFailure, map[string]result.Outcome{"REQ-WIRE-LIMITS": result.Fail}},
		{long, exitFailure, map[string]result.Outcome{"REQ-WIRE-LIMITS": result.Fail}},
	} {
		reports := t.TempDir()
		code, out, errOut := runCommand(t, "check", tt.file, "--report-dir", reports)
		if code != tt.code {
			t.Errorf("check %s: exit %d, want %d:\n%s%s", filepath.Base(tt.file), code, tt.code, out, errOut)
			continue
		}
		run := readRunJSON(t, filepath.Join(reports, "run.json"))
		got := map[string]result.Outcome{}
		for _, r := range run.Results {
			got[r.Requirement.ID] = r.Outcome
			if r.Outcome == result.Fail && (r.Finding == nil || r.Requirement.Text == "") {
				t.Errorf("check %s: failure %s without finding or quoted requirement", filepath.Base(tt.file), r.ID)
			}
		}
		for req, o := range tt.want {
			if got[req] != o {
				t.Errorf("check %s: %s is %q, want %q (all: %v)", filepath.Base(tt.file), req, got[req], o, got)
			}
		}
	}
	if code, _, errOut := runCommand(t, "check", junk); code != exitUsage || !strings.Contains(errOut, "is not a Mesh document") {
		t.Errorf("check junk: exit %d, stderr %q; want 2", code, errOut)
	}
	data, _ := os.ReadFile(goodFile)
	resetFlags(rootCmd)
	rootCmd.SetIn(strings.NewReader(string(data)))
	defer rootCmd.SetIn(nil)
	var sink strings.Builder
	rootCmd.SetOut(&sink)
	defer rootCmd.SetOut(nil)
	if code := run([]string{"check", "-", "--report-dir", t.TempDir()}); code != exitOK {
		t.Errorf("check - (the good profile on stdin): exit %d:\n%s", code, sink.String())
	}
}
