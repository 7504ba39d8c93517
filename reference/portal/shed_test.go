package portal_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/internal/syncbuf"
	"github.com/meshconform/meshconform/reference/portal"
)

// TestLoadShedding: with MaxInFlight requests in flight, one more is answered 503 with
// Retry-After before its body is read, logged as load shedding at WARN and never as an
// internal error; once a slot frees, requests are served again.
func TestLoadShedding(t *testing.T) {
	var logs syncbuf.Buffer
	h := newHandler(t, portal.Config{MaxInFlight: 1,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	pr, pw := io.Pipe()
	held := make(chan struct{})
	go func() {
		defer close(held)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://localhost"+portal.Path, pr))
	}()
	// The held request is in flight once its body is being read: a write blocks until then.
	if _, err := pw.Write([]byte(`{"Hello":{`)); err != nil {
		t.Fatal(err)
	}
	hello := []byte(`{"Hello":{}}`)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://localhost"+portal.Path, bytes.NewReader(hello)))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("a request beyond MaxInFlight: HTTP %d, Retry-After %q; want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if !strings.Contains(rec.Body.String(), `"Status":503`) {
		t.Errorf("shed answer %s has no Status 503", rec.Body)
	}
	pw.Write([]byte(`}}`))
	pw.Close()
	<-held
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://localhost"+portal.Path, bytes.NewReader(hello)))
	if rec.Code != http.StatusOK {
		t.Errorf("after the slot freed: HTTP %d, want 200", rec.Code)
	}
	out := logs.String()
	if !strings.Contains(out, "level=WARN msg=\"load shed\"") {
		t.Errorf("no WARN load shed line in the log:\n%s", out)
	}
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("load shedding logged as an error:\n%s", out)
	}
}

// TestLargeRequestsWaitTheirTurn: with every large slot taken, a Hello is still served at
// once, and another large request waits (its body unread) until it gives up, then is shed.
func TestLargeRequestsWaitTheirTurn(t *testing.T) {
	h := newHandler(t, portal.Config{MaxLargeInFlight: 1})
	pr, pw := io.Pipe()
	held := make(chan struct{})
	go func() {
		defer close(held)
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "http://localhost"+portal.Path, pr))
	}()
	if _, err := pw.Write([]byte(`{"Hello":{`)); err != nil { // the large one is being read
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://localhost"+portal.Path, bytes.NewReader([]byte(`{"Hello":{}}`))))
	if rec.Code != http.StatusOK {
		t.Errorf("a Hello while the large slot is taken: HTTP %d, want 200", rec.Code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	big := bytes.Repeat([]byte(" "), 100<<10)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodPost, "http://localhost"+portal.Path, bytes.NewReader(big)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("a second large request that gave up waiting: HTTP %d, want 503", rec.Code)
	}
	pw.Write([]byte(`}}`))
	pw.Close()
	<-held
}
