// Command meshportal serves the reference Mesh portal (reference/portal) over HTTP or HTTPS.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"expvar"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/meshconform/meshconform/internal/memstat"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/portal"
)

type options struct {
	listen, data, domain string
	tlsCert, tlsKey      string
	selfSigned, listBugs bool
	listAllowances       bool
	bugs, peerKeys       []string
	allows               []string
	rateLimit            float64
	logLevel             string
	debugListen          string
	readTimeout          time.Duration
	writeTimeout         time.Duration
	sessionLifetime      time.Duration
	maxInFlight          int
	maxLargeInFlight     int
	pendingLifetime      time.Duration
	connectRate          float64
}

func main() {
	if err := newRoot(os.Stdout, os.Stderr).Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "meshportal:", err)
		os.Exit(2)
	}
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	var o options
	cmd := &cobra.Command{
		Use:           "meshportal --data DIR [--listen ADDR] [--domain NAME]",
		Short:         "the reference Mathematical Mesh portal",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.listBugs {
				for _, b := range portal.ListBugs() {
					fmt.Fprintf(stdout, "%-40s %s\n", b.Name, b.Doc)
				}
				return nil
			}
			if o.listAllowances {
				for _, a := range portal.ListAllowances() {
					fmt.Fprintf(stdout, "%-28s %s\n", a.Name, a.Doc)
				}
				return nil
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return run(ctx, o, stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.data, "data", "", "data directory (bbolt store; created if missing)")
	f.StringVar(&o.domain, "domain", "localhost", "the portal's DNS name: Host header and account domain")
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this certificate (PEM)")
	f.StringVar(&o.tlsKey, "tls-key", "", "private key of --tls-cert (PEM)")
	f.BoolVar(&o.selfSigned, "self-signed", false, "serve HTTPS with a fresh self-signed certificate (tests)")
	f.StringArrayVar(&o.bugs, "bug", nil, "enable a misbehaviour knob (repeatable; see --list-bugs)")
	f.BoolVar(&o.listBugs, "list-bugs", false, "list the misbehaviour knobs and exit")
	f.StringArrayVar(&o.allows, "allow", nil, "enable an allowance: a behaviour the documents permit that the reference does not produce (repeatable; see --list-allowances)")
	f.BoolVar(&o.listAllowances, "list-allowances", false, "list the allowances, each with the document text that permits it, and exit")
	f.StringArrayVar(&o.peerKeys, "peer-key", nil, "public key file of a peer allowed to Transfer the whole log (repeatable)")
	f.Float64Var(&o.rateLimit, "rate-limit", 0, "requests per second per client (0: default 20000, negative: off)")
	f.StringVar(&o.logLevel, "log-level", "info", "debug, info, warn or error")
	f.DurationVar(&o.readTimeout, "read-timeout", 0, "longest time to read a whole request, body included (0: 30s)")
	f.DurationVar(&o.writeTimeout, "write-timeout", 0, "longest time from a request's headers to the end of its answer (0: 60s)")
	f.DurationVar(&o.sessionLifetime, "session-lifetime", 0, "how long a granted session lasts (NOTE-AUTH-SESSION; 0: 1h, negative: grant none)")
	f.IntVar(&o.maxInFlight, "max-in-flight", 0, "requests served at once; more are answered 503 with Retry-After (0: 32, negative: no bound)")
	f.IntVar(&o.maxLargeInFlight, "max-large-in-flight", 0, "requests over 64 KiB served at once, within --max-in-flight; more wait up to 10s, then 503 (0: GOMAXPROCS less one, at least 1, at most 4; negative: no bound)")
	f.DurationVar(&o.pendingLifetime, "pending-lifetime", 0, "how long an unanswered connection request waits before it expires (NOTE-PENDING-FLOOD; 0: 6h)")
	f.Float64Var(&o.connectRate, "connect-rate", 0, "ConnectStart requests per second per client and account, burst 64, 429 beyond (NOTE-PENDING-FLOOD; 0: 1, negative: off)")
	f.StringVar(&o.debugListen, "debug-listen", "", "also serve the process's expvar figures (live_heap_bytes, memstats) at /debug/vars on this address; keep it private")
	return cmd
}

func run(ctx context.Context, o options, stderr io.Writer) error {
	if o.data == "" {
		return errors.New("--data DIR is required")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	logger.Info("garbage collection target", "gogc", applyGCPercent(os.Getenv))
	cfg := portal.Config{Domain: o.domain, DataDir: o.data, RateLimit: o.rateLimit, Logger: logger,
		ReadTimeout: o.readTimeout, WriteTimeout: o.writeTimeout, SessionLifetime: o.sessionLifetime,
		MaxInFlight: o.maxInFlight, MaxLargeInFlight: o.maxLargeInFlight, PendingLifetime: o.pendingLifetime, ConnectRate: o.connectRate}
	for _, b := range o.bugs {
		if err := cfg.Bugs.Set(b); err != nil {
			return err
		}
	}
	for _, a := range o.allows {
		if err := cfg.Allow.Set(a); err != nil {
			return err
		}
	}
	for _, file := range o.peerKeys {
		data, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("--peer-key: %w", err)
		}
		kf, err := keys.ParseKeyFile(data)
		if err != nil {
			return fmt.Errorf("--peer-key %s: %w", file, err)
		}
		cfg.PeerKeys = append(cfg.PeerKeys, portal.PeerKey{Alg: kf.Algorithm, Pub: kf.Public})
	}
	p, err := portal.New(cfg)
	if err != nil {
		return err
	}
	defer p.Close()
	srv := p.Server(o.listen)
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	scheme := "http"
	switch {
	case o.tlsCert != "" || o.tlsKey != "":
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	case o.selfSigned:
		cert, err := selfSigned(o.domain)
		if err != nil {
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	if srv.TLSConfig != nil {
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	logger.Info("meshportal listening", "url", fmt.Sprintf("%s://%s%s", scheme, ln.Addr(), portal.Path), "domain", p.Domain())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if o.debugListen != "" {
		dln, err := net.Listen("tcp", o.debugListen)
		if err != nil {
			return fmt.Errorf("--debug-listen: %w", err)
		}
		dsrv := debugServer()
		defer dsrv.Close()
		logger.Info("debug figures", "url", "http://"+dln.Addr().String()+"/debug/vars")
		go func() {
			if err := dsrv.Serve(dln); !errors.Is(err, http.ErrServerClosed) {
				logger.Error("debug figures no longer served", "err", err)
			}
		}()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// debugServer serves expvar's /debug/vars, with the live heap (internal/memstat) that
// `meshconform fuzz --memory-url` watches, on a listener of its own: never on the portal's.
func debugServer() *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/debug/vars", expvar.Handler())
	return &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second}
}

func init() {
	expvar.Publish("live_heap_bytes", expvar.Func(func() any { return memstat.LiveHeap() }))
}

// defaultGCPercent is meshportal's garbage collection target when GOGC is not set. The portal
// allocates quickly per request (decoding, bbolt's node copies) but keeps little alive: its
// caches are bounded tables and a request's memory is freed with its answer. Collecting at 400 %
// growth instead of Go's 100 % costs a few megabytes of heap and saves about 8 % of the CPU a
// Publish uses (make bench-portal, GOGC=100 against GOGC=400, interleaved rounds).
const defaultGCPercent = 400

// applyGCPercent sets the collector's target to defaultGCPercent unless the environment's GOGC
// says otherwise, and returns the target in force.
func applyGCPercent(getenv func(string) string) int {
	if getenv("GOGC") != "" {
		cur := debug.SetGCPercent(100) // reading the target means setting one: put it back
		debug.SetGCPercent(cur)
		return cur
	}
	debug.SetGCPercent(defaultGCPercent)
	return defaultGCPercent
}

// selfSigned makes a throwaway certificate for the domain and the loopback addresses.
func selfSigned(domain string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: domain},
		DNSNames: []string{domain, "localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
