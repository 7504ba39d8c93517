package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/meshconform/meshconform/harness/target"
)

// TestReadMeshAnswer: the pre-flight's boundary between a portal (whatever it says) and
// something else, one row per shape.
func TestReadMeshAnswer(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
		want   target.Reading
	}{
		{"tagged Hello answer", 200, `{"HelloResponse":{"Status":201,"Version":{"Major":3}}}`, target.Accepted},
		{"tagged without Status", 200, `{"HelloResponse":{}}`, target.Accepted},
		{"tagged without Status, HTTP refusal", 400, `{"HelloResponse":{}}`, target.Refusal},
		{"tagged refusal", 400, `{"HelloResponse":{"Status":400,"StatusDescription":"Host is not this portal's name"}}`, target.Refusal},
		{"refusal in Mesh, HTTP 200", 200, `{"HelloResponse":{"Status":404}}`, target.Refusal},
		{"another response class", 200, `{"CreateResponse":{"Status":201}}`, target.Accepted},
		{"untagged payload", 200, `{"Status":201,"StatusDescription":"ok"}`, target.Accepted},
		{"untagged refusal", 400, `{"Status":400}`, target.Refusal},
		{"JSON without Status", 200, `{"hello":"world"}`, target.Foreign},
		{"an unknown tag", 200, `{"Greeting":{"Status":201}}`, target.Foreign},
		{"Status not a number", 200, `{"Status":"ok"}`, target.Foreign},
		{"a JSON array", 200, `[1,2]`, target.Foreign},
		{"a web page", 200, `<html><body>hello</body></html>`, target.Foreign},
		{"plain text 404", 404, "404 page not found\n", target.Foreign},
		{"empty", 200, "", target.Foreign},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := readMeshAnswer(tt.status, []byte(tt.body)); got != tt.want {
				t.Errorf("readMeshAnswer(%d, %s) = %v, want %v", tt.status, tt.body, got, tt.want)
			}
		})
	}
}

// TestHelloProbe: the mid-run probe passes on any answer, even a refusal (the checks judge
// it), and fails only when nothing answers.
func TestHelloProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"HelloResponse":{"Status":400}}`))
	}))
	defer srv.Close()
	for _, tt := range []struct {
		url     string
		wantErr bool
	}{{srv.URL, false}, {"http://127.0.0.1:1/", true}} {
		tg, err := target.New(target.Options{URL: tt.url})
		if err != nil {
			t.Fatal(err)
		}
		err = helloProbe(tg)(context.Background())
		tg.Close()
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: probe error %v, want error %v", tt.url, err, tt.wantErr)
		}
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
