package testportal

import (
	"bytes"
	"context"
	"errors"
	"net/http"
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
			cl := &client.Client{URL: s.URL, HTTP: client.Bugs{}.HTTPClient(time.Second)}
			start := time.Now()
			_, _, err = cl.Validate(context.Background(), "bob")
			if (err == nil) != c.ok {
				t.Fatalf("err %v, want ok=%v", err, c.ok)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("the fault held the client %s", time.Since(start))
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
