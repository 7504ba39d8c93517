package main

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
)

// TestMain lets the transcripts run this test binary as the meshconform command: testscript
// puts a meshconform on their PATH that re-executes the binary with main.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"meshconform": main})
}

// TestScripts runs the command-line transcripts in testdata/script: each is a session at a shell
// (commands, their exit codes, what they print, the files they write). `go test -run Scripts
// -update` rewrites the cmp files of a transcript from what the commands print now.
//
// Besides testscript's commands, a transcript has:
//
//	portal [-tls] [KNOB...]  start the reference portal with those knobs; sets $PORTAL (its URL)
//	                        and $ADDR (127.0.0.1:port: the portal by address). Its name is
//	                        localhost, or with -tls example.com, served over TLS by a certificate
//	                        of an authority written to ca.pem
//	exits N PROG [ARGS...]  run PROG and require exit code N (exec only tells zero from non-zero)
//	reproduce N [-from FILE] [-drop FLAG]  run the first reproduce (or replay) line of the last
//	                        stdout (or of FILE: a saved stdout, or a run.json) as printed, or
//	                        without FLAG and its value, and require exit code N
//	fixture KIND FILE       write a signed document made by the reference client from fixed
//	                        seeds: mesh-profile, forged-mesh-profile (signed by a key its master
//	                        profile does not name), create-request, create-request-tampered-device
//	                        (its device entry changed after signing), device-entry (that entry
//	                        alone, a bare envelope)
//	gobuild PKG OUT [FLAGS...]  build PKG (./cmd/meshconform) into OUT with go build FLAGS, from
//	                        the module root (for what only a built binary shows: -ldflags stamps)
func TestScripts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	goEnv := map[string]string{}
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOPATH", "GOROOT", "GOFLAGS", "GOTOOLCHAIN"} {
		out, err := exec.Command("go", "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		goEnv[name] = strings.TrimSpace(string(out))
	}
	testscript.Run(t, testscript.Params{
		Dir:           filepath.Join("testdata", "script"),
		UpdateScripts: *updateDocs,
		Setup: func(env *testscript.Env) error {
			env.Setenv("MODROOT", root)
			for k, v := range goEnv {
				env.Setenv(k, v)
			}
			env.Setenv("GOPROXY", "off") // a transcript builds from the module cache, never the network
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond == "short" {
				return testing.Short(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"portal":    scriptPortal,
			"exits":     scriptExits,
			"reproduce": scriptReproduce,
			"gobuild":   scriptGoBuild,
			"fixture":   scriptFixture,
		},
	})
}

func scriptPortal(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! portal")
	}
	useTLS := len(args) > 0 && args[0] == "-tls"
	if useTLS {
		args = args[1:]
	}
	var bugs portal.Bugs
	for _, b := range args {
		ts.Check(bugs.Set(b))
	}
	if !useTLS {
		u, stop, err := portal.StartLoopback(context.Background(), portal.Config{Bugs: bugs})
		ts.Check(err)
		ts.Defer(stop)
		pu, err := url.Parse(u)
		ts.Check(err)
		ts.Setenv("PORTAL", u)
		ts.Setenv("ADDR", "127.0.0.1:"+pu.Port())
		return
	}
	// httptest's certificate names 127.0.0.1 and example.com, the portal's name here.
	p, err := portal.New(portal.Config{Bugs: bugs, Domain: "example.com", DataDir: ts.MkAbs("portal-data")})
	ts.Check(err)
	srv := httptest.NewTLSServer(p)
	ts.Defer(func() { srv.Close(); p.Close() })
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	ts.Check(os.WriteFile(ts.MkAbs("ca.pem"), ca, 0o600))
	ts.Setenv("PORTAL", srv.URL+portal.Path)
	ts.Setenv("ADDR", strings.TrimPrefix(srv.URL, "https://"))
}

// execCode runs a command and returns its exit code (testscript keeps its output as the last
// stdout and stderr).
func execCode(ts *testscript.TestScript, prog string, args ...string) int {
	err := ts.Exec(prog, args...)
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	ts.Fatalf("%s: %v", prog, err)
	return -1
}

func wantCode(ts *testscript.TestScript, neg bool, args []string) int {
	if neg {
		ts.Fatalf("unsupported: ! %s (say the exit code)", args[0])
	}
	if len(args) < 2 {
		ts.Fatalf("usage: %s N ...", args[0])
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	return n
}

func scriptExits(ts *testscript.TestScript, neg bool, args []string) {
	want := wantCode(ts, neg, append([]string{"exits"}, args...))
	if len(args) < 2 {
		ts.Fatalf("usage: exits N PROG [ARGS...]")
	}
	if got := execCode(ts, args[1], args[2:]...); got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

func scriptReproduce(ts *testscript.TestScript, neg bool, args []string) {
	want := wantCode(ts, neg, append([]string{"reproduce"}, args...))
	var drop, from string
	for rest := args[1:]; len(rest) > 0; rest = rest[2:] {
		if len(rest) < 2 || (rest[0] != "-drop" && rest[0] != "-from") {
			ts.Fatalf("usage: reproduce N [-from RUN.json] [-drop FLAG]")
		}
		if rest[0] == "-drop" {
			drop = rest[1]
		} else {
			from = rest[1]
		}
	}
	line := ""
	text := ts.ReadFile("stdout")
	if strings.HasSuffix(from, ".json") {
		f, err := os.Open(ts.MkAbs(from))
		ts.Check(err)
		run, err := result.Read(f)
		f.Close()
		ts.Check(err)
		for _, r := range run.Results {
			if r.Reproduce != "" {
				line = r.Reproduce
				break
			}
		}
	} else {
		if from != "" {
			text = ts.ReadFile(from)
		}
		for _, l := range strings.Split(text, "\n") {
			l = strings.TrimSpace(l)
			if rest, ok := strings.CutPrefix(l, "reproduce: "); ok {
				line = rest
				break
			}
			if rest, ok := strings.CutPrefix(l, "replay: "); ok { // the fuzzers' findings
				line = rest
				break
			}
		}
	}
	if line == "" {
		ts.Fatalf("no reproduce line found")
	}
	words, err := splitShellWords(line)
	ts.Check(err)
	if drop != "" {
		kept := words[:0]
		for i := 0; i < len(words); i++ {
			if words[i] == drop {
				if i+1 < len(words) && !strings.HasPrefix(words[i+1], "-") {
					i++ // and its value
				}
				continue
			}
			kept = append(kept, words[i])
		}
		if len(kept) == len(words) {
			ts.Fatalf("the reproduce line %q has no %s", line, drop)
		}
		words = kept
	}
	ts.Logf("reproduce: %s", strings.Join(words, " "))
	if got := execCode(ts, words[0], words[1:]...); got != want {
		ts.Fatalf("the reproduce line exited %d, want %d", got, want)
	}
}

func scriptGoBuild(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: gobuild PKG OUT [FLAGS...]")
	}
	out := ts.MkAbs(args[1])
	build := append([]string{"build", "-C", ts.Getenv("MODROOT"), "-o", out}, args[2:]...)
	if code := execCode(ts, "go", append(build, args[0])...); code != 0 {
		ts.Fatalf("go build exited %d:\n%s", code, ts.ReadFile("stderr"))
	}
}

// splitShellWords splits a command line the way a POSIX shell does for what harness.ShellQuote
// writes: words separated by spaces, single-quoted spans, and '\” for a quote inside one.
func splitShellWords(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '\'':
			quoted = false
		case quoted:
			cur.WriteByte(c)
		case c == '\'':
			quoted, inWord = true, true
		case c == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
			inWord = true
		case c == ' ':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, fmt.Errorf("unbalanced quote in %q", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("empty command line")
	}
	return words, nil
}

func scriptFixture(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: fixture KIND FILE")
	}
	a, err := client.NewMaster(keys.Ed448, []byte("fixture-a"))
	ts.Check(err)
	var doc mesh.Structure
	switch args[0] {
	case "mesh-profile":
		doc, err = a.ProfileMesh("alice@example.com")
	case "forged-mesh-profile":
		// B's master profile under a mesh profile signed by A's OnlineSignatureKey.
		b, berr := client.NewMaster(keys.Ed448, []byte("fixture-b"))
		ts.Check(berr)
		bMaster, berr := b.ProfileMaster()
		ts.Check(berr)
		doc, err = auth.SignStructure(&mesh.ProfileMesh{Account: "alice@example.com", MasterProfile: bMaster}, a.OSK)
	case "create-request", "create-request-tampered-device", "device-entry":
		dev, derr := client.NewDevice(keys.Ed448, []byte("fixture-dev"))
		ts.Check(derr)
		var cr *mesh.CreateRequest
		cr, err = (&client.Account{Name: "alice@example.com", Master: a, Device: dev}).CreateRequest()
		if err == nil && args[0] == "create-request-tampered-device" {
			// The device entry's payload changed after signing (a space added: it still decodes).
			cr.Device.Payload = append(cr.Device.Payload, ' ')
			if cr.Device.Trailer != nil {
				cr.Device.Trailer.PayloadDigest = nil
			}
		}
		doc = cr
		if err == nil && args[0] == "device-entry" {
			doc = cr.Device // alone: its signer's key is in the master profile, not here
		}
	default:
		ts.Fatalf("fixture: unknown kind %q", args[0])
	}
	ts.Check(err)
	data, err := mesh.Marshal(doc)
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), data, 0o600))
}
