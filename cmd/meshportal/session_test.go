package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
)

// TestSessionLifetimeFlag: --session-lifetime reaches the portal: a grant lasts that long, and
// a negative lifetime grants none (the portal's own tests cover the mechanism).
func TestSessionLifetimeFlag(t *testing.T) {
	for _, c := range []struct {
		lifetime time.Duration
		granted  int
	}{{90 * time.Second, 1}, {-time.Second, 0}} {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go run(ctx, options{listen: addr, data: t.TempDir(), domain: "localhost", logLevel: "error", sessionLifetime: c.lifetime}, io.Discard)
		cl := client.New("http://localhost:" + addr[len("127.0.0.1:"):] + "/.well-known/mmm/")
		err := retryUntilUp(func() error {
			_, _, err := cl.Hello(ctx)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := client.NewMaster(keys.Ed448, []byte("session-m"))
		d, _ := client.NewDevice(keys.Ed448, []byte("session-d"))
		a := &client.Account{Name: "session", Master: m, Device: d}
		if _, _, err := cl.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		au := a.Auth()
		au.Sessions = &client.Sessions{}
		start := time.Now()
		if _, _, err := cl.ConnectPending(ctx, a.Name, nil, au); err != nil {
			t.Fatal(err)
		}
		if au.Sessions.Granted != c.granted {
			t.Fatalf("--session-lifetime %v: %d sessions granted, want %d", c.lifetime, au.Sessions.Granted, c.granted)
		}
		if c.granted == 1 {
			// The session is used until 30 s before it ends: at 90 s it is live now, not in a minute.
			if au.Sessions.Current(start.Add(45*time.Second)) == nil || au.Sessions.Current(start.Add(70*time.Second)) != nil {
				t.Errorf("--session-lifetime 90s: the grant does not last 90 s")
			}
		}
	}
}
