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
	rc.mu.Lock()
	full := len(rc.got) >= rc.max
	rc.mu.Unlock()
	if full {
		rc.h.ServeHTTP(w, r)
		return
	}
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
func benchPortal(b testing.TB, rc *recorder) string {
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
//   - portal: the requests of a campaign of mixCases cases (seed 1), recorded as the portal
//     received them, sent again in their order by two plain HTTP clients to a fresh portal
//     (a new one each time the mix is used up, made with the timer stopped): the portal's own
//     throughput for the same mix, with none of the fuzzer's work (building, signing, mutating,
//     judging) in between. On a fresh portal the recorded setup creates the accounts again, so
//     the writes are made again and signed requests verified as in the campaign.
//
// The ratio fuzzer/portal is the fuzzer's efficiency: 1 means the fuzzer costs nothing.
func BenchmarkCampaign(b *testing.B) {
	const mixCases = 1000
	rc := &recorder{max: 1 << 30}
	url := benchPortal(b, rc)
	tg, err := target.New(target.Options{URL: url, Timeout: 10 * time.Second})
	must(b, err)
	b.Cleanup(tg.Close)
	f, err := New(Config{Target: tg, PortalURL: url, Seed: 1, MaxRequests: mixCases, Workers: 2})
	must(b, err)
	_, err = f.Run(context.Background())
	must(b, err)
	rc.mu.Lock()
	mix := rc.got
	rc.max = 0 // record no more
	rc.mu.Unlock()
	var seed atomic.Int64 // every campaign at this portal needs accounts of its own
	seed.Store(1)
	b.Run("fuzzer", func(b *testing.B) {
		f, err := New(Config{Target: tg, PortalURL: url, Seed: seed.Add(1), MaxRequests: int64(b.N), Workers: 2})
		must(b, err)
		b.ResetTimer()
		s, err := f.Run(context.Background())
		must(b, err)
		b.ReportMetric(float64(s.Requests)/b.Elapsed().Seconds(), "req/s")
		b.ReportMetric(float64(s.Requests)/float64(b.N), "req/case")
	})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 10 * time.Second}
	b.Run("portal", func(b *testing.B) {
		var sent atomic.Int64
		b.ResetTimer()
		for done := 0; done < b.N; done += len(mix) {
			b.StopTimer()
			fresh := benchPortal(b, &recorder{})
			b.StartTimer()
			part := mix[:min(len(mix), b.N-done)]
			var next atomic.Int64
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1) - 1
						if i >= int64(len(part)) {
							return
						}
						r := part[i]
						req, err := http.NewRequest(http.MethodPost, fresh, bytes.NewReader(r.body))
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
							continue // a dropped connection is an answer too (to a mutated body)
						}
						_, _ = io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						sent.Add(1)
					}
				}()
			}
			wg.Wait()
		}
		b.ReportMetric(float64(sent.Load())/b.Elapsed().Seconds(), "req/s")
		b.ReportMetric(float64(len(mix)), "mix-requests")
	})
}
