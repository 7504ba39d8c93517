package proxy_test

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
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
// reference portal, through the proxy forwarding only, and through the validating proxy
// (judging every exchange and writing the capture), side by side: every iteration sends one
// request each way, each way first in turn, so that the machine's changing speed weighs on all
// alike. Besides ns/op (the three requests) it reports each way's µs/op and the ratios
// forward/direct (the hop) and judged/direct (issue 20 aims under 1.2).
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
		j.Observe(ex)
		_ = capw.Write(ex)
	}})
	defer p.Close()
	srv := httptest.NewServer(p)
	defer srv.Close()
	fwd := proxy.New(proxy.Config{Portal: u}) // the same hop, nothing judged: what the hop itself costs
	defer fwd.Close()
	fsrv := httptest.NewServer(fwd)
	defer fsrv.Close()

	ctx := context.Background()
	direct := &client.Client{URL: purl, Host: "localhost", HTTP: client.Bugs{}.HTTPClient(30 * time.Second)}
	proxied := &client.Client{URL: srv.URL + observe.WellKnownPath, Host: "localhost", HTTP: client.Bugs{}.HTTPClient(30 * time.Second)}
	forwarded := &client.Client{URL: fsrv.URL + observe.WellKnownPath, Host: "localhost", HTTP: client.Bugs{}.HTTPClient(30 * time.Second)}
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
			clients := []*client.Client{direct, forwarded, proxied}
			var took [3]time.Duration
			timed := func(k int) {
				start := time.Now()
				if err := op(clients[k]); err != nil {
					b.Fatal(err)
				}
				took[k] += time.Since(start)
			}
			for k := range clients { // warm every connection
				timed(k)
			}
			took = [3]time.Duration{}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				for k := range clients { // each first in turn
					timed((i + k) % len(clients))
				}
			}
			n := float64(b.N)
			b.ReportMetric(float64(took[0].Microseconds())/n, "direct-µs/op")
			b.ReportMetric(float64(took[1].Microseconds())/n, "forward-µs/op")
			b.ReportMetric(float64(took[2].Microseconds())/n, "judged-µs/op")
			if took[0] > 0 {
				b.ReportMetric(float64(took[1])/float64(took[0]), "forward/direct")
				b.ReportMetric(float64(took[2])/float64(took[0]), "judged/direct")
			}
		})
	}
}
