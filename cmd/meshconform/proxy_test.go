package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/internal/scenario"
	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/portal"
)

// TestProxyEndToEnd is issue 20's end-to-end test of the command: the reference client drives
// the reference portal through `meshconform proxy`, ended by SIGINT; a portal knob is reported
// on the portal side, a client knob on the client side, a clean pair not at all; and `trace`
// judges the capture the proxy wrote the same way.
func TestProxyEndToEnd(t *testing.T) {
	for _, tc := range []struct {
		name      string
		portalBug string
		clientBug string
		code      int
		broken    []string
	}{
		{name: "clean", code: 0},
		{name: "portal cacheable-responses", portalBug: "cacheable-responses", code: 1, broken: []string{observe.RuleContentType}},
		{name: "client host-ip", clientBug: "host-ip", code: 1, broken: []string{observe.RuleHost}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var pb portal.Bugs
			if tc.portalBug != "" {
				if err := pb.Set(tc.portalBug); err != nil {
					t.Fatal(err)
				}
			}
			var cb client.Bugs
			if tc.clientBug != "" {
				if err := cb.Set(tc.clientBug); err != nil {
					t.Fatal(err)
				}
			}
			purl, stop, err := portal.StartLoopback(context.Background(), portal.Config{Bugs: pb})
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			dir := t.TempDir()
			listening := make(chan string, 1)
			proxyListening = func(addr string) { listening <- addr }
			defer func() { proxyListening = nil }()
			resetFlags(rootCmd) // rootCmd is global: flags keep the last test's values
			exit := make(chan int, 1)
			go func() {
				exit <- run([]string{"proxy", "--listen", "127.0.0.1:0", "--portal", purl, "--host", "localhost",
					"--report-dir", dir, "--report", "json,junit,sarif,html,md"})
			}()
			var addr string
			select {
			case addr = <-listening:
			case code := <-exit:
				t.Fatalf("proxy exited %d before listening", code)
			}
			problems := scenario.Run(context.Background(), "http://"+addr+observe.WellKnownPath, "localhost", cb, "cmd-e2e")
			if tc.name == "clean" && len(problems) > 0 {
				t.Fatalf("the clean pair failed: %v", problems)
			}
			if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
			if code := <-exit; code != tc.code {
				t.Errorf("proxy exited %d, want %d", code, tc.code)
			}
			for _, f := range []string{"run.json", "junit.xml", "results.sarif", "report.html", "report.md", "capture.ndjson"} {
				if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
					t.Errorf("%s missing or empty: %v", f, err)
				}
			}
			live := readRunJSON(t, filepath.Join(dir, "run.json"))
			if got := brokenRules(live); strings.Join(got, ",") != strings.Join(tc.broken, ",") {
				t.Errorf("proxy: broken %v, want %v", got, tc.broken)
			}
			tdir := filepath.Join(dir, "trace")
			resetFlags(rootCmd)
			if code := run([]string{"trace", filepath.Join(dir, "capture.ndjson"), "--report-dir", tdir}); code != tc.code {
				t.Errorf("trace exited %d, want %d", code, tc.code)
			}
			if got := brokenRules(readRunJSON(t, filepath.Join(tdir, "run.json"))); strings.Join(got, ",") != strings.Join(tc.broken, ",") {
				t.Errorf("trace: broken %v, want %v", got, tc.broken)
			}
		})
	}
}

func brokenRules(r *result.Run) []string {
	var out []string
	for _, c := range r.Results {
		if c.Outcome != result.Pass && c.Outcome != result.Skip {
			out = append(out, c.ID)
		}
	}
	sort.Strings(out)
	return out
}

func TestTraceRefusesWhatIsNotATrace(t *testing.T) {
	f := filepath.Join(t.TempDir(), "x.txt")
	if err := os.WriteFile(f, []byte("not a trace\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	resetFlags(rootCmd)
	defer resetFlags(rootCmd)
	if code := run([]string{"trace", f, "--report-dir", t.TempDir()}); code != 2 {
		t.Errorf("trace of a text file exited %d, want 2", code)
	}
	resetFlags(rootCmd)
	if code := run([]string{"proxy", "--listen", "127.0.0.1:0"}); code != 2 {
		t.Errorf("proxy without --portal exited %d, want 2", code)
	}
}

func TestTraceFixtures(t *testing.T) {
	for file, code := range map[string]int{"clean.ndjson": 0, "clean.har": 0, "client-host-ip.har": 1, "portal-untagged-responses.ndjson": 1} {
		resetFlags(rootCmd)
		if got := run([]string{"trace", filepath.Join("..", "..", "observe", "testdata", file), "--report-dir", t.TempDir()}); got != code {
			t.Errorf("trace %s exited %d, want %d", file, got, code)
		}
	}
}

// TestProxyTLS: TLS on both sides, the portal's certificate taken with --insecure, the proxy's
// own from --tls-cert and --tls-key; the clean pair stays clean.
func TestProxyTLS(t *testing.T) {
	p, err := portal.New(portal.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	upstream := httptest.NewTLSServer(p)
	defer upstream.Close()
	dir := t.TempDir()
	certFile, keyFile := selfSignedFiles(t, dir)
	resetFlags(rootCmd)
	defer resetFlags(rootCmd)
	listening := make(chan string, 1)
	proxyListening = func(addr string) { listening <- addr }
	defer func() { proxyListening = nil }()
	exit := make(chan int, 1)
	go func() {
		exit <- run([]string{"proxy", "--listen", "127.0.0.1:0", "--portal", upstream.URL + "/", "--host", "localhost", "--insecure",
			"--tls-cert", certFile, "--tls-key", keyFile, "--report-dir", dir})
	}()
	var addr string
	select {
	case addr = <-listening:
	case code := <-exit:
		t.Fatalf("proxy exited %d before listening", code)
	}
	problems := scenario.Run(context.Background(), "https://"+addr+observe.WellKnownPath, "localhost", client.Bugs{InsecureTLS: true}, "cmd-tls")
	if len(problems) > 0 {
		t.Errorf("the clean pair failed over TLS: %v", problems)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := <-exit; code != 0 {
		t.Errorf("proxy exited %d, want 0", code)
	}
	live := readRunJSON(t, filepath.Join(dir, "run.json"))
	if got := brokenRules(live); len(got) > 0 {
		t.Errorf("broken %v", got)
	}
	if live.Summary.Outcomes[result.Pass] < 15 {
		t.Errorf("only %d rules passed: the traffic did not go through", live.Summary.Outcomes[result.Pass])
	}
}

// selfSignedFiles writes a throwaway certificate for 127.0.0.1 and its key as PEM files.
func selfSignedFiles(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// TestProxyDuration: --duration ends the proxy by itself; no traffic skips every rule (never a
// pass) and says so.
func TestProxyDuration(t *testing.T) {
	resetFlags(rootCmd)
	defer resetFlags(rootCmd)
	dir := t.TempDir()
	if code := run([]string{"proxy", "--listen", "127.0.0.1:0", "--portal", "http://127.0.0.1:9/", "--duration", "200ms", "--report-dir", dir}); code != 0 {
		t.Fatalf("exit %d, want 0", code)
	}
	r := readRunJSON(t, filepath.Join(dir, "run.json"))
	if r.Summary.Outcomes[result.Skip] != len(r.Results) || len(r.Results) == 0 {
		t.Errorf("outcomes %v over %d rules, want every one skipped", r.Summary.Outcomes, len(r.Results))
	}
	if len(r.Warnings) == 0 || !strings.Contains(r.Warnings[0], "no exchange") {
		t.Errorf("warnings %v", r.Warnings)
	}
}
