package render

import (
	"bytes"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/sarif"
)

func TestLookup(t *testing.T) {
	tests := []struct{ in, want string }{
		{"junit", "junit"}, {"JUnit", "junit"}, {"xml", "junit"}, {"markdown", "md"}, {" md ", "md"},
		{"sarif", "sarif"}, {"html", "html"}, {"ndjson", "ndjson"}, {"json", "json"},
	}
	for _, tt := range tests {
		f, err := Lookup(tt.in)
		if err != nil || f.Name != tt.want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.in, f.Name, err, tt.want)
		}
	}
	if _, err := Lookup("pdf"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Lookup(pdf) error %v, want ErrUnknownFormat", err)
	}
}

func TestParseList(t *testing.T) {
	got, err := ParseList("junit, sarif,,html,junit,markdown")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"junit", "sarif", "html", "md"}, got); d != "" {
		t.Errorf("ParseList (-want +got):\n%s", d)
	}
	for _, bad := range []string{"", " , ", "junit,pdf"} {
		if _, err := ParseList(bad); !errors.Is(err, ErrUnknownFormat) {
			t.Errorf("ParseList(%q) error %v, want ErrUnknownFormat", bad, err)
		}
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "report")
	run := fixtureRun()
	paths, err := WriteAll(dir, Names(), run, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range formats {
		want = append(want, filepath.Join(dir, f.FileName))
	}
	sort.Strings(want)
	if d := cmp.Diff(want, paths); d != "" {
		t.Errorf("paths (-want +got):\n%s", d)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(formats) {
		t.Errorf("%d entries in the report dir, want %d (no temporary files left)", len(entries), len(formats))
	}
	// The JSON written reads back as the same run.
	f, err := os.Open(filepath.Join(dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := result.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if back.Summary.Total != run.Summary.Total {
		t.Errorf("round trip total %d, want %d", back.Summary.Total, run.Summary.Total)
	}
	// An unknown name writes nothing at all.
	empty := filepath.Join(t.TempDir(), "none")
	if _, err := WriteAll(empty, []string{"junit", "pdf"}, run, Options{}); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("error %v, want ErrUnknownFormat", err)
	}
	if _, err := os.Stat(empty); !os.IsNotExist(err) {
		t.Error("the report dir was created although a format was unknown")
	}
}

func TestRenderEveryFormatEveryOutcome(t *testing.T) {
	run := fixtureRun()
	for _, name := range Names() {
		var buf bytes.Buffer
		if err := Render(&buf, name, run, Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, r := range run.Results {
			if name == "md" && !r.Failed(true) {
				continue // the PR comment lists problems only
			}
			if !strings.Contains(buf.String(), r.ID) {
				t.Errorf("%s output does not name check %s", name, r.ID)
			}
		}
	}
}

// Secrets a check could have seen: a bearer token in an Authorization header, a PIN, and a PEM
// private key and a JWK private member in bodies.
const (
	secretToken = "Bearer eyJhbGciOiJFZDQ0OCJ9.c2VjcmV0LXRva2VuLXZhbHVl.sig"
	secretPIN   = "NBQX-7LQ2-PIN0-SECRET"
	secretPEMd  = "MC4CAQAwBQYDK2VwBCIEIPv3ry5ecReTkEyXhs1hs6oYb1Tq7mvhFN3ZT/CoUv0d"
	secretJWKd  = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
)

var secretPEM = "-----BEGIN PRIVATE KEY-----\n" + secretPEMd + "\n-----END PRIVATE KEY-----"

// secretRun records an exchange carrying secrets the way the harness records: through the
// model's Redactor.
func secretRun() *result.Run {
	red := result.NewRedactor(secretPIN)
	reqBody := []byte(`{"CreateAccount": {"Account": "alice@example.com", "PIN": "` + secretPIN + `", "Key": {"kty": "OKP", "crv": "Ed448", "d": "` + secretJWKd + `"}}}`)
	respBody := []byte("key material follows\n" + secretPEM + "\nend")
	observed := []byte(`{"PrivateKey": "` + secretJWKd + `"}`)
	r := result.CheckResult{
		ID: "create.secret-echo", Title: "secret echo", Section: "3.7", Level: "MUST", Outcome: result.Fail,
		Finding: &result.Finding{Message: red.String("portal echoed PIN " + secretPIN), Observed: red.JSON(observed),
			Expected: []byte(`{}`), Diff: red.String("- {}\n+ PIN " + secretPIN), Exchanges: []int{0}},
		Log: []string{red.String("sent " + secretPEM)},
		Exchanges: []result.Exchange{{
			Request: result.Request{Method: "POST", URL: "https://portal.example.com/.well-known/mmm/",
				Header: red.Header(map[string][]string{"Authorization": {secretToken}, "Content-Type": {"application/json"}}),
				Body:   result.Body{Text: string(red.Body(reqBody)), Size: int64(len(reqBody))}},
			Response: &result.Response{Status: 200, Header: red.Header(map[string][]string{"Set-Cookie": {"session=" + secretPIN}}),
				Body: result.Body{Text: string(red.Body(respBody)), Size: int64(len(respBody))}},
		}},
	}
	results := []result.CheckResult{r}
	return &result.Run{Tool: result.Tool{Name: "meshconform"}, Target: "https://portal.example.com/.well-known/mmm/",
		Results: results, Summary: result.Summarize(results)}
}

func TestNoSecretInAnyFormat(t *testing.T) {
	run := secretRun()
	secrets := []string{secretToken, "eyJhbGciOiJFZDQ0OCJ9", secretPIN, secretPEMd, secretJWKd,
		base64.StdEncoding.EncodeToString([]byte(secretPIN)), "BEGIN PRIVATE KEY"}
	for _, name := range Names() {
		var buf bytes.Buffer
		if err := Render(&buf, name, run, Options{}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out := buf.String()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output contains the secret %q", name, s)
			}
		}
		if !strings.Contains(out, result.Redacted) && name != "ndjson" && name != "md" {
			// ndjson and md leave exchanges out; the others show them, redacted.
			t.Errorf("%s output shows no %s marker: the exchange is missing", name, result.Redacted)
		}
	}
}

func TestWriteAllWithBaseline(t *testing.T) {
	run := fixtureRun()
	var base bytes.Buffer
	if err := Render(&base, "sarif", run, Options{}); err != nil {
		t.Fatal(err)
	}
	log, err := sarif.ReadBaseline(&base)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := WriteAll(dir, []string{"sarif"}, run, Options{Baseline: log}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), `"baselineState": "unchanged"`); n != len(run.Results) {
		t.Errorf("%d unchanged results against an identical baseline, want %d", n, len(run.Results))
	}
}

// TestExamplesNameTheFiles keeps the CI examples in step with the file names WriteAll uses: a
// renamed report would otherwise silently stop being uploaded.
func TestExamplesNameTheFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"github-actions.yml", []string{"meshconform-report/results.sarif", "meshconform-report/junit.xml",
			"github/codeql-action/upload-sarif", "--report junit,sarif,html,json,md"}},
		{"gitlab-ci.yml", []string{"junit: meshconform-report/junit.xml", "when: always", "--report junit,sarif,html,json,md"}},
	} {
		data, err := os.ReadFile(filepath.Join("..", "..", "examples", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(data), w) {
				t.Errorf("%s does not mention %q", tc.file, w)
			}
		}
		for _, f := range formats {
			if f.Name == "json" || f.Name == "junit" || f.Name == "sarif" {
				if !strings.Contains(string(data), f.FileName) {
					t.Errorf("%s does not mention %s", tc.file, f.FileName)
				}
			}
		}
	}
	if _, err := ParseList("junit,sarif,html,json,md"); err != nil {
		t.Errorf("the examples' --report list does not parse: %v", err)
	}
}
