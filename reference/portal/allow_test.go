package portal_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/reference/wire"
)

// answer is what a probe saw of one exchange.
type answer struct {
	resp *http.Response
	body string
	took time.Duration
}

func (e *env) post(body string, hdr http.Header) answer {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, strings.NewReader(body))
	require.NoError(e.t, err)
	for k, v := range hdr {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return answer{resp: resp, body: string(b), took: time.Since(start)}
}

func (a answer) String() string {
	return fmt.Sprintf("HTTP %d %s", a.resp.StatusCode, a.body)
}

// allowanceProbes observe, for each allowance, one answer it changes; the observation with
// the allowance on must match want and differ from the reference's own.
var allowanceProbes = map[string]struct {
	probe func(e *env) string
	want  string // a regular expression
}{
	"http-200": {func(e *env) string {
		unknown := e.post(`{"Get":{"Account":"nobody@localhost"}}`, nil)
		unauth := e.post(`{"ConnectPending":{"AccountID":"nobody@localhost"}}`, nil)
		return fmt.Sprintf("%d %d", unknown.resp.StatusCode, unauth.resp.StatusCode)
	}, `^200 401$`},
	"http-exact": {func(e *env) string {
		return fmt.Sprint(e.post(`{"ValidateAccount":{"Account":"fine@localhost"}}`, nil).resp.StatusCode)
	}, `^201$`},
	"refuse-400": {func(e *env) string {
		a := e.create("dup@localhost")
		req, err := a.CreateRequest()
		require.NoError(e.t, err)
		again, err := mesh.EncodeRequest(req)
		require.NoError(e.t, err)
		bad := e.post(`{"CreateAccount":{"Account":"bad name@localhost"}}`, nil)
		return fmt.Sprintf("%s | %s", statusRE.FindString(bad.body), statusRE.FindString(e.post(string(again), nil).body))
	}, `^"Status":400 \| "Status":409$`},
	"refuse-409": {func(e *env) string {
		return statusRE.FindString(e.post(`{"Get":{"Multiple":true}}`, nil).body)
	}, `^"Status":409$`},
	"validate-checks-existence": {func(e *env) string {
		e.create("taken@localhost")
		return e.post(`{"ValidateAccount":{"Account":"taken@localhost"}}`, nil).body
	}, `"Valid":false`},
	"empty-window-404": {func(e *env) string {
		e.create("window@localhost")
		past := wire.FormatDateTime(time.Now().Add(-time.Hour))
		return statusRE.FindString(e.post(`{"Get":{"Account":"window@localhost","Multiple":true,"SearchConstraints":{"Before":"`+past+`"}}}`, nil).body)
	}, `^"Status":404$`},
	"unimplemented-501": {func(e *env) string {
		return statusRE.FindString(e.post(`{"Status":{}}`, nil).body) + " " + statusRE.FindString(e.post(`{"Transfer":{}}`, nil).body)
	}, `^"Status":501 "Status":501$`},
	"unimplemented-http-404": {func(e *env) string {
		return e.post(`{"Status":{}}`, nil).String() + e.post(`{"Transfer":{}}`, nil).String()
	}, `^HTTP 404 [^{]*HTTP 404 [^{]*$`},
	"chunked": {func(e *env) string {
		a := e.post(`{"Hello":{}}`, nil)
		return fmt.Sprintf("%v %d", a.resp.TransferEncoding, a.resp.ContentLength)
	}, `^\[chunked\] -1$`},
	"connection-close": {func(e *env) string {
		return fmt.Sprint(e.post(`{"Hello":{}}`, nil).resp.Close)
	}, `^true$`},
	"reverse-members": {func(e *env) string {
		return e.post(`{"ValidateAccount":{"Account":"fine@localhost"}}`, nil).body
	}, `^\{"ValidateResponse":\{"Reason":.*"Status":201\}\}$`},
	"unknown-members": {func(e *env) string {
		return e.post(`{"Hello":{}}`, nil).body
	}, `^\{"HelloResponse":\{.*"FutureExtension":\{`},
	"escape-strings": {func(e *env) string {
		return e.post(`{"ValidateAccount":{"Account":"bad name\u00e9\ud83d\ude00@localhost"}}`, nil).body
	}, `\\u0020.*\\u00e9.*\\ud83d\\ude00`},
	"pretty-json": {func(e *env) string {
		return e.post(`{"Hello":{}}`, nil).body
	}, `^\{\n  "HelloResponse": \{\n(.|\n)*\}\n$`},
	"cache-directives": {func(e *env) string {
		return e.post(`{"Hello":{}}`, nil).resp.Header.Get("Cache-Control")
	}, `^private, no-store, max-age=0$`},
	"charset": {func(e *env) string {
		return e.post(`{"Hello":{}}`, nil).resp.Header.Get("Content-Type")
	}, `^application/json; charset=utf-8$`},
	"delay-300ms": {func(e *env) string {
		// A lower bound only: a sleep of 300 ms never takes less, however busy the machine.
		return fmt.Sprint(e.post(`{"Hello":{}}`, nil).took >= 300*time.Millisecond)
	}, `^true$`},
	"small-pages": {func(e *env) string {
		a := e.create("pages@localhost")
		connectDeviceN(e, a.Name, 2)
		prs, pk, err := e.c.Pending(ctxb(), a, nil)
		require.NoError(e.t, err)
		return fmt.Sprintf("%d %v", len(prs), pk != "")
	}, `^1 true$`},
	"hello-version": {func(e *env) string {
		return e.post(`{"Hello":{}}`, nil).body
	}, `"Major":1.*"Alternates"`},
	"own-descriptions": {func(e *env) string {
		return e.post(`{"ValidateAccount":{"Account":"fine@localhost"}}`, nil).body
	}, `"StatusDescription":"Done\."`},
	"no-sessions": {func(e *env) string {
		return sessionGrant(e)
	}, `^$`},
	"short-sessions": {func(e *env) string {
		g := sessionGrant(e)
		m := regexp.MustCompile(`expires="([^"]+)"`).FindStringSubmatch(g)
		require.True(e.t, m != nil, g)
		exp, err := wire.ParseDateTime(m[1])
		require.NoError(e.t, err)
		return fmt.Sprint(time.Until(exp) <= 2*time.Minute+time.Second)
	}, `^true$`},
	"refuse-class-tag": {func(e *env) string {
		return statusRE.FindString(e.post(`{"ValidateRequest":{"Account":"fine@localhost"}}`, nil).body)
	}, `^"Status":400$`},
	"no-reason": {func(e *env) string {
		b := e.post(`{"ValidateAccount":{"Account":"bad name@localhost"}}`, nil).body
		return fmt.Sprintf("Valid false %v, Reason %v", strings.Contains(b, `"Valid":false`), strings.Contains(b, `"Reason"`))
	}, `^Valid false true, Reason false$`},
	"nameless-get-empty": {func(e *env) string {
		return e.post(`{"Get":{"Multiple":true}}`, nil).body
	}, `^\{"GetResponse":\{"Status":201[^E]*\}\}$`},
	"datetime-offsets": {func(e *env) string {
		e.create("log@localhost")
		return e.post(`{"Status":{}}`, nil).body
	}, `"LastWriteTime":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00"`},
	"connect-burst-12": {func(e *env) string {
		// 64 starts: within the reference's burst, beyond the allowance's 12 however slowly
		// they go (one a second refills, so only 52 s for 64 starts would fit).
		a := e.create("burst@localhost")
		for range 64 {
			if _, err := e.c.StartConnection(ctxb(), a.Name, newDevice(e.t), ""); err != nil {
				return err.Error()
			}
		}
		return "all taken"
	}, `status 429`},
}

// connectDeviceN has n new devices ask to join account.
func connectDeviceN(e *env, account string, n int) {
	for i := 0; i < n; i++ {
		_, err := e.c.StartConnection(ctxb(), account, newDevice(e.t), "")
		require.NoError(e.t, err)
	}
}

// sessionGrant asks for a session on a fresh account and returns the Mesh-Session header.
func sessionGrant(e *env) string {
	a := e.create(fmt.Sprintf("sess%d@localhost", seedCounter.Add(1)))
	body := fmt.Sprintf(`{"ConnectPending":{"AccountID":%q}}`, a.Name)
	var grant string
	_, err := auth.RequestSession(a.Device.DAK, "localhost", a.Name, []byte(body), time.Now(), func(hv string) (string, error) {
		grant = e.post(body, http.Header{"Authorization": {hv}}).resp.Header.Get(auth.GrantHeader)
		return grant, nil
	})
	require.NoError(e.t, err)
	return grant
}

// TestEachAllowanceTakesEffect: an allowance that changed nothing would make the allowance
// self-test of the conformance suite prove nothing.
func TestEachAllowanceTakesEffect(t *testing.T) {
	for _, a := range portal.ListAllowances() {
		t.Run(a.Name, func(t *testing.T) {
			p, ok := allowanceProbes[a.Name]
			if !ok {
				t.Fatalf("allowance %s has no probe in allowanceProbes", a.Name)
			}
			off := p.probe(start(t, portal.Config{}))
			var cfg portal.Config
			require.NoError(t, cfg.Allow.Set(a.Name))
			on := p.probe(start(t, cfg))
			if !regexp.MustCompile(p.want).MatchString(on) {
				t.Errorf("with the allowance: %s, want a match of %s", on, p.want)
			}
			if on == off {
				t.Errorf("the allowance changes nothing: %s", on)
			}
			if a.Doc == "" || !strings.Contains(a.Doc, "\"") {
				t.Errorf("the doc quotes no document text: %q", a.Doc)
			}
		})
	}
}

func TestUnknownAllowance(t *testing.T) {
	var a portal.Allow
	require.Error(t, a.Set("no-such-allowance"))
}
