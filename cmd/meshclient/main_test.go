package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/reference/portal"
)

type cli struct {
	t   *testing.T
	url string
}

func (c cli) run(state string, args ...string) (int, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	all := append([]string{"--portal", c.url, "--state", state}, args...)
	code := run(all, &out, &errb)
	return code, out.String() + errb.String()
}

func (c cli) ok(state string, args ...string) string {
	c.t.Helper()
	code, out := c.run(state, args...)
	if code != 0 {
		c.t.Fatalf("meshclient %v: exit %d: %s", args, code, out)
	}
	return out
}

// TestCLI drives the whole flow through the command line: create, publish, get, connect a
// second device with approval, a third by PIN, refuse a fourth, transfer, delete.
func TestCLI(t *testing.T) {
	url, stop, err := portal.StartLoopback(context.Background(), portal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := cli{t: t, url: url}
	admin, second, third, fourth := t.TempDir()+"/a", t.TempDir()+"/b", t.TempDir()+"/c", t.TempDir()+"/d"

	if out := c.ok(admin, "hello"); !strings.Contains(out, `"Minor": 7`) {
		t.Fatalf("hello: %s", out)
	}
	if out := c.ok(admin, "validate", "alice"); !strings.Contains(out, `"Valid": true`) {
		t.Fatalf("validate: %s", out)
	}
	c.ok(admin, "create", "alice")
	for _, f := range []string{"msk.key", "osk.key", "dsk.key", "dak.key", "dek.key", "state.json"} {
		fi, err := os.Stat(filepath.Join(admin, f))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", f, fi.Mode(), err)
		}
	}
	if fi, _ := os.Stat(admin); fi.Mode().Perm() != 0o700 {
		t.Fatalf("state dir mode %v", fi.Mode())
	}
	c.ok(admin, "publish")
	c.ok(admin, "publish", "--device")
	if out := c.ok(admin, "get", "--account", "alice", "--multiple", "--max-entries", "2"); !strings.Contains(out, "PageKey") {
		t.Fatalf("get: %s", out)
	}

	// Second device: request, approve, status.
	c.ok(second, "connect", "request", "alice")
	if out := c.ok(second, "connect", "status"); !strings.Contains(out, `"Pending": true`) {
		t.Fatalf("status: %s", out)
	}
	var pending []map[string]any
	if err := json.Unmarshal([]byte(c.ok(admin, "connect", "pending")), &pending); err != nil || len(pending) != 1 || pending[0]["Error"] != nil {
		t.Fatalf("pending: %v %v", pending, err)
	}
	c.ok(admin, "connect", "approve", pending[0]["MessageID"].(string))
	if out := c.ok(second, "connect", "status"); !strings.Contains(out, `"Accepted": true`) {
		t.Fatalf("status after approve: %s", out)
	}
	c.ok(second, "publish", "--device") // the new device is authorised

	// Third device by PIN.
	var pin map[string]string
	json.Unmarshal([]byte(c.ok(admin, "pin")), &pin)
	c.ok(third, "connect", "request", "alice", "--pin", pin["PIN"])
	if out := c.ok(admin, "connect", "approve", "--pin"); !strings.Contains(out, `"Approved": 1`) {
		t.Fatalf("approve by PIN: %s", out)
	}
	c.ok(third, "connect", "status")

	// Fourth refused: exit 1.
	c.ok(fourth, "connect", "request", "alice")
	c.ok(admin, "connect", "approve", "--all", "--refuse")
	if code, out := c.run(fourth, "connect", "status"); code != 1 {
		t.Fatalf("refused status: exit %d %s", code, out)
	}

	c.ok(admin, "transfer")
	c.ok(admin, "status")
	// Refusals exit 1, usage exits 2.
	if code, _ := c.run(admin, "create", "bad name"); code != 2 { // state dir already has an account
		t.Fatalf("create twice: exit %d", code)
	}
	if code, _ := c.run(t.TempDir(), "create", "alice"); code != 1 {
		t.Fatalf("create existing: exit %d", code)
	}
	if code, _ := c.run(admin, "validate"); code != 2 {
		t.Fatalf("missing argument: exit %d", code)
	}
	if code, _ := c.run(admin, "frobnicate"); code != 2 {
		t.Fatalf("unknown op: exit %d", code)
	}
	c.ok(admin, "delete", "alice")
	if code, _ := c.run(admin, "get", "--account", "alice"); code != 1 {
		t.Fatalf("get after delete: exit %d", code)
	}
}

// TestSessionsAllowance: with --allow sessions the first authenticated request asks for a
// session, the session is kept (0600) in the state directory, and a later run uses it.
func TestSessionsAllowance(t *testing.T) {
	url, stop, err := portal.StartLoopback(context.Background(), portal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c := cli{t: t, url: url}
	admin := t.TempDir() + "/a"
	c.ok(admin, "--allow", "sessions", "--allow", "ed25519", "create", "carol")
	if _, err := os.Stat(filepath.Join(admin, sessionFile)); err == nil {
		t.Fatal("a session was kept before any authenticated request")
	}
	c.ok(admin, "--allow", "sessions", "--allow", "ed25519", "publish")
	fi, err := os.Stat(filepath.Join(admin, sessionFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("session file after publish: %v %v", fi, err)
	}
	before, _ := os.ReadFile(filepath.Join(admin, sessionFile))
	c.ok(admin, "--allow", "sessions", "--allow", "ed25519", "transfer")
	after, _ := os.ReadFile(filepath.Join(admin, sessionFile))
	if !bytes.Equal(before, after) {
		t.Error("the second authenticated run asked for a new session instead of using the kept one")
	}
	if code, out := c.run(admin, "--allow", "no-such-allowance", "hello"); code != 2 || !strings.Contains(out, `unknown allowance "no-such-allowance"`) {
		t.Errorf("an unknown allowance: exit %d: %s", code, out)
	}
	var list bytes.Buffer
	if code := run([]string{"--list-allowances"}, &list, &list); code != 0 || !strings.Contains(list.String(), "sessions") {
		t.Errorf("--list-allowances: exit %d: %s", code, list.String())
	}
}
