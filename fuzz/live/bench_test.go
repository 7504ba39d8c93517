package live

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/portal"
)

// recorded is one request as the portal received it.
type recorded struct {
	hdr  http.Header
	body []byte
}

// recorder passes requests to h and keeps the first max of them.
type recorder struct {
	h   http.Handler
	max int
	mu  sync.Mutex
	got []recorded
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	if len(rc.got) < rc.max {
		hdr := r.Header.Clone()
		if r.Host != "" {
			hdr.Set("Host", r.Host)
		}
		rc.got = append(rc.got, recorded{hdr, body})
	}
	rc.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	rc.h.ServeHTTP(w, r)
}

// benchPortal serves a reference portal (no rate limit: one benchmark client would hit it)
// behind rc on loopback and returns its URL.
func benchPortal(b *testing.B, rc *recorder) string {
	b.Helper()
	p, err := portal.New(portal.Config{DataDir: b.TempDir(), RateLimit: -1, HangDelay: 30 * time.Second})
	must(b, err)
	b.Cleanup(func() { p.Close() })
	rc.h = p.Handler()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(b, err)
	srv := p.Server(ln.Addr().String())
	srv.Handler = rc
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) + portal.Path
}

// BenchmarkCampaign sets the live fuzzer beside the portal it fuzzes, in one run and for the
// same request mix (issue 19: the fuzzer should reach at least half the portal's throughput):
//
//   - fuzzer: a campaign of b.N cases against the embedded portal on loopback, two workers (the
//     command's default); requests/s counts every request sent, setup and minimisation included.
//   - portal: the requests that campaign's portal received, recorded as they arrived, sent
//     again to that portal by two plain HTTP clients: the portal's own throughput for the same
//     mix, with no fuzzer work (building, signing, mutating, judging) in between. A signed
//     request re-sent is refused as a replay after its signature is verified, so the portal's
//     work per request is close to the campaign's.
//
// The ratio fuzzer/portal is the fuzzer's efficiency: 1 means the fuzzer costs nothing.
func BenchmarkCampaign(b *testing.B) {
	rc := &recorder{max: 5000}
	url := benchPortal(b, rc)
	tg, err := target.New(target.Options{URL: url, Timeout: 10 * time.Second})
	must(b, err)
	b.Cleanup(tg.Close)
	b.Run("fuzzer", func(b *testing.B) {
		f, err := New(Config{Target: tg, PortalURL: url, Seed: int64(b.N), MaxRequests: int64(b.N), Workers: 2})
		must(b, err)
		b.ResetTimer()
		s, err := f.Run(context.Background())
		must(b, err)
		b.ReportMetric(float64(s.Requests)/b.Elapsed().Seconds(), "req/s")
		b.ReportMetric(float64(s.Requests)/float64(b.N), "req/case")
	})
	rc.mu.Lock()
	mix := rc.got
	rc.max = 0 // record no more
	rc.mu.Unlock()
	if len(mix) == 0 {
		b.Fatal("no request recorded")
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
	b.Run("portal", func(b *testing.B) {
		var next atomic.Int64
		var sent atomic.Int64
		var wg sync.WaitGroup
		b.ResetTimer()
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= int64(b.N) {
						return
					}
					r := mix[i%int64(len(mix))]
					req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(r.body))
					if err != nil {
						b.Error(err)
						return
					}
					req.Header = r.hdr.Clone()
					if h := r.hdr.Get("Host"); h != "" {
						req.Host = h
					}
					resp, err := hc.Do(req)
					if err != nil {
						continue // a dropped connection is an answer too (a mutated body)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					sent.Add(1)
				}
			}()
		}
		wg.Wait()
		b.ReportMetric(float64(sent.Load())/b.Elapsed().Seconds(), "req/s")
	})
}
