package live

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/internal/syncbuf"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/reference/wire"
)

// startPortal serves a reference portal with the given knobs and returns a target for it.
func startPortal(t testing.TB, bugs ...string) (*target.HTTP, string) {
	t.Helper()
	cfg := portal.Config{}
	for _, b := range bugs {
		must(t, cfg.Bugs.Set(b))
	}
	return startPortalConfig(t, cfg)
}

// startPortalConfig is startPortal for a portal configuration of the test's own.
func startPortalConfig(t testing.TB, cfg portal.Config) (*target.HTTP, string) {
	t.Helper()
	// The timeout is a hang guard no loaded machine comes near (a clean portal's slow answer
	// must not read as a hang); the hang knob stalls well past it.
	cfg.HangDelay = 30 * time.Second
	url, stop, err := portal.StartLoopback(context.Background(), cfg)
	must(t, err)
	t.Cleanup(stop)
	tg, err := target.New(target.Options{URL: url, Timeout: 10 * time.Second})
	must(t, err)
	t.Cleanup(tg.Close)
	return tg, url
}

func campaign(t testing.TB, tg *target.HTTP, url string, seed, n int64, out string, stop ...string) *Summary {
	t.Helper()
	f, err := New(Config{Target: tg, PortalURL: url, Seed: seed, MaxRequests: n, OutDir: out, StopWhen: stop, Log: testLog{t}})
	must(t, err)
	s, err := f.Run(context.Background())
	must(t, err)
	return s
}

// must stops the test on an error (testify's go.sum entries are incomplete in this module).
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }

func TestCleanPortalNoFindings(t *testing.T) {
	n := int64(400)
	if testing.Short() {
		n = 100
	}
	tg, url := startPortal(t)
	s := campaign(t, tg, url, 1, n, "")
	if len(s.ByClass) != 0 {
		t.Fatalf("a conforming portal shows no finding, got %v", s.ByClass)
	}
	if s.Cases != n || s.Requests <= n {
		t.Fatalf("cases %d requests %d, want %d cases and more requests", s.Cases, s.Requests, n)
	}
	// The reference portal grants sessions: the session modes were exercised, and a conforming
	// portal refuses every one that must be refused.
	if !s.Sessions || s.SessionCases == 0 {
		t.Fatalf("sessions granted %v, %d cases in a session mode: the session modes went unexercised", s.Sessions, s.SessionCases)
	}
}

// TestNoSessionsGranted: at a portal that grants no session, the campaign says so once, never
// draws a session mode and finds nothing.
func TestNoSessionsGranted(t *testing.T) {
	tg, url := startPortalConfig(t, portal.Config{SessionLifetime: -1})
	var log syncbuf.Buffer
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 1, MaxRequests: 150, Log: &log})
	must(t, err)
	s, err := f.Run(context.Background())
	must(t, err)
	if len(s.ByClass) != 0 {
		t.Fatalf("a conforming portal without sessions shows no finding, got %v", s.ByClass)
	}
	if s.Sessions || s.SessionCases != 0 || f.main.session != nil {
		t.Fatalf("sessions %v, %d cases in a session mode, at a portal that grants none", s.Sessions, s.SessionCases)
	}
	if n := strings.Count(log.String(), "grants none"); n != 1 {
		t.Fatalf("the missing sessions were said %d times:\n%s", n, log.String())
	}
}

// inputKnobs are the reference portal's knobs about input handling, with the finding class the
// fuzzer must report for each.
var inputKnobs = []struct {
	knob, class string
	short       bool // cheap enough for -short
}{
	{"crash-on-deep-nesting", ClassServerError, true},
	{"no-body-limit", ClassBodyLimit, false},
	{"hang-on-huge-string", ClassHang, false},
	{"accept-unsigned-profile", ClassBadSignature, false},
	{"accept-wrong-device-signature", ClassBadSignature, false},
	{"accept-unsigned-result", ClassBadSignature, false},
	{"accept-result-not-admin-signed", ClassBadSignature, false},
	{"skip-authentication", ClassUnauthenticated, true},
	{"transfer-unauthenticated", ClassUnauthenticated, false},
	{"accept-replayed-request", ClassReplay, false},
	{"session-mac-unchecked", ClassBadSessionMAC, false},
	{"accept-stale-time", ClassStale, false},
	{"reject-unknown-members", ClassUnknownRefused, true},
	{"http-status-always-200", ClassStatusMismatch, true},
	{"omit-status", ClassMissingStatus, true},
	{"untagged-responses", ClassUntagged, true},
	{"skip-host-check", ClassWrongHost, false},
	{"cross-account-auth", ClassWrongParty, false},
	{"empty-get-lists-accounts", ClassEnumeration, false},
}

// TestFindsInputKnobs runs a fixed-seed campaign against each knob and requires its class
// within a bounded number of cases.
func TestFindsInputKnobs(t *testing.T) {
	const seed, limit = 7, 3000
	for _, k := range inputKnobs {
		t.Run(k.knob, func(t *testing.T) {
			if testing.Short() && !k.short {
				t.Skip("-short: cheap knobs only")
			}
			tg, url := startPortal(t, k.knob)
			out := t.TempDir()
			s := campaign(t, tg, url, seed, limit, out, k.class)
			if s.ByClass[k.class] == 0 {
				t.Fatalf("%s: no %s finding in %d cases (found %v)", k.knob, k.class, s.Cases, s.ByClass)
			}
			t.Logf("%s: %s at case %d after %s", k.knob, k.class, s.FirstCase[k.class], s.FirstAt[k.class].Round(time.Millisecond))
			var saved *Saved
			for i := range s.Saved {
				if s.Saved[i].Class == k.class {
					saved = &s.Saved[i]
				}
			}
			if saved == nil || saved.File == "" {
				t.Fatalf("no reproducer saved for %s", k.class)
			}
			if k.class == ClassBadSessionMAC {
				// Only a session request shows it: the reproducer gets a session of its own.
				if a := saved.Reproducer.Auth; a == nil || a.Mode != string(authSessionBadMAC) || a.SessionRequest == "" {
					t.Fatalf("the reproducer of %s records auth %+v, want mode %s and the session request", k.class, a, authSessionBadMAC)
				}
			}
			// The reproducer carries its setup: it reproduces on a fresh portal with the knob,
			// and a conforming portal shows it fixed.
			fresh, _ := startPortal(t, k.knob)
			got, rep, err := Replay(context.Background(), saved.File, fresh, "")
			must(t, err)
			if got != StillFailing {
				t.Fatalf("replay on a fresh portal with the knob: %s", rep)
			}
			clean, _ := startPortal(t)
			got, rep, err = Replay(context.Background(), saved.File, clean, "")
			must(t, err)
			if got != Fixed {
				t.Fatalf("replay on a conforming portal: %s", rep)
			}
		})
	}
}

// recordingFuzzer returns a fuzzer whose target records the headers of every request it gets.
func recordingFuzzer(t *testing.T) (*Fuzzer, func() []http.Header) {
	t.Helper()
	var got []http.Header
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Clone())
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	tg, err := target.New(target.Options{URL: srv.URL})
	must(t, err)
	t.Cleanup(func() { tg.Close() })
	f, err := New(Config{Target: tg, PortalURL: srv.URL, Domain: "localhost", Seed: 1, MaxRequests: 1})
	must(t, err)
	return f, func() []http.Header {
		mu.Lock()
		defer mu.Unlock()
		return got
	}
}

// TestAuthModeHoldsWithExtraHeaders: a case that changes a header (wrong-host) and the
// authentication (stale, broken) sends both, as its reproducer records them. The campaign once
// signed such a case afresh, so its reproducers replayed as "fixed" (a flaky TestFindsInputKnobs).
func TestAuthModeHoldsWithExtraHeaders(t *testing.T) {
	f, headers := recordingFuzzer(t)
	dev, err := client.NewDevice(keys.Ed448, []byte("device"))
	must(t, err)
	p := &party{acct: &client.Account{Name: "a@localhost", Device: dev}}
	body := []byte(`{"ConnectPending":{}}`)
	for _, mode := range []authMode{authStale, authBroken} {
		if _, err := f.send(context.Background(), body, p, mode, http.Header{"X-Extra": {"1"}}); err != nil {
			t.Fatal(err)
		}
	}
	got := headers()
	if len(got) != 2 {
		t.Fatalf("%d requests", len(got))
	}
	for i, h := range got {
		if h.Get("X-Extra") != "1" {
			t.Errorf("request %d lost the extra header", i)
		}
	}
	stale, err := auth.Parse(got[0].Get("Authorization"))
	must(t, err)
	if err := stale.CheckTime(time.Now(), auth.MaxSkew); err == nil {
		t.Error("a stale-auth case with an extra header was signed with a fresh time")
	}
	broken, err := auth.Parse(got[1].Get("Authorization"))
	must(t, err)
	if err := broken.Verify("localhost", body); err == nil {
		t.Error("a broken-auth case with an extra header was signed over its own body")
	}
}

// TestSessionModesHoldWithExtraHeaders is TestAuthModeHoldsWithExtraHeaders for the session
// modes (NOTE-AUTH-SESSION): each sends the extra header and an Authorization: Mesh-Session in
// the party's session, MAC'd over the body and dated now, an hour back, MAC'd over another
// body, or sent twice as it is.
func TestSessionModesHoldWithExtraHeaders(t *testing.T) {
	f, headers := recordingFuzzer(t)
	dev, err := client.NewDevice(keys.Ed448, []byte("device"))
	must(t, err)
	const name = "a@localhost"
	sess := &auth.Session{Ticket: []byte("a ticket"), Key: []byte(strings.Repeat("k", auth.SessionKeySize)), Account: name,
		Expires: time.Now().Add(time.Hour)}
	p := &party{acct: &client.Account{Name: name, Device: dev}, session: newPartySession(nil, sess, time.Now())}
	body := []byte(`{"ConnectPending":{}}`)
	modes := []authMode{authSession, authSessionStale, authSessionBadMAC, authSessionReplay}
	for _, mode := range modes {
		if _, err := f.send(context.Background(), body, p, mode, http.Header{"X-Extra": {"1"}}); err != nil {
			t.Fatal(err)
		}
	}
	got := headers()
	if len(got) != len(modes)+1 {
		t.Fatalf("%d requests, want %d (a replay sends twice)", len(got), len(modes)+1)
	}
	var hs []*auth.SessionHeader
	for i, h := range got {
		if h.Get("X-Extra") != "1" {
			t.Errorf("request %d lost the extra header", i)
		}
		sh, err := auth.ParseSession(h.Get("Authorization"))
		must(t, err)
		hs = append(hs, sh)
	}
	macOK := func(sh *auth.SessionHeader) bool {
		return string(sh.MAC) == string(auth.MAC(sess.Key, "localhost", name, sh.Time, sh.Nonce, body))
	}
	fresh := func(sh *auth.SessionHeader) bool {
		tm, err := wire.ParseDateTime(sh.Time)
		must(t, err)
		return time.Since(tm).Abs() < time.Minute
	}
	if !macOK(hs[0]) || !fresh(hs[0]) || string(hs[0].Ticket) != "a ticket" {
		t.Error("a session case was not MAC'd over its body, now, under the session's ticket")
	}
	if !macOK(hs[1]) || fresh(hs[1]) {
		t.Error("a session-stale case was not dated back")
	}
	if macOK(hs[2]) || !fresh(hs[2]) {
		t.Error("a session-broken case was MAC'd over its own body")
	}
	if !macOK(hs[3]) || got[3].Get("Authorization") != got[4].Get("Authorization") {
		t.Error("a session-replay case did not send one valid session request twice")
	}
}

// TestSessionRenewed: a party's session is renewed, by another signed request with an offer,
// once it is due, and the new one works.
func TestSessionRenewed(t *testing.T) {
	ctx := context.Background()
	tg, url := startPortal(t)
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 3, MaxRequests: 1})
	must(t, err)
	p, err := f.createParty(ctx, "main", 0)
	must(t, err)
	must(t, f.askSessions(ctx, p))
	if p.session == nil || !f.sessions {
		t.Fatal("the reference portal granted no session")
	}
	first := p.session.cur
	p.session.renewAt = time.Now().Add(-time.Second)
	s, err := f.sessionOf(ctx, p)
	must(t, err)
	if s == first || !p.session.renewAt.After(time.Now()) {
		t.Fatal("a session due for renewal was not renewed")
	}
	body, err := sessionRequestBody(p.acct.Name)
	must(t, err)
	ex, err := f.send(ctx, body, p, authSession, nil)
	must(t, err)
	if st := payloadStatus(ex); st != 201 || !strings.HasPrefix(ex.Request.Header.Get("Authorization"), auth.SessionScheme+" ") {
		t.Fatalf("a request in the renewed session: %s", describe(ex))
	}
}

// TestLastAuthMutationDecides: of several auth mutations the last decides the mode, and the
// oracle asks for the refusal of that one only: a portal that checks replays but not session
// MACs once showed accepted-replay for a replay overridden by a broken session MAC.
func TestLastAuthMutationDecides(t *testing.T) {
	dev, err := client.NewDevice(keys.Ed448, []byte("device"))
	must(t, err)
	b := &base{Template: "connect-pending", Tx: "ConnectPending", Body: []byte(`{"ConnectPending":{"AccountID":"a@localhost"}}`),
		Signer: &party{acct: &client.Account{Name: "a@localhost", Device: dev}}}
	for _, tt := range []struct {
		muts  []Op
		mode  authMode
		class string
	}{
		{[]Op{OpReplay, OpSessionBadMAC}, authSessionBadMAC, ClassBadSessionMAC},
		{[]Op{OpSessionBadMAC, OpReplay}, authReplay, ClassReplay},
		{[]Op{OpStaleAuth, OpSession}, authSession, ""},
		{[]Op{OpSessionReplay, OpSessionStale, OpSessionReplay}, authSessionReplay, ClassReplay},
		{[]Op{OpSession, OpNoAuth}, authNone, ClassUnauthenticated},
	} {
		var muts []Mutation
		for _, op := range tt.muts {
			muts = append(muts, Mutation{Op: op})
		}
		_, mode, _, applied, err := render(b, muts)
		must(t, err)
		ci := caseInfo{Template: b.Template, Tx: b.Tx, HasSigner: true, Mutations: muts, Applied: applied}
		if class, _, _ := ci.mustRefuse(analyse(b.Body)); mode != tt.mode || class != tt.class {
			t.Errorf("%v: mode %q, must refuse as %q; want %q, %q", tt.muts, mode, class, tt.mode, tt.class)
		}
	}
}

// TestSavedReproducerReplays: a reproducer saved before the session modes existed replays as
// it did (fuzz/testdata/live).
func TestSavedReproducerReplays(t *testing.T) {
	const file = "../testdata/live/accepted-stale-time-e0c5543bfcf2.json"
	knob, _ := startPortal(t, "accept-stale-time")
	got, rep, err := Replay(context.Background(), file, knob, "")
	must(t, err)
	if got != StillFailing {
		t.Fatalf("replay on a portal with accept-stale-time: %s", rep)
	}
	clean, _ := startPortal(t)
	got, rep, err = Replay(context.Background(), file, clean, "")
	must(t, err)
	if got != Fixed {
		t.Fatalf("replay on a conforming portal: %s", rep)
	}
}

func TestMemoryGrew(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		first, last uint64
		want        bool
	}{
		{10 * mib, 200 * mib, true},
		{10 * mib, 30 * mib, false},   // tripled, but by 20 MiB: a small heap moves
		{100 * mib, 300 * mib, false}, // 200 MiB more, but not four times: caches fill
		{0, 65 * mib, true},
		{200 * mib, 10 * mib, false},
	} {
		if got := memoryGrew(tt.first, tt.last); got != tt.want {
			t.Errorf("memoryGrew(%d MiB, %d MiB) = %v, want %v", tt.first/mib, tt.last/mib, got, tt.want)
		}
	}
}

// TestMemoryGrowthIsAFinding: the memory figure is sampled with the probes; a portal whose
// figure keeps growing is reported, one whose figure stays flat is not, and a figure that
// cannot be read is said once and otherwise ignored.
func TestMemoryGrowthIsAFinding(t *testing.T) {
	for i, tt := range []struct {
		name   string
		memory func(n uint64) (uint64, error)
		want   bool
	}{
		{"growing", func(n uint64) (uint64, error) { return n * n << 20, nil }, true}, // 1 MiB, 4, 9, ... 144
		{"flat", func(uint64) (uint64, error) { return 8 << 20, nil }, false},
		{"unreadable", func(uint64) (uint64, error) { return 0, errors.New("no figure") }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tg, url := startPortal(t)
			var calls atomic.Uint64
			var log syncbuf.Buffer
			f, err := New(Config{Target: tg, PortalURL: url, Seed: int64(5 + i), MaxRequests: 120, ProbeEvery: 10, Log: &log,
				Memory: func(context.Context) (uint64, error) { return tt.memory(calls.Add(1)) }})
			must(t, err)
			s, err := f.Run(context.Background())
			must(t, err)
			if calls.Load() < 10 {
				t.Fatalf("the memory figure was read %d times in 120 cases, probing every 10", calls.Load())
			}
			if got := s.ByClass[ClassMemoryGrowth] > 0; got != tt.want {
				t.Errorf("memory-growth finding: %v, want %v (first %d, last %d)", got, tt.want, s.MemoryFirst, s.MemoryLast)
			}
			if n := strings.Count(log.String(), "memory figure unavailable"); (tt.name == "unreadable") != (n == 1) {
				t.Errorf("the unreadable figure was said %d times:\n%s", n, log.String())
			}
		})
	}
}

// TestSameSeedTwiceOnOnePortal: a campaign run again with the same seed against the same
// persistent portal finds its own setup accounts there (same names, same keys): it takes them
// back and runs the same cases, finding nothing on a clean portal.
func TestSameSeedTwiceOnOnePortal(t *testing.T) {
	tg, url := startPortalConfig(t, portal.Config{DataDir: t.TempDir()})
	first := campaign(t, tg, url, 4, 60, "")
	second := campaign(t, tg, url, 4, 60, "")
	if len(first.ByClass)+len(second.ByClass) != 0 {
		t.Fatalf("findings on a clean portal: %v then %v", first.ByClass, second.ByClass)
	}
	if second.Cases != first.Cases {
		t.Fatalf("%d cases, then %d with the same seed", first.Cases, second.Cases)
	}
}

// TestSetupNameTakenByAnother: an account of the setup's name that another seed's keys made is
// not taken: setup fails, saying to change the seed.
func TestSetupNameTakenByAnother(t *testing.T) {
	tg, url := startPortal(t)
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 4, MaxRequests: 1})
	must(t, err)
	p, err := f.newParty("main", 0)
	must(t, err)
	d, err := client.NewDevice(keys.Ed448, []byte("another seed's device"))
	must(t, err)
	other := &client.Account{Name: p.acct.Name, Master: p.acct.Master, Device: d}
	_, _, err = client.New(url).CreateAccount(context.Background(), other)
	must(t, err)
	_, err = f.Run(context.Background())
	if !errors.Is(err, ErrSetup) || !strings.Contains(err.Error(), "run with another --seed") {
		t.Fatalf("error %v, want ErrSetup saying to change the seed", err)
	}
}
