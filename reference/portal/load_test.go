package portal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
)

// loadResult is what a bounded load run measured.
type loadResult struct {
	created, reads, errors int64
	lost                   int
	elapsed                time.Duration
}

// runLoad has 64 concurrent clients create and read accounts for d, then checks that every
// acknowledged account is found, before and after a restart on the same directory.
func runLoad(t testing.TB, d time.Duration) loadResult {
	dir := t.TempDir()
	url, stop, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: dir})
	require.NoError(t, err)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	c := &client.Client{URL: url, HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
	var res loadResult
	var mu sync.Mutex
	var acked []string
	var firstErr atomic.Value
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				name := fmt.Sprintf("load-%d-%d", w, i)
				seed := []byte(name)
				m, err1 := client.NewMaster(keys.Ed448, append(seed, 'm'))
				dv, err2 := client.NewDevice(keys.Ed448, append(seed, 'd'))
				if err1 != nil || err2 != nil {
					atomic.AddInt64(&res.errors, 1)
					continue
				}
				a := &client.Account{Name: name, Master: m, Device: dv}
				if _, _, err := c.CreateAccount(context.Background(), a); err != nil {
					firstErr.CompareAndSwap(nil, err)
					atomic.AddInt64(&res.errors, 1)
					continue
				}
				mu.Lock()
				acked = append(acked, name)
				mu.Unlock()
				atomic.AddInt64(&res.created, 1)
				if _, _, err := c.Get(context.Background(), &mesh.GetRequest{Account: name}); err != nil {
					firstErr.CompareAndSwap(nil, err)
					atomic.AddInt64(&res.errors, 1)
					continue
				}
				atomic.AddInt64(&res.reads, 1)
			}
		}(w)
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if v := firstErr.Load(); v != nil {
		t.Errorf("first load error: %v", v)
	}
	check := func(c *client.Client) int {
		lost := 0
		for _, name := range acked {
			if _, _, err := c.Get(context.Background(), &mesh.GetRequest{Account: name}); err != nil {
				lost++
			}
		}
		return lost
	}
	res.lost = check(c)
	stop()
	url2, stop2, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: dir})
	require.NoError(t, err)
	defer stop2()
	res.lost += check(&client.Client{URL: url2, HTTP: c.HTTP})
	return res
}

// TestLoad is the bounded load test: zero errors, zero lost writes.
func TestLoad(t *testing.T) {
	d := 3 * time.Second
	if testing.Short() {
		d = 2 * time.Second
	}
	r := runLoad(t, d)
	t.Logf("%d accounts created, %d reads in %s (%.0f creates/s)", r.created, r.reads, r.elapsed, float64(r.created)/r.elapsed.Seconds())
	assert.Equal(t, int64(0), r.errors, "errors")
	assert.Equal(t, 0, r.lost, "lost writes")
	assert.True(t, r.created > 0, "no account created")
}

// BenchmarkLoad30s is the 30-second load run (it runs once; use -benchtime=1x).
func BenchmarkLoad30s(b *testing.B) {
	r := runLoad(b, 30*time.Second)
	b.ReportMetric(float64(r.created)/r.elapsed.Seconds(), "creates/s")
	b.ReportMetric(float64(r.reads)/r.elapsed.Seconds(), "reads/s")
	b.ReportMetric(float64(r.errors), "errors")
	b.ReportMetric(float64(r.lost), "lost")
	if r.errors != 0 || r.lost != 0 {
		b.Fatalf("errors %d, lost %d", r.errors, r.lost)
	}
}

// bareHandler is the baseline: a plain net/http JSON handler that decodes the request and
// writes a small JSON answer, with no protocol work at all.
// bareHandler decodes the request with encoding/json and encodes the answer for its tag.
func bareHandler(answers map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(body, &v); err != nil || len(v) != 1 {
			http.Error(w, "bad", 400)
			return
		}
		for tag := range v {
			out, err := json.Marshal(answers[tag])
			if err != nil {
				http.Error(w, "bad", 500)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.Write(out)
		}
	}
}

func benchRequests(b *testing.B, url string, body []byte) {
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	b.SetParallelism(8) // 8 x GOMAXPROCS concurrent clients for both handlers
	m := startMeter(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, url, bytesReader(body))
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("HTTP %d", resp.StatusCode)
				return
			}
		}
	})
	m.report(b, "req")
}

// BenchmarkThroughput compares Hello and Get through the portal with the bare handler on
// loopback HTTP, in the same run.
func BenchmarkThroughput(b *testing.B) {
	// The per-client rate limit (20,000/s by default) would throttle one benchmark client.
	url, stop, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: b.TempDir(), RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	a := newAccount(b, "bench")
	if _, _, err := client.New(url).CreateAccount(context.Background(), a); err != nil {
		b.Fatal(err)
	}
	hello := []byte(`{"Hello":{}}`)
	get := []byte(`{"Get":{"Account":"bench"}}`)
	// The bare handler answers with the very documents the portal answers, decoded once into
	// generic JSON and encoded again with encoding/json on every request: the cost of a plain
	// net/http JSON handler producing the same answer, beside the portal's.
	answers := map[string]any{}
	for tag, body := range map[string][]byte{"Hello": hello, "Get": get} {
		resp, err := http.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		var doc any
		err = json.NewDecoder(resp.Body).Decode(&doc)
		resp.Body.Close()
		if err != nil {
			b.Fatal(err)
		}
		answers[tag] = doc
	}
	bare := httptest.NewServer(bareHandler(answers))
	defer bare.Close()
	b.Run("Hello/bare", func(b *testing.B) { benchRequests(b, bare.URL, hello) })
	b.Run("Hello/portal", func(b *testing.B) { benchRequests(b, url, hello) })
	b.Run("Get/bare", func(b *testing.B) { benchRequests(b, bare.URL, get) })
	b.Run("Get/portal", func(b *testing.B) { benchRequests(b, url, get) })
}

// BenchmarkPublish compares Publish of a signed profile with bare Ed448 verification, side by
// side in one run. The baselines verify one signature in a loop: on every core at once (the
// like-for-like figure, since the portal uses every core) and on one. The Publish variants:
//
//   - client: the reference client publishes one signed profile again and again; it signs
//     each request's Authorization header on the same cores the portal runs on.
//   - portal: the same requests, their headers signed before the timer starts: the portal
//     alone, which verifies each header (one Ed448 verification; the profile's own signatures
//     were verified by its first Publish and are remembered) and commits each write durably.
//   - fresh: every request carries a profile never seen before, so the portal verifies two
//     signatures per request (header and profile), headers and profiles signed in advance.
//   - one-client: the portal requests, sent by a single client one after the other: what one
//     writer's Publish takes, from the request to its durable commit.
func BenchmarkPublish(b *testing.B) {
	a := newAccount(b, "pub")
	pm, err := a.Master.ProfileMesh("pub@localhost")
	if err != nil {
		b.Fatal(err)
	}
	msg := []byte("message")
	sig, _ := a.Master.OSK.Sign(msg)
	verify := func() error { return keys.Verify(keys.Ed448, a.Master.OSK.PublicBytes(), msg, sig) }
	b.Run("Ed448Verify/all-cores", func(b *testing.B) {
		m := startMeter(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := verify(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		m.report(b, "op")
	})
	b.Run("Ed448Verify/one-core", func(b *testing.B) {
		m := startMeter(b)
		for range b.N {
			if err := verify(); err != nil {
				b.Fatal(err)
			}
		}
		m.report(b, "op")
	})
	b.Run("Publish/client", func(b *testing.B) {
		c, _ := publishPortal(b, a)
		m := startMeter(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := c.Publish(context.Background(), pm, a.Auth()); err != nil {
					b.Error(err)
					return
				}
			}
		})
		m.report(b, "op")
	})
	// The same in a session (NOTE-AUTH-SESSION): a MAC instead of a signature per request.
	b.Run("Publish/client-session", func(b *testing.B) {
		c, _ := publishPortal(b, a)
		au := a.Auth()
		au.Sessions = &client.Sessions{}
		if _, _, err := c.Publish(context.Background(), pm, au); err != nil {
			b.Fatal(err)
		}
		m := startMeter(b)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, _, err := c.Publish(context.Background(), pm, au); err != nil {
					b.Error(err)
					return
				}
			}
		})
		m.report(b, "op")
		if au.Sessions.Granted != 1 {
			b.Fatalf("%d sessions granted, want the one", au.Sessions.Granted)
		}
	})
	body, err := mesh.EncodeRequest(&mesh.PublishRequest{Entry: pm})
	if err != nil {
		b.Fatal(err)
	}
	same := func(int) []byte { return body }
	b.Run("Publish/portal", func(b *testing.B) { benchPresigned(b, a, true, false, same) })
	b.Run("Publish/portal-session", func(b *testing.B) { benchPresigned(b, a, true, true, same) })
	b.Run("Publish/one-client", func(b *testing.B) { benchPresigned(b, a, false, false, same) })
	b.Run("Publish/fresh", func(b *testing.B) { benchPresigned(b, a, true, false, freshProfiles(b, a)) })
	b.Run("Publish/fresh-session", func(b *testing.B) { benchPresigned(b, a, true, true, freshProfiles(b, a)) })
}

// freshProfiles makes b.N Publish bodies, each a profile the portal has not seen: unique
// across the benchmark's rounds too, since a profile of an earlier round would be remembered
// as verified.
func freshProfiles(b *testing.B, a *client.Account) func(i int) []byte {
	bodies := make([][]byte, b.N)
	for i := range bodies {
		env, err := a.Master.ProfileMeshAt("pub@localhost", time.Unix(1_800_000_000+freshSerial.Add(1), 0))
		if err == nil {
			bodies[i], err = mesh.EncodeRequest(&mesh.PublishRequest{Entry: env})
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	return func(i int) []byte { return bodies[i] }
}

var freshSerial atomic.Int64

// publishPortal starts a portal holding account a, with a client able to keep 64 connections.
func publishPortal(b *testing.B, a *client.Account) (*client.Client, string) {
	url, stop, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(stop)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	c := &client.Client{URL: url, HTTP: &http.Client{Transport: tr}}
	if _, _, err := c.CreateAccount(context.Background(), a); err != nil {
		b.Fatal(err)
	}
	// Concurrent publishers, so that writes share commits as they would on a busy portal.
	b.SetParallelism(16)
	return c, url
}

// benchPresigned posts the i-th body with a fresh Authorization header, every header made
// before the timer starts, so that the client's signing does not share the cores with the
// portal; from concurrent clients (parallel) or from one, request after request. In a session
// (NOTE-AUTH-SESSION) the headers carry MACs under a session granted before the timer starts.
func benchPresigned(b *testing.B, a *client.Account, parallel, inSession bool, body func(i int) []byte) {
	c, url := publishPortal(b, a)
	authorize := func(body []byte) (string, error) {
		return auth.Sign(a.Device.DAK, "localhost", a.Name, body, time.Now(), nil)
	}
	if inSession {
		au := a.Auth()
		au.Sessions = &client.Sessions{}
		if _, _, err := c.ConnectPending(context.Background(), a.Name, nil, au); err != nil {
			b.Fatal(err)
		}
		sess := au.Sessions.Current(time.Now())
		if sess == nil {
			b.Fatal("no session granted")
		}
		authorize = func(body []byte) (string, error) { return sess.Authorize("localhost", body, time.Now(), nil) }
	}
	headers := make([]string, b.N)
	for i := range headers {
		var err error
		if headers[i], err = authorize(body(i)); err != nil {
			b.Fatal(err)
		}
	}
	post := func(i int) error {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body(i)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", headers[i])
		resp, err := c.HTTP.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}
	m := startMeter(b)
	if !parallel {
		for i := range b.N {
			if err := post(i); err != nil {
				b.Fatal(err)
			}
		}
		m.report(b, "op")
		return
	}
	var next atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := post(int(next.Add(1) - 1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	m.report(b, "op")
}

// BenchmarkStart measures opening a portal on an existing data directory (it must start in
// well under a second): one holding 50 accounts, and one grown by 30,000 Publishes (about
// 200 MB; opening reads the whole page map to rebuild bbolt's freelist, so it grows with the
// store). The store's size is reported as MB.
func BenchmarkStart(b *testing.B) {
	b.Run("accounts-50", func(b *testing.B) {
		benchStart(b, func(b *testing.B, c *client.Client) {
			for i := 0; i < 50; i++ {
				if _, _, err := c.CreateAccount(context.Background(), newAccount(b, fmt.Sprintf("start%d", i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("publishes-30000", func(b *testing.B) {
		benchStart(b, func(b *testing.B, c *client.Client) {
			a := newAccount(b, "start")
			if _, _, err := c.CreateAccount(context.Background(), a); err != nil {
				b.Fatal(err)
			}
			pm, err := a.Master.ProfileMesh("start@localhost")
			if err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 32 {
				wg.Go(func() {
					for range 30000 / 32 {
						if _, _, err := c.Publish(context.Background(), pm, a.Auth()); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	})
}

// benchStart fills a data directory through a running portal, stops it, and opens the
// directory b.N times.
func benchStart(b *testing.B, fill func(*testing.B, *client.Client)) {
	dir := b.TempDir()
	url, stop, err := portal.StartLoopback(context.Background(), portal.Config{DataDir: dir, RateLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	fill(b, &client.Client{URL: url, HTTP: &http.Client{Transport: tr}})
	stop()
	if b.Failed() {
		return
	}
	fi, err := os.Stat(filepath.Join(dir, "portal.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := portal.New(portal.Config{DataDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		p.Close()
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "MB")
}
