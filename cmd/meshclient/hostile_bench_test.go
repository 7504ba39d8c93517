//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/testportal"
)

// hostileAnswers are the answers of BenchmarkHostileAnswers: every test portal fault that
// changes the answer to `validate NAME`, and answers of the test portal's own making that issue
// 17 names (served through testportal.Options.Answer).
func hostileAnswers() []struct {
	name string
	opts testportal.Options
} {
	type answer = struct {
		name string
		opts testportal.Options
	}
	var out []answer
	for _, f := range []testportal.Fault{testportal.Untagged, testportal.PayloadError, testportal.HTTPError,
		testportal.PayloadRedirect, testportal.Truncated, testportal.Huge, testportal.NeverEnding, testportal.Slow,
		testportal.Stalled, testportal.InvalidJSON, testportal.InvalidUTF8, testportal.Redirect,
		testportal.TLSSelfSigned} {
		out = append(out, answer{string(f), testportal.Options{Fault: f}})
	}
	// The client's whole bound (testportal.MaxResponse) of `{}`: within the size limit, beyond the
	// decoder's array limit (595 MB peak when cmd/meshclient parsed it again without limits).
	empties := func(tx string, _, _ []byte, _ int) ([]byte, int) {
		head, tail := `{"ValidateResponse":{"Status":201,"X-Meshconform-Empties":[`, `]}}`
		n := (testportal.MaxResponse - len(head) - len(tail) + 1) / 3
		return []byte(head + strings.TrimSuffix(strings.Repeat("{},", n), ",") + tail), 200
	}
	// A StatusDescription of 15 MB: within the size limit, beyond client.MaxDescription.
	description := func(tx string, _, _ []byte, _ int) ([]byte, int) {
		return []byte(`{"ValidateResponse":{"Status":201,"StatusDescription":"` + strings.Repeat("a", 15_000_000) + `"}}`), 200
	}
	// 10 KB nested 5000 deep: beyond the decoder's depth limit (indented, it took 200 MiB).
	deep := func(tx string, _, _ []byte, _ int) ([]byte, int) {
		return []byte(`{"ValidateResponse":{"Status":201,"X-Meshconform-Deep":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}`), 200
	}
	return append(out,
		answer{"empties-16MiB", testportal.Options{Answer: empties}},
		answer{"description-15MB", testportal.Options{Answer: description}},
		answer{"nested-5000", testportal.Options{Answer: deep}})
}

// BenchmarkHostileAnswers is issue 17's client measurement: meshclient, built once, runs
// `validate someone` (--timeout 3 s) against the test portal giving each hostile answer, and the
// benchmark reports the client process's peak resident memory (peak-rss-MiB; the aim is under
// 64 MiB for any answer) beside the time per run. The client is started through
// testdata/peakrss, whose doc says why: started from this process, its figure would be this
// process's. Whether the client's verdict is right is the client checks' business
// (conformance/client); a crash or hang fails the benchmark. MESHCLIENT_BENCH_BIN names another
// client binary to measure instead, such as meshclient built at an earlier commit.
func BenchmarkHostileAnswers(b *testing.B) {
	dir := b.TempDir()
	bin, launcher := filepath.Join(dir, "meshclient"), filepath.Join(dir, "peakrss")
	builds := [][2]string{{bin, "github.com/meshconform/meshconform/cmd/meshclient"}, {launcher, "./testdata/peakrss"}}
	if other := os.Getenv("MESHCLIENT_BENCH_BIN"); other != "" {
		bin, builds = other, builds[1:]
	}
	for _, build := range builds {
		if out, err := exec.Command("go", "build", "-o", build[0], build[1]).CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", build[1], err, out)
		}
	}
	rssFile := filepath.Join(dir, "peak-rss")
	sh := shim.New(launcher, &shim.Config{Args: []string{rssFile, bin}})
	sh.RequestTimeout = 3 * time.Second
	for _, a := range hostileAnswers() {
		b.Run(a.name, func(b *testing.B) {
			a.opts.Domain = "127.0.0.1"
			ps, err := testportal.Start(a.opts)
			if err != nil {
				b.Fatal(err)
			}
			defer ps.Close()
			var peak int64
			for b.Loop() {
				os.Remove(rssFile)
				res := sh.Run(context.Background(), shim.Invocation{Portal: ps.URL, State: b.TempDir(), Op: []string{"validate", "someone"}})
				if res.Class != shim.ClassRefused && res.Class != shim.ClassOK {
					b.Fatalf("%s: %s\n%s", a.name, res.Summary(), bytes.TrimSpace(res.Stderr))
				}
				data, err := os.ReadFile(rssFile)
				if err != nil {
					b.Fatalf("%s: no peak memory figure: %v", a.name, err)
				}
				kib, err := strconv.ParseInt(string(data), 10, 64)
				if err != nil {
					b.Fatal(err)
				}
				peak = max(peak, kib)
			}
			b.ReportMetric(float64(peak)/1024, "peak-rss-MiB")
		})
	}
}
