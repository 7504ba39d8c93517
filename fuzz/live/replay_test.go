package live

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

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
