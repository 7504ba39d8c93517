package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/observe/proxy"
	"github.com/meshconform/meshconform/reports/render"
)

// proxyListening, when set (by tests), is told the address the proxy listens on.
var proxyListening func(addr string)

type proxyFlags struct {
	listen, portal, host string
	duration             time.Duration
	reportDir, reports   string
	capture              string
	strict, insecure     bool
	ca, tlsCert, tlsKey  string
}

// `meshconform proxy --listen ADDR --portal URL`: a validating reverse proxy.
func init() {
	f := &proxyFlags{}
	cmd := &cobra.Command{
		Use:   "proxy --listen ADDR --portal URL",
		Short: "Forward live traffic to a portal unchanged, judging every request and answer",
		Long: `Listen on ADDR and forward every HTTP/1.x request to the portal, and every answer back,
byte for byte: head and body as they came, Host, header order and case, chunked framing and
connection headers included, each client connection's requests over keep-alive connections to
the portal. Each exchange is judged off the request path against what is observable on
the wire: tagging and strict decoding, Status and the HTTP status, Host, the signatures of the
envelopes whose keys the traffic carried, request authentication and replays across the
session, nonce freshness, witnesses, Validate/Create consistency and the connection flow.
Every observation names the side at fault (observe.client.* or observe.portal.*), the
exchange and the requirement ID.

On SIGINT or SIGTERM, or after --duration, the proxy stops, writes the reports (as run does)
and the capture file: NDJSON, one exchange per line, bodies in base64, Authorization and other
secrets redacted as the reports redact them (what identifies a replay is kept as a digest), to
be judged again with meshconform trace.

Exit codes: 0 nothing broken; 1 a MUST broken (or, under --strict, a SHOULD); 2 usage.`,
		Example: `  meshconform proxy --listen 127.0.0.1:9090 --portal http://127.0.0.1:8080/ --host localhost --duration 10m
  meshclient --portal http://127.0.0.1:9090/.well-known/mmm/ --host localhost --state st hello`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runProxy(c, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "", "address to listen on, e.g. 127.0.0.1:9090 (required)")
	fl.StringVar(&f.portal, "portal", "", "the portal to forward to (required; only its scheme and authority are used)")
	fl.StringVar(&f.host, "host", "", "the portal's DNS name, which Host must carry and signatures cover (default: the --portal host)")
	fl.DurationVar(&f.duration, "duration", 0, "stop after this long (0: on SIGINT or SIGTERM only)")
	fl.StringVar(&f.reportDir, "report-dir", "meshconform-proxy", "folder for the report files and the capture")
	fl.StringVar(&f.reports, "report", "json", "report formats to write: "+strings.Join(render.Names(), ","))
	fl.StringVar(&f.capture, "capture", "", "capture file (default: capture.ndjson in --report-dir; - for none)")
	fl.BoolVar(&f.strict, "strict", false, "warnings fail the run")
	fl.BoolVar(&f.insecure, "insecure", false, "skip the portal's TLS certificate verification")
	fl.StringVar(&f.ca, "ca", "", "PEM file of CA certificates to trust for the portal (instead of the system roots)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "private key of --tls-cert (PEM)")
	rootCmd.AddCommand(cmd)
}

func runProxy(c *cobra.Command, f *proxyFlags) error {
	out := c.OutOrStdout()
	if f.listen == "" || f.portal == "" {
		return usage("proxy needs --listen ADDR and --portal URL")
	}
	formats, err := render.ParseList(f.reports)
	if err != nil {
		return usage("--report: %v", err)
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return usage("--tls-cert and --tls-key go together")
	}
	pu, err := target.ParsePortalURL(f.portal)
	if err != nil {
		return usage("--portal %v", err)
	}
	host := f.host
	if host == "" {
		host = pu.Hostname()
	}
	upTLS, err := upstreamTLS(f)
	if err != nil {
		return err
	}
	base := (&url.URL{Scheme: pu.Scheme, Host: pu.Host}).String()
	judge, err := observe.New(observe.Config{Host: host, Base: base, Path: pu.Path})
	if err != nil {
		return failed("%v", err)
	}
	capPath := f.capture
	if capPath == "" {
		capPath = filepath.Join(f.reportDir, "capture.ndjson")
	}
	var capw *observe.CaptureWriter
	if capPath != "-" {
		if err := os.MkdirAll(filepath.Dir(capPath), 0o755); err != nil {
			return usage("capture: %v", err)
		}
		file, err := os.Create(capPath)
		if err != nil {
			return usage("capture: %v", err)
		}
		defer file.Close()
		capw = observe.NewCaptureWriter(file, nil)
	}
	p := proxy.New(proxy.Config{Portal: &url.URL{Scheme: pu.Scheme, Host: pu.Host}, TLS: upTLS, Consume: func(ex *observe.Exchange) {
		ex.Portal = host
		judge.Observe(ex)
		if capw != nil {
			_ = capw.Write(ex) // a failing capture is reported once, at the end
		}
	}})
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return usage("--listen: %v", err)
	}
	scheme := "http"
	if f.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			ln.Close()
			return usage("--tls-cert: %v", err)
		}
		// HTTP/1.1 only, as before: the proxy forwards HTTP/1.x bytes as they came.
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}})
		scheme = "https"
	}
	// The signals are caught before anyone is told the address, so that a SIGINT sent as soon
	// as the proxy is up ends it cleanly.
	ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	addr := ln.Addr().String()
	fmt.Fprintf(out, "proxy: %s://%s%s -> %s (portal name %s)\n", scheme, addr, pu.Path, base, host)
	if proxyListening != nil {
		proxyListening(addr)
	}
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	start := time.Now()
	serveErr := make(chan error, 1)
	go func() { serveErr <- p.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-serveErr:
		if err != nil && !errors.Is(err, proxy.ErrServerClosed) {
			return failed("proxy: %v", err)
		}
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.Shutdown(shut) // exchanges still open after 5 s are cut and not judged
	p.Close()

	var warnings []string
	if capw != nil {
		if err := capw.Flush(); err != nil {
			warnings = append(warnings, err.Error())
		} else {
			fmt.Fprintf(out, "capture: %s (%d exchanges)\n", capPath, capw.Count())
		}
	}
	run := observedRun(judge, base, start, f.strict, warnings)
	return finishRun(out, run, false, f.reportDir, formats, "traffic")
}

// observedRun is the run record of a judged session.
func observedRun(j *observe.Judge, target string, start time.Time, strict bool, warnings []string) *result.Run {
	results := j.Results()
	for i := range results {
		results[i].StartedAt = start
	}
	if n := j.Exchanges(); n == 0 {
		warnings = append(warnings, "no exchange was seen: every rule is skipped")
	}
	run := &result.Run{SchemaVersion: result.SchemaVersion, Tool: tool(), Mode: result.ModeRun, Target: target,
		StartedAt: start, Duration: time.Since(start), Warnings: warnings, Results: results,
		Config: result.ConfigSummary{Jobs: 1, Strict: strict, Available: len(results), Selected: len(results)}}
	run.Summary = result.Summarize(run.Results)
	return run
}

// upstreamTLS is how the portal's certificate is checked: nil (the system roots) unless
// --insecure or --ca say otherwise.
func upstreamTLS(f *proxyFlags) (*tls.Config, error) {
	if !f.insecure && f.ca == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: f.insecure} //nolint:gosec // --insecure asks for it
	if f.ca != "" {
		pem, err := os.ReadFile(f.ca)
		if err != nil {
			return nil, usage("--ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, usage("--ca %s: no certificate in it", f.ca)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
