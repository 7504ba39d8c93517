package proxy

import (
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/meshconform/meshconform/observe"
)

// TestForwardsUnchanged: what the client sends is what the portal receives and what the portal
// answers is what the client receives, bodies past the keep bound included (they stream through
// unkept), and what was kept is released to the budget once judged.
func TestForwardsUnchanged(t *testing.T) {
	type seen struct {
		host, authz, custom string
		body                []byte
	}
	var mu sync.Mutex
	var got []seen
	answer := make([]byte, 3<<20)
	if _, err := rand.Read(answer); err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Host, r.Header.Get("Authorization"), r.Header.Get("X-Custom"), b})
		mu.Unlock()
		w.Header().Set("X-Answer", "kept")
		w.Header().Set("Mesh-Session", `key="k", ticket="t"`)
		w.WriteHeader(http.StatusTeapot)
		if len(b) > 100 {
			_, _ = w.Write(answer)
		} else {
			_, _ = w.Write([]byte(`{"ValidateResponse":{"Status":201}}`))
		}
	}))
	defer upstream.Close()
	u, _ := url.Parse(upstream.URL)
	const keep, budget = 1 << 10, 4 << 10
	var exs []*observe.Exchange
	p := New(Config{Portal: u, Keep: keep, Budget: budget, Consume: func(ex *observe.Exchange) { exs = append(exs, ex) }})
	base, stop := ServeLoopback(t, p)

	big := make([]byte, 2<<20)
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	for _, body := range [][]byte{[]byte(`{"ValidateAccount":{"Account":"a@x"}}`), big} {
		req, _ := http.NewRequest(http.MethodPost, base+"/.well-known/mmm/?q=1", bytes.NewReader(body))
		req.Host = "portal.example"
		req.Header.Set("Authorization", `Mesh alg="Ed448", key="x"`)
		req.Header.Set("X-Custom", "as sent")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Answer") != "kept" || resp.Header.Get("Mesh-Session") == "" {
			t.Errorf("answer altered: %d %v", resp.StatusCode, resp.Header)
		}
		if len(body) > 100 && !bytes.Equal(rb, answer) {
			t.Errorf("the 3 MiB answer arrived altered (%d bytes)", len(rb))
		}
	}
	stop()
	p.Close()
	if len(got) != 2 {
		t.Fatalf("the portal saw %d requests", len(got))
	}
	for i, g := range got {
		if g.host != "portal.example" || g.authz == "" || g.custom != "as sent" {
			t.Errorf("request %d altered: %+v", i, g)
		}
	}
	if !bytes.Equal(got[1].body, big) {
		t.Error("the 2 MiB request arrived altered")
	}
	if len(exs) != 2 {
		t.Fatalf("%d exchanges judged", len(exs))
	}
	small, large := exs[0], exs[1]
	if small.Request.Truncated || small.Response.Truncated || string(small.Request.Body) != `{"ValidateAccount":{"Account":"a@x"}}` {
		t.Errorf("small exchange: %+v", small)
	}
	if !large.Request.Truncated || large.Request.Size != int64(len(big)) || len(large.Request.Body) > keep ||
		!large.Response.Truncated || large.Response.Size != int64(len(answer)) || len(large.Response.Body) > keep {
		t.Errorf("large exchange kept %d/%d and %d/%d bytes", len(large.Request.Body), large.Request.Size, len(large.Response.Body), large.Response.Size)
	}
	if large.Request.URL != "/.well-known/mmm/?q=1" || large.Request.Host != "portal.example" {
		t.Errorf("recorded %s %s", large.Request.Host, large.Request.URL)
	}
	if b := p.budget.Load(); b != budget {
		t.Errorf("budget %d after every exchange was judged, want %d", b, budget)
	}
}

// TestBudgetBoundsWhatIsKept: with the budget spent, bodies stream through unkept.
func TestBudgetBoundsWhatIsKept(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	}))
	defer upstream.Close()
	u, _ := url.Parse(upstream.URL)
	release := make(chan struct{})
	var kept int64
	var exs []*observe.Exchange
	p := New(Config{Portal: u, Keep: 1 << 10, Budget: 1 << 10, Consume: func(ex *observe.Exchange) {
		<-release // the judge is slow: what it holds stays taken
		exs = append(exs, ex)
		kept += int64(len(ex.Request.Body) + len(ex.Response.Body))
	}})
	base, stop := ServeLoopback(t, p)
	for range 3 {
		resp, err := http.Post(base+"/", "application/json", bytes.NewReader(make([]byte, 700)))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	close(release)
	stop()
	p.Close()
	if len(exs) != 3 || kept > 1<<10 {
		t.Errorf("%d exchanges kept %d bytes, budget %d", len(exs), kept, 1<<10)
	}
	if !exs[2].Request.Truncated {
		t.Error("the third request was kept although the budget was spent")
	}
}
