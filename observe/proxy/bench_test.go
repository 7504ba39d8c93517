package proxy_test

import (
	"context"
	"io"
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

// BenchmarkAnswerTime measures the answer time of Get and Publish sent to the reference portal
// four ways, side by side: straight ("direct"); through a null TCP relay that copies bytes both
// ways and parses nothing ("relay": the floor any proxy pays for the extra hop); through the
// proxy forwarding only ("forward"); and through the proxy judging every exchange and writing
// the capture ("judged"), as the command does. Every iteration sends one request each way, each
// way first in turn, so that the machine's changing speed weighs on all alike. Besides ns/op
// (the four requests) it reports each way's µs/op, its ratio to direct (issue 20 aims under 1.2
// for judged/direct) and, for the proxy's two ways, its ratio to the null relay: what the proxy
// costs beyond the extra hop that any proxy adds.
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
	judging := proxy.New(proxy.Config{Portal: u, Consume: func(ex *observe.Exchange) {
		j.Observe(ex)
		_ = capw.Write(ex)
	}})
	defer judging.Close()
	judged, stopJudged := proxy.ServeLoopback(b, judging)
	defer stopJudged()
	forwarding := proxy.New(proxy.Config{Portal: u}) // the same hop, nothing judged
	defer forwarding.Close()
	forwarded, stopForwarded := proxy.ServeLoopback(b, forwarding)
	defer stopForwarded()

	ways := []struct{ name, base string }{
		{"direct", purl[:len(purl)-len(observe.WellKnownPath)]},
		{"relay", "http://" + nullRelay(b, u.Host)},
		{"forward", forwarded},
		{"judged", judged},
	}
	clients := make([]*client.Client, len(ways))
	for k, w := range ways {
		clients[k] = &client.Client{URL: w.base + observe.WellKnownPath, Host: "localhost", HTTP: client.Bugs{}.HTTPClient(30 * time.Second)}
	}
	ctx := context.Background()
	m, _ := client.NewMaster(keys.Ed448, []byte("bench/master"))
	d, _ := client.NewDevice(keys.Ed448, []byte("bench/device"))
	a := &client.Account{Name: "bench@localhost", Master: m, Device: d}
	if _, _, err := clients[0].CreateAccount(ctx, a); err != nil {
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
			took := make([]time.Duration, len(clients))
			timed := func(k int) {
				start := time.Now()
				if err := op(clients[k]); err != nil {
					b.Fatalf("%s: %v", ways[k].name, err)
				}
				took[k] += time.Since(start)
			}
			for k := range clients { // warm every connection
				timed(k)
			}
			clear(took)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				for k := range clients { // each first in turn
					timed((i + k) % len(clients))
				}
			}
			n := float64(b.N)
			for k, w := range ways {
				b.ReportMetric(float64(took[k].Microseconds())/n, w.name+"-µs/op")
				if k > 0 && took[0] > 0 {
					b.ReportMetric(float64(took[k])/float64(took[0]), w.name+"/direct")
				}
				if k > 1 && took[1] > 0 { // what the proxy costs beyond the hop itself
					b.ReportMetric(float64(took[k])/float64(took[1]), w.name+"/relay")
				}
			}
		})
	}
}
