package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestListFlags: --list-bugs and --list-allowances print every switch with its doc.
func TestListFlags(t *testing.T) {
	for flag, wants := range map[string][]string{
		"--list-bugs":       {"skip-host-check", "status-fails", "draft 3.15.1"},
		"--list-allowances": {"http-200", "unimplemented-501", "NOTE-UNIMPLEMENTED"},
	} {
		var out bytes.Buffer
		cmd := newRoot(&out, &out)
		cmd.SetArgs([]string{flag})
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s lacks %q", flag, want)
			}
		}
	}
}

func TestBadFlags(t *testing.T) {
	cases := [][]string{
		{"--data", t.TempDir(), "--bug", "no-such-bug"},
		{"--data", t.TempDir(), "--allow", "no-such-allowance"},
		{},
		{"--data", t.TempDir(), "--peer-key", "/nonexistent"},
	}
	for _, args := range cases {
		var out bytes.Buffer
		cmd := newRoot(&out, &out)
		cmd.SetArgs(args)
		if err := cmd.Execute(); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestServeAndShutdown starts the server (self-signed HTTPS), answers a Hello, and stops on
// context cancellation as it does on SIGTERM.
func TestServeAndShutdown(t *testing.T) {
	addr, debugAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() {
		done <- run(ctx, options{listen: addr, data: t.TempDir(), domain: "localhost", selfSigned: true, logLevel: "info",
			debugListen: debugAddr}, &logs)
	}()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	var resp *http.Response
	err := retryUntilUp(func() (err error) {
		req, _ := http.NewRequest(http.MethodPost, "https://"+addr+"/.well-known/mmm/", strings.NewReader(`{"Hello":{}}`))
		req.Host = "localhost"
		resp, err = hc.Do(req)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d", resp.StatusCode)
	}
	// The debug figures are served on their own address, and not on the portal's.
	vars := struct {
		LiveHeap uint64 `json:"live_heap_bytes"`
	}{}
	dresp, err := http.Get("http://" + debugAddr + "/debug/vars")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(dresp.Body).Decode(&vars)
	dresp.Body.Close()
	if err != nil || vars.LiveHeap == 0 {
		t.Errorf("/debug/vars: live_heap_bytes %d, %v", vars.LiveHeap, err)
	}
	req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/debug/vars", nil)
	req.Host = "localhost"
	if presp, err := hc.Do(req); err == nil {
		body, _ := io.ReadAll(presp.Body)
		presp.Body.Close()
		if strings.Contains(string(body), "live_heap_bytes") {
			t.Error("the portal's own address serves the debug figures")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(startGuard):
		t.Fatal("no shutdown")
	}
	if !strings.Contains(logs.String(), `"msg":"request"`) || strings.Contains(logs.String(), "Authorization") {
		t.Fatalf("logs: %s", logs.String())
	}
}

func TestGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	env := func(gogc string) func(string) string {
		return func(k string) string {
			if k == "GOGC" {
				return gogc
			}
			return ""
		}
	}
	if got := applyGCPercent(env("")); got != defaultGCPercent {
		t.Errorf("without GOGC: target %d, want %d", got, defaultGCPercent)
	}
	if got := debug.SetGCPercent(100); got != defaultGCPercent {
		t.Errorf("without GOGC: the runtime's target is %d, want %d", got, defaultGCPercent)
	}
	// GOGC is read by the runtime at start; applyGCPercent leaves whatever is in force alone.
	debug.SetGCPercent(150)
	if got := applyGCPercent(env("150")); got != 150 {
		t.Errorf("with GOGC=150: target %d, want 150", got)
	}
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("with GOGC=150: the runtime's target is %d, want 150", got)
	}
}

// TestReadTimeoutFlag: --read-timeout reaches the server: a body sent a byte at a time loses
// its connection at that timeout (the portal's own test covers the mechanism).
func TestReadTimeoutFlag(t *testing.T) {
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go run(ctx, options{listen: addr, data: t.TempDir(), domain: "localhost", logLevel: "error", readTimeout: 300 * time.Millisecond}, io.Discard)
	var conn net.Conn
	err := retryUntilUp(func() (err error) {
		conn, err = net.Dial("tcp", addr)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	io.WriteString(conn, "POST /.well-known/mmm/ HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{")
	closed := make(chan struct{})
	go func() { io.Copy(io.Discard, conn); close(closed) }()
	for deadline := time.Now().Add(startGuard); time.Now().Before(deadline); {
		select {
		case <-closed:
			return
		case <-time.After(50 * time.Millisecond):
			conn.Write([]byte(" "))
		}
	}
	t.Fatal("a trickling body kept its connection for a minute under --read-timeout 300ms")
}

// freeAddr returns a loopback address nothing listens on (free when asked).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
