package testportal

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
)

// TestFaults drives one Validate through each body-level fault with the reference client
// library and checks what it sees, and that every request is recorded.
func TestFaults(t *testing.T) {
	cases := []struct {
		fault Fault
		ok    bool
	}{
		{None, true}, {HTTPError, true}, {PayloadError, false}, {PayloadRedirect, false}, {Untagged, false},
		{Truncated, false}, {InvalidJSON, false}, {InvalidUTF8, false}, {Huge, false}, {NeverEnding, false},
		{Stalled, false}, {Slow, false}, {Redirect, false}, {TLSSelfSigned, false},
	}
	for _, c := range cases {
		t.Run(string(c.fault), func(t *testing.T) {
			t.Parallel()
			s, err := Start(Options{Fault: c.fault, Domain: "127.0.0.1"})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			cl := &client.Client{URL: s.URL, HTTP: client.Bugs{}.HTTPClient(10 * time.Second), MaxResponse: 1 << 20}
			// A hang guard, not a speed limit: the client's own timeout ends the slow and
			// stalled faults; a fault that held it past the guard would be a hang.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, _, err = cl.Validate(ctx, "bob")
			if ctx.Err() != nil {
				t.Fatalf("the fault held the client a minute: %v", err)
			}
			if (err == nil) != c.ok {
				t.Fatalf("err %v, want ok=%v", err, c.ok)
			}
			r := s.Requests()
			if c.fault != TLSSelfSigned && len(r) == 1 && c.fault != Stalled && c.fault != Slow && r[0].Response.Status == 0 {
				t.Errorf("no answer recorded for the %s fault", c.fault)
			}
			if c.fault != TLSSelfSigned && len(s.Requests()) != 1 {
				t.Fatalf("%d requests recorded, want 1", len(s.Requests()))
			}
		})
	}
}

func TestForgedProfileAndDirect(t *testing.T) {
	s, err := Start(Options{Fault: ForgedProfile, Domain: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	m, _ := client.NewMaster(0, nil)
	d, _ := client.NewDevice(0, nil)
	a := &client.Account{Name: "alice", Master: m, Device: d}
	if _, _, err := s.Direct().CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Direct().FetchProfile(ctx, "alice"); err != nil {
		t.Fatalf("the direct client sees the true profile: %v", err)
	}
	front := &client.Client{URL: s.URL, HTTP: &http.Client{Timeout: 2 * time.Second}}
	if _, err := front.FetchProfile(ctx, "alice"); !errors.Is(err, client.ErrForged) {
		t.Fatalf("through the fault: %v, want ErrForged", err)
	}
	if n := len(s.Requests()); n != 1 {
		t.Fatalf("%d requests recorded; the direct client must not be recorded", n)
	}
}

func TestFlakyIsSeeded(t *testing.T) {
	draws := func(seed uint64) []string {
		s, err := Start(Options{Fault: Flaky, Seed: seed, Domain: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		body, _ := mesh.EncodeRequest(&mesh.HelloRequest{})
		for i := 0; i < 12; i++ {
			resp, err := http.Post(s.URL, "application/json", bytes.NewReader(body))
			if err == nil {
				resp.Body.Close()
			}
		}
		var out []string
		for _, r := range s.Requests() {
			out = append(out, r.Injected)
		}
		return out
	}
	a, b := draws(7), draws(7)
	if len(a) != 12 || len(b) != 12 {
		t.Fatalf("recorded %d and %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("draw %d differs under one seed: %q vs %q", i, a[i], b[i])
		}
	}
}

// TestAnswersAreRecorded: the recorder keeps the status, the headers, the bytes the client's
// connection took (stopped at MaxSend), a bounded prefix, and the duration.
func TestAnswersAreRecorded(t *testing.T) {
	const maxSend = 3 << 20
	s, err := Start(Options{Fault: Huge, Domain: "127.0.0.1", MaxSend: maxSend})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A reader that takes all it is sent (the reference client would refuse the announced 256 MiB
	// before reading, and then how much the connection took depends on socket buffers).
	resp, err := http.Post(s.URL, "application/json", strings.NewReader(`{"ValidateAccount":{"Account":"bob"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.Copy(io.Discard, resp.Body); err == nil || n != maxSend {
		t.Fatalf("read %d bytes (%v): want the body cut at MaxSend %d", n, err, maxSend)
	}
	resp.Body.Close()
	s.Close()
	r := s.Requests()
	if len(r) != 1 {
		t.Fatalf("%d requests recorded", len(r))
	}
	a := r[0].Response
	if a.Status != http.StatusOK || a.Header.Get("Content-Length") != "268435456" || !a.Done || a.Duration <= 0 {
		t.Errorf("answer recorded as status %d, Content-Length %q, done %v, duration %s", a.Status, a.Header.Get("Content-Length"), a.Done, a.Duration)
	}
	if a.Sent != maxSend {
		t.Errorf("sent %d bytes, want MaxSend %d: the client read it all", a.Sent, maxSend)
	}
	if len(a.Prefix) != MaxPrefix || !bytes.HasPrefix(a.Prefix, []byte(`{"ValidateResponse":`)) {
		t.Errorf("prefix of %d bytes: %.40q", len(a.Prefix), a.Prefix)
	}
}

// TestVerifyAuthorization: the test portal verifies both a signed request and one made in a
// session it granted, and refuses either over another body.
func TestVerifyAuthorization(t *testing.T) {
	s, err := Start(Options{Domain: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	m, _ := client.NewMaster(0, nil)
	d, _ := client.NewDevice(0, nil)
	a := &client.Account{Name: "alice", Master: m, Device: d, Sessions: &client.Sessions{}}
	cl := &client.Client{URL: s.URL, HTTP: client.Bugs{}.HTTPClient(time.Minute)}
	if _, _, err := cl.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	entry, err := m.ProfileMesh("alice")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // signed, asking for a session; then in the session
		if _, _, err := cl.Publish(ctx, entry, a.Auth()); err != nil {
			t.Fatal(err)
		}
	}
	var schemes []bool
	for _, r := range s.Requests() {
		hv := r.Header.Get("Authorization")
		if hv == "" {
			continue
		}
		h, inSession, err := s.VerifyAuthorization(hv, r.Body)
		if err != nil || h.Account != "alice" {
			t.Fatalf("a %s request did not verify: %v (account %v)", r.Tx, err, h)
		}
		schemes = append(schemes, inSession)
		if _, _, err := s.VerifyAuthorization(hv, append(bytes.Clone(r.Body), ' ')); err == nil {
			t.Errorf("a %s request verified over another body (session %v)", r.Tx, inSession)
		}
	}
	if len(schemes) != 2 || schemes[0] || !schemes[1] {
		t.Fatalf("in session per authenticated request: %v, want [false true]", schemes)
	}
}

// TestAnswerHook: the Answer hook sees each transaction's request and correct answer and its
// replacement is what the client gets, under the status it returns, and what is recorded.
func TestAnswerHook(t *testing.T) {
	var mu sync.Mutex
	var seenTx []string
	replacement := []byte(`{"ValidateResponse":{"Status":201,"StatusDescription":"from the hook","Valid":false}}`)
	s, err := Start(Options{Domain: "127.0.0.1", Answer: func(tx string, req, body []byte, status int) ([]byte, int) {
		mu.Lock()
		seenTx = append(seenTx, tx)
		mu.Unlock()
		if tx != "ValidateAccount" || !bytes.Contains(req, []byte("bob")) || !bytes.Contains(body, []byte(`"Valid":true`)) {
			return body, status
		}
		return replacement, http.StatusInternalServerError
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cl := &client.Client{URL: s.URL, HTTP: client.Bugs{}.HTTPClient(10 * time.Second)}
	if _, _, err := cl.Hello(context.Background()); err != nil {
		t.Fatalf("hello: %v", err)
	}
	resp, ex, err := cl.Validate(context.Background(), "bob")
	if err != nil {
		t.Fatalf("validate: %v", err)
	}
	if resp.StatusDescription != "from the hook" || ex.HTTPStatus != http.StatusInternalServerError {
		t.Errorf("the client got %q under HTTP %d, not the hook's answer", resp.StatusDescription, ex.HTTPStatus)
	}
	reqs := s.Requests()
	if len(reqs) != 2 || !bytes.Equal(reqs[1].Response.Prefix, replacement) || reqs[1].Response.Status != http.StatusInternalServerError {
		t.Errorf("recorded %d requests; the last answer %d %q", len(reqs), reqs[len(reqs)-1].Response.Status, reqs[len(reqs)-1].Response.Prefix)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seenTx) != 2 || seenTx[0] != "Hello" || seenTx[1] != "ValidateAccount" {
		t.Errorf("the hook saw %v", seenTx)
	}
}
