package live

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/meshconform/meshconform/internal/syncbuf"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
)

// noReuse is a portal that never gives a deleted account's name out again, even to its owner:
// the documents leave that to the portal, and the reference re-creates it for the same master.
type noReuse struct {
	next    http.Handler
	mu      sync.Mutex
	deleted map[string]bool
}

func (n *noReuse) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, _, err := mesh.DecodeRequest(body, nil)
	n.mu.Lock()
	defer n.mu.Unlock()
	if c, ok := req.(*mesh.CreateRequest); err == nil && ok && n.deleted[c.Account] {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"CreateResponse":{"Status":409,"StatusDescription":"the name was used before"}}`)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := &statusRecorder{ResponseWriter: w}
	n.next.ServeHTTP(rec, r)
	if d, ok := req.(*mesh.DeleteRequest); err == nil && ok && rec.status/100 == 2 {
		n.deleted[d.Account] = true
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) { s.status = code; s.ResponseWriter.WriteHeader(code) }

// TestReplayOutcomes: a reproducer replays as still failing where its state can be rebuilt and
// the portal misbehaves, as fixed where it answers right, and as not reproducible where the
// state cannot be rebuilt: here a delete replayed a second time at a portal that does not give
// a deleted name out again.
func TestReplayOutcomes(t *testing.T) {
	ctx := context.Background()
	tg, url := startPortal(t, "skip-authentication")
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 11, MaxRequests: 1})
	must(t, err)
	f.main, err = f.createParty(ctx, "main", 0)
	must(t, err)
	var del template
	for _, tp := range f.templates {
		if tp.name == "delete" {
			del = tp
		}
	}
	b, err := del.build(ctx, f, f.caseRand(0), 1)
	must(t, err)
	res, err := f.execute(ctx, b, []Mutation{{Op: OpNoAuth}})
	must(t, err)
	if !hasClass(res.findings, ClassUnauthenticated) {
		t.Fatalf("an unauthenticated delete at a portal that skips authentication: findings %v", classesOf(res.findings))
	}
	file, err := f.reproducer(res, ClassUnauthenticated).Save(t.TempDir())
	must(t, err)

	cfg := portal.Config{DataDir: t.TempDir()}
	must(t, cfg.Bugs.Set("skip-authentication"))
	p, err := portal.New(cfg)
	must(t, err)
	t.Cleanup(func() { p.Close() })
	knob, _ := startHandler(t, &noReuse{next: p, deleted: map[string]bool{}})
	for i, want := range []Outcome{StillFailing, NotReproducible} {
		got, rep, err := Replay(ctx, file, knob, "")
		must(t, err)
		if got != want {
			t.Fatalf("replay %d at the knob portal: %s, want %s (%s)", i+1, got, want, rep)
		}
		if got == NotReproducible && !strings.Contains(rep, "does not exist") {
			t.Errorf("a not-reproducible replay does not say why: %s", rep)
		}
	}
	clean, _ := startPortal(t)
	if got, rep, err := Replay(ctx, file, clean, ""); err != nil || got != Fixed {
		t.Fatalf("replay at a conforming portal: %s, %v (%s)", got, err, rep)
	}
}

// TestReplayNotReproducible: a refused setup request other than a CreateAccount (a
// ConnectStart), and a session-mode reproducer at a portal that grants no session, leave the
// finding not reproducible, saying why.
func TestReplayNotReproducible(t *testing.T) {
	connect := &Reproducer{Format: Format, Class: ClassBadSignature, Domain: "localhost",
		Case:  caseInfo{Template: "connect-complete", Tx: "ConnectComplete"},
		Body:  `{"ConnectComplete":{"AccountID":"nobody@localhost"}}`,
		Setup: []string{`{"ConnectStart":{"AccountID":"nobody@localhost"}}`}}
	session, err := Load("../testdata/live/accepted-stale-time-e0c5543bfcf2.json")
	must(t, err)
	session.Auth.Mode = string(authSessionStale)
	tg, _ := startPortalConfig(t, portal.Config{SessionLifetime: -1})
	for _, tt := range []struct {
		r   *Reproducer
		why string
	}{{connect, "ConnectStart was refused"}, {session, "granted no session"}} {
		file, err := tt.r.Save(t.TempDir())
		must(t, err)
		got, rep, err := Replay(context.Background(), file, tg, "")
		must(t, err)
		if got != NotReproducible || !strings.Contains(rep, tt.why) {
			t.Errorf("%s: %s", got, rep)
		}
	}
}

// TestMainAccountLossAttributed: at a portal that skips authentication, a Get renamed
// DeleteAccount deletes the campaign's main account. That request is the finding
// (accepted-unauthenticated); the refusals of valid requests that needed the account follow
// from it and are no findings of their own.
func TestMainAccountLossAttributed(t *testing.T) {
	ctx := context.Background()
	tg, url := startPortal(t, "skip-authentication")
	var log syncbuf.Buffer
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 12, MaxRequests: 1, Log: &log})
	must(t, err)
	f.main, err = f.createParty(ctx, "main", 0)
	must(t, err)
	f.other, err = f.createParty(ctx, "other", 0)
	must(t, err)
	build := func(name string) *base {
		for _, tp := range f.templates {
			if tp.name == name {
				b, err := tp.build(ctx, f, f.caseRand(0), f.inst.Add(1))
				must(t, err)
				return b
			}
		}
		t.Fatalf("no template %s", name)
		return nil
	}
	del, err := f.execute(ctx, build("get-account"), []Mutation{{Op: OpRenameTag, Path: []string{"Get"}, Arg: "DeleteAccount"}})
	must(t, err)
	if !hasClass(del.findings, ClassUnauthenticated) {
		t.Fatalf("a Get renamed DeleteAccount, served without Authorization: findings %v (%s)", classesOf(del.findings), describe(del.ex))
	}
	for _, name := range []string{"get-account", "connect-pending"} {
		b := build(name)
		res, err := f.execute(ctx, b, nil)
		must(t, err)
		if !hasClass(res.findings, ClassValidRefused) {
			t.Fatalf("%s after the main account went: the judge saw %v (%s)", name, classesOf(res.findings), describe(res.ex))
		}
		if fs := f.consequences(ctx, b, res.findings); len(fs) != 0 {
			t.Errorf("%s: the refusal that follows from the deletion is reported: %v", name, classesOf(fs))
		}
	}
	// A valid request that does not need the account is still judged.
	hello := build("hello")
	if fs := f.consequences(ctx, hello, []Finding{{Class: ClassValidRefused}}); len(fs) != 1 {
		t.Errorf("a refused Hello was dropped as a consequence of the deletion")
	}
	if n := strings.Count(log.String(), "is gone"); n != 1 {
		t.Errorf("the loss of the main account was said %d times:\n%s", n, log.String())
	}
}

// TestDeleteInSession: at a portal that grants sessions, a delete case's fresh account gets
// one, so that deletes are sent in the session modes too.
func TestDeleteInSession(t *testing.T) {
	ctx := context.Background()
	tg, url := startPortal(t)
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 13, MaxRequests: 1})
	must(t, err)
	f.main, err = f.createParty(ctx, "main", 0)
	must(t, err)
	must(t, f.askSessions(ctx, f.main))
	for _, tp := range f.templates {
		if tp.name != "delete" {
			continue
		}
		b, err := tp.build(ctx, f, f.caseRand(0), 1)
		must(t, err)
		if b.Signer.session == nil {
			t.Fatal("the delete case's account has no session")
		}
		res, err := f.execute(ctx, b, []Mutation{{Op: OpSession}})
		must(t, err)
		if res.mode != authSession || effectiveStatus(res.ex) != 201 || len(res.findings) != 0 {
			t.Fatalf("a delete in its session: mode %s, %s, findings %v", res.mode, describe(res.ex), classesOf(res.findings))
		}
		return
	}
	t.Fatal("no delete template")
}
