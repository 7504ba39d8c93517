package proxy_test

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/observe/proxy"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
)

// BenchmarkAnswerTime measures the answer time of Get and Publish sent straight to the
// reference portal and through the validating proxy (judging every exchange and writing the
// capture), side by side: every iteration sends one request each way, in alternating order,
// so that the machine's changing speed weighs on both alike. Besides ns/op (both requests) it
// reports direct-µs/op, proxy-µs/op and their ratio, proxy/direct (issue 20 aims under 1.2).
func BenchmarkAnswerTime(b *testing.B) {
	purl, stop, err := portal.StartLoopback(context.Background(), portal.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer stop()
	u, _ := url.Parse(purl)
	j, err := observe.New(observe.Config{Host: "localhost"})
	if err != nil {
		b.Fatal(err)
	}
	capw := observe.NewCaptureWriter(io.Discard, nil)
	p := proxy.New(proxy.Config{Portal: u, Consume: func(ex *observe.Exchange) {
		if os.Getenv("NOJUDGE") != "" {
			return
		}
		j.Observe(ex)
		_ = capw.Write(ex)
	}})
	defer p.Close()
	srv := httptest.NewServer(p)
	defer srv.Close()

	ctx := context.Background()
	direct := &client.Client{URL: purl, Host: "localhost", HTTP: client.Bugs{}.HTTPClient(30 * time.Second)}
	proxied := &client.Client{URL: srv.URL + observe.WellKnownPath, Host: "localhost", HTTP: client.Bugs{}.HTTPClient(30 * time.Second)}
	m, _ := client.NewMaster(keys.Ed448, []byte("bench/master"))
	d, _ := client.NewDevice(keys.Ed448, []byte("bench/device"))
	a := &client.Account{Name: "bench@localhost", Master: m, Device: d}
	if _, _, err := direct.CreateAccount(ctx, a); err != nil {
		b.Fatal(err)
	}
	prof, err := m.ProfileMesh(a.Name)
	if err != nil {
		b.Fatal(err)
	}
	ops := map[string]func(c *client.Client) error{
		"Get": func(c *client.Client) error {
			_, _, err := c.Get(ctx, &mesh.GetRequest{Account: a.Name})
			return err
		},
		"Publish": func(c *client.Client) error {
			_, _, err := c.Publish(ctx, prof, a.Auth())
			return err
		},
	}
	for _, name := range []string{"Get", "Publish"} {
		op := ops[name]
		b.Run(name, func(b *testing.B) {
			var dt, pt time.Duration
			timed := func(c *client.Client, into *time.Duration) {
				start := time.Now()
				if err := op(c); err != nil {
					b.Fatal(err)
				}
				*into += time.Since(start)
			}
			timed(direct, new(time.Duration)) // warm both connections
			timed(proxied, new(time.Duration))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if i%2 == 0 {
					timed(direct, &dt)
					timed(proxied, &pt)
				} else {
					timed(proxied, &pt)
					timed(direct, &dt)
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(dt.Microseconds())/n, "direct-µs/op")
			b.ReportMetric(float64(pt.Microseconds())/n, "proxy-µs/op")
			if dt > 0 {
				b.ReportMetric(float64(pt)/float64(dt), "proxy/direct")
			}
		})
	}
}
