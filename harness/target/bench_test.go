package target

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPost measures one request over loopback with connection reuse.
func BenchmarkPost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Write([]byte(`{"HelloResponse":{"Status":201}}`))
	}))
	defer srv.Close()
	tg, err := New(Options{URL: srv.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer tg.Close()
	body := []byte(`{"Hello":{}}`)
	b.ReportAllocs()
	for b.Loop() {
		if ex, err := tg.Post(context.Background(), body, nil); err != nil || ex.Problem != ProblemNone {
			b.Fatal(err, ex.Problem)
		}
	}
}
