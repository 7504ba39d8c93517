package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/target"
)

// TestHelloProbeNotesARefusal: a Hello refused with an HTTP error passes the probe (the checks
// judge it) but is noted once, with the answer and the hint about --host; an accepted Hello
// and an unreachable portal say nothing of the kind.
func TestHelloProbeNotesARefusal(t *testing.T) {
	for _, tt := range []struct {
		name     string
		status   int
		wantNote bool
	}{
		{"refused", http.StatusBadRequest, true},
		{"answered", http.StatusOK, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(`{"HelloResponse":{"Status":400,"StatusDescription":"Host is not this portal's name"}}`))
			}))
			defer srv.Close()
			tg, err := target.New(target.Options{URL: srv.URL + "/.well-known/mmm/"})
			if err != nil {
				t.Fatal(err)
			}
			defer tg.Close()
			var out bytes.Buffer
			probe := helloProbe(tg, &out)
			for range 2 { // before and after the checks
				if err := probe(context.Background()); err != nil {
					t.Fatalf("probe: %v", err)
				}
			}
			got := out.String()
			if !tt.wantNote {
				if got != "" {
					t.Errorf("unexpected note: %s", got)
				}
				return
			}
			if strings.Count(got, "refused Hello") != 1 || !strings.Contains(got, "HTTP 400") ||
				!strings.Contains(got, "Host is not this portal") || !strings.Contains(got, "--host") {
				t.Errorf("note:\n%s", got)
			}
		})
	}
	tg, err := target.New(target.Options{URL: "http://127.0.0.1:1/.well-known/mmm/"})
	if err != nil {
		t.Fatal(err)
	}
	defer tg.Close()
	var out bytes.Buffer
	if err := helloProbe(tg, &out)(context.Background()); err == nil {
		t.Error("an unreachable portal passed the probe")
	}
	if out.Len() != 0 {
		t.Errorf("unreachable portal noted: %s", out.String())
	}
}

// TestExpvarMemory reads the memory figure of a Go process's expvar page: live_heap_bytes
// first, memstats.HeapAlloc otherwise, and errors for anything else.
func TestExpvarMemory(t *testing.T) {
	for _, tt := range []struct {
		name, body string
		status     int
		want       uint64
		wantErr    bool
	}{
		{"meshportal", `{"live_heap_bytes": 1234, "memstats": {"HeapAlloc": 99}}`, 200, 1234, false},
		{"any Go process", `{"cmdline": ["x"], "memstats": {"HeapAlloc": 5678}}`, 200, 5678, false},
		{"no figure", `{"cmdline": ["x"]}`, 200, 0, true},
		{"not JSON", `<html>`, 200, 0, true},
		{"error", `{}`, 500, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			got, err := expvarMemory(srv.URL + "/debug/vars")(context.Background())
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestMemoryURLNeedsAPortal: --memory-url without --portal is a usage error, said before any
// portal starts.
func TestMemoryURLNeedsAPortal(t *testing.T) {
	if code := run([]string{"fuzz", "--memory-url", "http://127.0.0.1:1/debug/vars", "--max-cases", "1"}); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
}
