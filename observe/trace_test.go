package observe_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/internal/scenario"
	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/observe/proxy"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/portal"
)

var update = flag.Bool("update", false, "record the traces under testdata again")

// traces are the recorded sessions under testdata and the verdict each must get: the rules
// broken, by side. The verdicts come from what each knob is documented to do, not from a
// previous output.
var traces = []struct {
	file       string
	portalBugs []string
	clientBugs []string
	steps      []string
	har        bool // also written as HAR 1.2, Authorization kept
	broken     []string
}{
	{file: "clean", har: true},
	{file: "portal-untagged-responses", portalBugs: []string{"untagged-responses"},
		broken: []string{observe.RuleResponseTag}},
	{file: "portal-accept-replayed-request", portalBugs: []string{"accept-replayed-request"}, steps: []string{"replay"},
		// the replay is the test client's doing too: the same nonce sent twice
		broken: []string{observe.RuleClientNonce, observe.RuleReplayRefused}},
	{file: "client-host-ip", clientBugs: []string{"host-ip"}, har: true,
		broken: []string{observe.RuleHost}},
	{file: "client-no-auth-header", clientBugs: []string{"no-auth-header"},
		broken: []string{observe.RuleAuthPresent}},
}

// record runs one session through the proxy and returns its exchanges, unredacted.
func record(t *testing.T, portalBugs, clientBugs, steps []string) []*observe.Exchange {
	t.Helper()
	var pb portal.Bugs
	for _, b := range portalBugs {
		if err := pb.Set(b); err != nil {
			t.Fatal(err)
		}
	}
	var cb client.Bugs
	for _, b := range clientBugs {
		if err := cb.Set(b); err != nil {
			t.Fatal(err)
		}
	}
	purl, stop, err := portal.StartLoopback(context.Background(), portal.Config{Bugs: pb})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	u, _ := url.Parse(purl)
	var mu sync.Mutex
	var seen []*observe.Exchange
	p := proxy.New(proxy.Config{Portal: u, Consume: func(ex *observe.Exchange) {
		ex.Portal = "localhost"
		mu.Lock()
		seen = append(seen, ex)
		mu.Unlock()
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	addr := "http://" + ln.Addr().String() + observe.WellKnownPath
	scenario.Run(context.Background(), addr, "localhost", cb, "trace-fixture")
	for _, st := range steps {
		_ = scenario.Steps[st](context.Background(), addr, "localhost", "trace-fixture")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatalf("proxy shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, proxy.ErrServerClosed) {
		t.Fatalf("proxy Serve: %v", err)
	}
	p.Close()
	return seen
}

func TestTraces(t *testing.T) {
	for _, tc := range traces {
		t.Run(tc.file, func(t *testing.T) {
			nd := filepath.Join("testdata", tc.file+".ndjson")
			har := filepath.Join("testdata", tc.file+".har")
			if *update {
				seen := record(t, tc.portalBugs, tc.clientBugs, tc.steps)
				var buf bytes.Buffer
				w := observe.NewCaptureWriter(&buf, nil)
				for _, ex := range seen {
					if err := w.Write(ex); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				write(t, nd, buf.Bytes())
				if tc.har {
					write(t, har, toHAR(t, seen))
				}
			}
			files := []string{nd}
			if tc.har {
				files = append(files, har)
			}
			for _, f := range files {
				results := judgeFile(t, f)
				var got []string
				for _, r := range results {
					if r.Outcome != result.Pass && r.Outcome != result.Skip {
						got = append(got, r.ID)
					}
				}
				sort.Strings(got)
				want := append([]string(nil), tc.broken...)
				sort.Strings(want)
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s: broken %v, want %v", f, got, want)
				}
				// A capture cannot verify signatures again; a HAR file can.
				sig := find(results, observe.RuleAuthSignature)
				if strings.HasSuffix(f, ".har") != (sig.Outcome == result.Pass) && !slicesContain(tc.clientBugs, "no-auth-header") {
					t.Errorf("%s: %s is %s", f, observe.RuleAuthSignature, sig.Outcome)
				}
			}
		})
	}
}

// TestBinaryTraces judges the traces meshclient, meshportal and meshconform proxy recorded as
// separate processes (testdata/README.md says how): the clean one breaks nothing and leaves
// skipped only the rules a conforming pair gives no occasion to; the portal knob's breaks its rule.
func TestBinaryTraces(t *testing.T) {
	idle := []string{observe.RuleAuthRefused, observe.RuleCreateOnce, observe.RuleForgedEntry, observe.RuleForgedProfile,
		observe.RuleForgedRequest, observe.RuleForgedResult, observe.RuleNoTransaction, observe.RuleSessionGrant, observe.RuleValidateCreate}
	for file, want := range map[string][]string{
		"meshclient-cli-clean.ndjson":                    nil,
		"meshclient-cli-portal-omit-content-type.ndjson": {observe.RuleContentType},
	} {
		t.Run(file, func(t *testing.T) {
			var broken []string
			for _, r := range judgeFile(t, filepath.Join("testdata", file)) {
				switch {
				case r.Outcome == result.Skip && !slicesContain(idle, r.ID) && r.ID != observe.RuleAuthSignature:
					t.Errorf("%s skipped: %s", r.ID, r.Reason)
				case r.Outcome != result.Pass && r.Outcome != result.Skip:
					broken = append(broken, r.ID)
				}
			}
			if strings.Join(broken, ",") != strings.Join(want, ",") {
				t.Errorf("broken %v, want %v", broken, want)
			}
		})
	}
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func find(rs []result.CheckResult, id string) result.CheckResult {
	for _, r := range rs {
		if r.ID == id {
			return r
		}
	}
	return result.CheckResult{}
}

func judgeFile(t *testing.T, name string) []result.CheckResult {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatalf("%v (record the traces with go test ./observe -run TestTraces -update)", err)
	}
	defer f.Close()
	j, err := observe.New(observe.Config{Host: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := observe.ReadTrace(f, func(ex *observe.Exchange) error { n++; j.Observe(ex); return nil }); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if n < 5 {
		t.Fatalf("%s: %d exchanges", name, n)
	}
	return j.Results()
}

func write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// toHAR writes exchanges as HAR 1.2, as a browser would: headers whole, bodies as text.
func toHAR(t *testing.T, seen []*observe.Exchange) []byte {
	t.Helper()
	type hdr struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	headers := func(h map[string][]string, host string) []hdr {
		var out []hdr
		if host != "" {
			out = append(out, hdr{"Host", host})
		}
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range h[k] {
				out = append(out, hdr{k, v})
			}
		}
		return out
	}
	var entries []map[string]any
	for _, ex := range seen {
		e := map[string]any{
			"startedDateTime": ex.Start.UTC().Format(time.RFC3339Nano),
			"time":            float64(ex.Duration) / float64(time.Millisecond),
			"request": map[string]any{"method": ex.Request.Method, "url": "http://" + ex.Request.Host + ex.Request.URL,
				"httpVersion": "HTTP/1.1", "headers": headers(ex.Request.Header, ex.Request.Host), "queryString": []any{},
				"cookies": []any{}, "headersSize": -1, "bodySize": len(ex.Request.Body),
				"postData": map[string]any{"mimeType": ex.Request.Header.Get("Content-Type"), "text": string(ex.Request.Body)}},
			"cache": map[string]any{}, "timings": map[string]any{"send": 0, "wait": 0, "receive": 0},
		}
		if r := ex.Response; r != nil {
			e["response"] = map[string]any{"status": r.Status, "statusText": "", "httpVersion": "HTTP/1.1",
				"headers": headers(r.Header, ""), "cookies": []any{}, "redirectURL": "", "headersSize": -1, "bodySize": len(r.Body),
				"content": map[string]any{"size": len(r.Body), "mimeType": r.Header.Get("Content-Type"),
					"text": base64.StdEncoding.EncodeToString(r.Body), "encoding": "base64"}}
		}
		entries = append(entries, e)
	}
	doc := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "meshconform observe tests", "version": "1"},
		"entries": entries}}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestCaptureRedacts: no Authorization value, signature or nonce reaches a capture line, and
// what replays are matched on survives.
func TestCaptureRedacts(t *testing.T) {
	seen := record(t, nil, nil, []string{"replay"})
	var buf bytes.Buffer
	w := observe.NewCaptureWriter(&buf, nil)
	var values []string
	for _, ex := range seen {
		if v := ex.Request.Header.Get("Authorization"); v != "" {
			values = append(values, v)
		}
		if err := w.Write(ex); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(values) < 3 {
		t.Fatalf("%d authenticated requests", len(values))
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			kv := strings.SplitN(strings.TrimSpace(part), "=", 2)
			if len(kv) == 2 && (strings.HasSuffix(kv[0], "sig") || kv[0] == "nonce") && bytes.Contains(buf.Bytes(), []byte(strings.Trim(kv[1], `"`))) {
				t.Errorf("the capture holds %s", kv[0])
			}
		}
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"value":`)) || !bytes.Contains(buf.Bytes(), []byte(result.Redacted)) {
		t.Error("the capture lacks the Authorization summary or the redaction mark")
	}
}

func TestReadTraceRefusesWhatIsNotATrace(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"text", "hello\n"},
		{"array", "[1,2]"},
		{"unknown member", `{"seq":1,"bogus":true}` + "\n"},
		{"HAR without log", `{"lag": {}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := observe.ReadTrace(strings.NewReader(tc.in), func(*observe.Exchange) error { return nil })
			if !errors.Is(err, observe.ErrFormat) {
				t.Fatalf("got %v, want ErrFormat", err)
			}
		})
	}
}

func TestReadTraceBoundsALine(t *testing.T) {
	long := `{"seq":1,"request":{"body":"` + strings.Repeat("A", observe.MaxLine) + `"}}`
	err := observe.ReadTrace(strings.NewReader(long), func(*observe.Exchange) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("got %v", err)
	}
}

// FuzzTrace: whatever a trace holds, reading and judging it neither panics nor hangs.
func FuzzTrace(f *testing.F) {
	for _, name := range []string{"clean.ndjson", "client-host-ip.har"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b[:min(len(b), 4096)])
			lines := bytes.SplitN(b, []byte("\n"), 2)
			f.Add(lines[0])
		}
	}
	f.Add([]byte(`{"log":{"entries":[{"request":{"method":"POST","url":"http://x/.well-known/mmm/","postData":{"text":"{\"Publish\":{}}"}},"response":{"status":200,"content":{"text":"{}"}}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := observe.New(observe.Config{Host: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		_ = observe.ReadTrace(bytes.NewReader(data), func(ex *observe.Exchange) error { j.Observe(ex); return nil })
		_ = j.Results()
	})
}

// TestJudgeSurvivesCutMessages: every exchange of the clean trace, its request or its answer cut
// short at several points or with a byte changed, is judged without a panic (the fuzz target
// explores further; this is the deterministic part of it).
func TestJudgeSurvivesCutMessages(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "clean.har"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var exs []*observe.Exchange
	if err := observe.ReadTrace(f, func(ex *observe.Exchange) error { exs = append(exs, ex); return nil }); err != nil {
		t.Fatal(err)
	}
	j, err := observe.New(observe.Config{Host: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	variants := func(b []byte) [][]byte {
		var out [][]byte
		for _, n := range []int{0, 1, len(b) / 3, len(b) / 2, len(b) - 1} {
			if n >= 0 && n <= len(b) {
				out = append(out, append([]byte(nil), b[:n]...))
			}
		}
		for _, i := range []int{len(b) / 4, len(b) / 2, 3 * len(b) / 4} {
			if i < len(b) {
				c := append([]byte(nil), b...)
				c[i] ^= 0x20
				out = append(out, c)
			}
		}
		return out
	}
	n := 0
	for _, ex := range exs {
		for _, rb := range variants(ex.Request.Body) {
			c := *ex
			c.Request.Body = rb
			j.Observe(&c)
			n++
		}
		if ex.Response != nil {
			for _, ab := range variants(ex.Response.Body) {
				c := *ex
				r := *ex.Response
				r.Body = ab
				c.Response = &r
				j.Observe(&c)
				n++
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d variants", n)
	}
	_ = j.Results()
}
