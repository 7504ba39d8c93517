package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHostileAnswerSizes: an answer beyond MaxResponse is reported too large, whether it
// announces its length or is cut at the limit (not a syntax error at the limit's offset); an
// answer of exactly the limit decodes; a StatusDescription beyond MaxDescription is refused.
func TestHostileAnswerSizes(t *testing.T) {
	const limit = 4096
	hello := func(desc string) string {
		return `{"HelloResponse":{"Status":201,"StatusDescription":"` + desc + `"}}`
	}
	exact := hello(strings.Repeat("a", limit-len(hello(""))))
	cases := []struct {
		name     string
		body     string
		chunked  bool // no Content-Length: the client finds out by reading
		max      int64
		tooLarge bool
	}{
		{"announced beyond the limit", hello(strings.Repeat("a", limit)), false, limit, true},
		{"cut at the limit", hello(strings.Repeat("a", limit)), true, limit, true},
		{"exactly the limit", exact, true, limit, false},
		{"long StatusDescription", hello(strings.Repeat("a", MaxDescription+1)), false, 1 << 20, true},
		{"StatusDescription at its bound", hello(strings.Repeat("a", MaxDescription)), false, 1 << 20, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.chunked {
					w.(http.Flusher).Flush() // headers out before the body: no Content-Length
				}
				w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c := &Client{URL: srv.URL, MaxResponse: tc.max}
			_, _, err := c.Hello(context.Background())
			if got := errors.Is(err, ErrTooLarge); got != tc.tooLarge {
				t.Fatalf("%d-byte answer: err %v; too large: %v, want %v", len(tc.body), err, got, tc.tooLarge)
			}
			if tc.tooLarge && !errors.Is(err, ErrProtocol) {
				t.Errorf("too large is not a protocol error: %v", err)
			}
		})
	}
}
