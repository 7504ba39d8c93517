package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/portal"
)

// failLine matches a check's FAIL line, in the progress or the details.
var failLine = regexp.MustCompile(`(?m)^(\[\d+/\d+\] )?FAIL +[a-z]`)

// runCommand runs a command line in-process with fresh flags and returns the exit code, stdout
// and stderr.
func runCommand(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	resetFlags(rootCmd)
	var out, errOut bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errOut)
	defer func() { rootCmd.SetOut(nil); rootCmd.SetErr(nil) }()
	code = run(args)
	return code, out.String(), errOut.String()
}

// embeddedPortal starts the reference portal on loopback and returns its host:port (its name is
// localhost).
func embeddedPortal(t *testing.T) string {
	t.Helper()
	u, stop, err := portal.StartLoopback(context.Background(), portal.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	pu, _ := url.Parse(u)
	return pu.Host
}

// rawListener serves each connection with serve, on loopback.
func rawListener(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return ln.Addr().String()
}

// seedReport writes a report an earlier run left, and returns a function that says whether it
// is still there unchanged.
func seedReport(t *testing.T) (dir string, unchanged func() bool) {
	t.Helper()
	dir = t.TempDir()
	path := filepath.Join(dir, "run.json")
	earlier := []byte(`{"earlier": "report"}`)
	if err := os.WriteFile(path, earlier, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, func() bool {
		got, err := os.ReadFile(path)
		entries, _ := os.ReadDir(dir)
		return err == nil && bytes.Equal(got, earlier) && len(entries) == 1
	}
}

// TestRunStopsBeforeTheChecks is issue 15's end-to-end for misconfiguration: each setup a
// newcomer gets wrong ends `meshconform run` with exit 2 and one line naming the condition and
// the next step, before any check ran, and leaves an earlier report alone.
func TestRunStopsBeforeTheChecks(t *testing.T) {
	ref := embeddedPortal(t)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"HelloResponse":{"Status":201}}`))
	}))
	defer tlsSrv.Close()
	tlsHost := strings.TrimPrefix(tlsSrv.URL, "https://")
	loop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer loop.Close()
	garbage := rawListener(t, func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		c.Write([]byte("220 smtp.example ESMTP ready\r\n"))
	})
	headers := rawListener(t, func(c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		c.Write([]byte("HTTP/1.1 200 OK\r\n"))
		for {
			if _, err := c.Write([]byte("X-Again: " + strings.Repeat("y", 200) + "\r\n")); err != nil {
				return
			}
		}
	})
	for _, tt := range []struct {
		name string
		args []string
		line string // the whole stderr, one line
	}{
		{"https against a plain http portal", []string{"--portal", "https://" + ref + "/"},
			"meshconform: not run: wrong scheme: " + ref + " answers plain HTTP, not HTTPS; use http://" + ref + "/.well-known/mmm/"},
		{"http against a TLS portal", []string{"--portal", "http://" + tlsHost + "/"},
			"meshconform: not run: wrong scheme: " + tlsHost + " speaks TLS, not plain HTTP; use https://" + tlsHost + "/.well-known/mmm/"},
		{"a TLS portal with an unknown CA", []string{"--portal", tlsSrv.URL + "/"},
			"meshconform: not run: TLS not verifiable: the certificate of " + tlsHost + " is signed by an authority not trusted here (issuer O=Acme Co); use --insecure or --ca FILE"},
		{"a path with no portal", []string{"--portal", "http://" + ref + "/api/mesh/"},
			"meshconform: not run: no Mesh portal: Hello at http://" + ref + "/api/mesh/ got HTTP 404 (text/plain; charset=utf-8, 47 bytes), not a Mesh message, but the portal answers at /.well-known/mmm/; use --portal http://" + ref + "/.well-known/mmm/"},
		{"a Host the portal refuses", []string{"--portal", "http://" + ref + "/", "--host", "portal.example"},
			"meshconform: not run: Host not accepted: http://" + ref + "/.well-known/mmm/ refuses Hello with Host portal.example (HTTP 400: " +
				`{"HelloResponse":{"Status":400,"StatusDescription":"Host is not this portal's name (draft 3.1)"}}) and answers it with Host localhost; use --host localhost`},
		{"a server that does not speak HTTP", []string{"--portal", "http://" + garbage + "/"},
			"meshconform: not run: not HTTP: " + garbage + ` answers, but not in HTTP (it begins "220 smtp"); check the host and port`},
		{"a redirect loop", []string{"--portal", loop.URL + "/"},
			"meshconform: not run: redirected: redirect loop: " + loop.URL + "/.well-known/mmm/ leads back to " + loop.URL + "/.well-known/mmm/; give the portal's own URL, or fix the redirect"},
		{"endless headers", []string{"--portal", "http://" + headers + "/"},
			"meshconform: not run: oversized headers: the answer's headers from " + headers + " go on past 64 KiB; check the URL: no portal answers like this (a proxy in the way?)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir, unchanged := seedReport(t)
			code, stdout, stderr := runCommand(t, append([]string{"run", "--report-dir", dir, "--timeout", "5s"}, tt.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if got := strings.TrimSuffix(stderr, "\n"); got != tt.line {
				t.Errorf("stderr:\n got %s\nwant %s", got, tt.line)
			}
			if failLine.MatchString(stdout) || strings.Contains(stdout, "PASS") {
				t.Errorf("checks ran:\n%s", stdout)
			}
			if !unchanged() {
				t.Error("the earlier report was overwritten")
			}
		})
	}
}

// TestNoReportWhenTheRunDoesNotStart: a selection of no check, and a bad flag, leave an earlier
// report as it was.
func TestNoReportWhenTheRunDoesNotStart(t *testing.T) {
	for _, args := range [][]string{
		{"--only", "no.such.check"},
		{"--level", "SOMETIMES"},
		{"--shard", "5/4"},
	} {
		dir, unchanged := seedReport(t)
		code, stdout, _ := runCommand(t, append([]string{"run", "--report-dir", dir}, args...)...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
		if !unchanged() {
			t.Errorf("%v: the earlier report was overwritten\n%s", args, stdout)
		}
	}
}

// slowPortal puts the embedded reference portal behind a handler that answers a Hello at once and
// every other request never (it waits for the client to give up): the pre-flight and the probes
// pass, every check's requests time out, however slow the machine.
func slowPortal(t *testing.T) string {
	t.Helper()
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: embeddedPortal(t)})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !bytes.HasPrefix(body, []byte(`{"Hello"`)) {
			<-r.Context().Done()
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return "http://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/"
}

// TestSlowPortalIsNoVerdict: against a portal that answers every request after the request
// timeout, the checks end in error naming the timeout, never as failures of their requirements.
func TestSlowPortalIsNoVerdict(t *testing.T) {
	dir := t.TempDir()
	code, stdout, _ := runCommand(t, "run", "--portal", slowPortal(t), "--only", "connect.*",
		"--timeout", "1s", "--report-dir", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1 (errors)", code)
	}
	run := readRunJSON(t, filepath.Join(dir, "run.json"))
	if len(run.Results) == 0 {
		t.Fatal("no check ran")
	}
	for _, r := range run.Results {
		if r.Outcome != result.Error || !strings.Contains(r.Reason, "no answer within the request timeout (1s)") {
			t.Errorf("%s: %s %q, want error naming the timeout", r.ID, r.Outcome, r.Reason)
		}
	}
	if failLine.MatchString(stdout) {
		t.Errorf("a failure against a slow portal:\n%s", stdout)
	}
}

// TestTargetDiesMidRun: a portal that stops answering after a while is one condition, target
// died (exit 1), and the checks left are not run.
func TestTargetDiesMidRun(t *testing.T) {
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: embeddedPortal(t)})
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 40 {
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				c.Close()
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	u := "http://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:] + "/"
	dir := t.TempDir()
	code, stdout, _ := runCommand(t, "run", "--portal", u, "--report-dir", dir, "--jobs", "1")
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	run := readRunJSON(t, filepath.Join(dir, "run.json"))
	if run.Condition != result.ConditionTargetDied {
		t.Errorf("condition %q, want %q", run.Condition, result.ConditionTargetDied)
	}
	notRun := 0
	for _, r := range run.Results {
		if r.Outcome == result.Skip && strings.Contains(r.Reason, "stopped answering") {
			notRun++
		}
	}
	if notRun == 0 || strings.Count(stdout, "TARGET DIED") != 1 {
		t.Errorf("%d checks not run; output:\n%s", notRun, stdout)
	}
}

// TestRunDeadline: when --deadline passes, the run stops, writes the partial report (what ran,
// the rest recorded as not run with the reason) and exits 2.
func TestRunDeadline(t *testing.T) {
	dir := t.TempDir()
	code, _, _ := runCommand(t, "run", "--portal", slowPortal(t), "--timeout", "5s",
		"--only", "connect.*", "--deadline", "300ms", "--report-dir", dir)
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	run := readRunJSON(t, filepath.Join(dir, "run.json"))
	if run.Condition != result.ConditionDeadline {
		t.Errorf("condition %q, want %q", run.Condition, result.ConditionDeadline)
	}
	if len(run.Results) != run.Config.Selected || len(run.Results) == 0 {
		t.Errorf("%d results for %d selected checks", len(run.Results), run.Config.Selected)
	}
	for _, r := range run.Results {
		if r.Outcome != result.Skip || !strings.Contains(r.Reason, "deadline passed (--deadline 300ms)") {
			t.Errorf("%s: %s %q", r.ID, r.Outcome, r.Reason)
		}
	}
}

func readRunJSON(t *testing.T, path string) *result.Run {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := result.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOtherCommandsShareThePreflight: replay, vectors run and fuzz against a plain http portal
// given as https stop with the same line and exit 2.
func TestOtherCommandsShareThePreflight(t *testing.T) {
	ref := embeddedPortal(t)
	want := "meshconform: not run: wrong scheme: " + ref + " answers plain HTTP, not HTTPS; use http://" + ref + "/.well-known/mmm/"
	for _, args := range [][]string{
		{"replay", "wire.hello", "--portal", "https://" + ref + "/", "--report-dir", t.TempDir()},
		{"vectors", "run", "--portal", "https://" + ref + "/"},
		{"fuzz", "--portal", "https://" + ref + "/", "--max-cases", "1", "--out", t.TempDir()},
	} {
		code, stdout, stderr := runCommand(t, args...)
		if code != 2 || strings.TrimSuffix(stderr, "\n") != want {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, stderr, stdout)
		}
	}
}
