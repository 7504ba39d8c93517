package observe_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/observe"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// step is one hand-made exchange: what no knob of the reference portal produces.
type step struct {
	req       []byte
	truncated int64 // > 0: only req was kept of a body this long
	status    int   // 0: no answer
	resp      string
}

func exchange(s step) *observe.Exchange {
	ex := &observe.Exchange{Start: time.Now(), Request: observe.Message{Method: "POST", URL: observe.WellKnownPath, Host: "localhost",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: s.req, Size: int64(len(s.req))}}
	if s.truncated > 0 {
		ex.Request.Size, ex.Request.Truncated = s.truncated, true
	}
	if s.status == 0 {
		ex.Error = "connection reset"
		return ex
	}
	ex.Response = &observe.Message{Status: s.status, Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-store"}},
		Body: []byte(s.resp), Size: int64(len(s.resp))}
	return ex
}

func encode(t *testing.T, r mesh.MeshRequest) []byte {
	t.Helper()
	b, err := mesh.EncodeRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReplayWindow: a (key, nonce) pair accepted again within NOTE-AUTH's window is the
// portal's replay; after it, only the client's reuse.
func TestReplayWindow(t *testing.T) {
	body := encode(t, &mesh.ValidateRequest{Account: "a@localhost"})
	ok := `{"ValidateResponse":{"Status":201,"Valid":true}}`
	at := func(start time.Time, value string) *observe.Exchange {
		ex := exchange(step{req: body, status: 200, resp: ok})
		ex.Start = start
		ex.Auth = &observe.AuthSummary{Scheme: "Mesh", Account: "a", Time: start.UTC().Format(time.RFC3339), Nonce: "pair", Value: value}
		return ex
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		later time.Duration
		want  []string
	}{
		{"within the window", time.Minute, []string{observe.RuleClientNonce, observe.RuleReplayRefused}},
		{"after the window", 10 * time.Minute, []string{observe.RuleClientNonce}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := observe.New(observe.Config{Host: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			if obs := j.Observe(at(t0, "v1")); len(obs) > 0 {
				t.Fatalf("first: %+v", obs)
			}
			var got []string
			for _, o := range j.Observe(at(t0.Add(tc.later), "v2")) {
				got = append(got, o.Rule)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("broken %v, want %v", got, tc.want)
			}
		})
	}
}

// biased yields bytes with their high nibble clear: never six alike in a row, never repeated
// across sixteen, a quarter of the bits ones.
type biased struct{ x uint32 }

func (b *biased) Read(p []byte) (int, error) {
	for i := range p {
		b.x = b.x*1103515245 + 12345
		p[i] = byte(b.x>>16) & 0x0F
	}
	return len(p), nil
}

// TestNonceBalance: a generator that never repeats and never shows a pattern is still caught
// when its pooled bits are unbalanced, once the session has enough of them.
func TestNonceBalance(t *testing.T) {
	key, err := keys.Generate(keys.Ed448, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		n    int
		want result.Outcome
	}{
		{"too few bits to judge", 4, result.Pass},
		{"biased", 10, result.Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := observe.New(observe.Config{Host: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			rnd := &biased{}
			for i := range tc.n {
				body := encode(t, &mesh.ValidateRequest{Account: fmt.Sprintf("a%d@localhost", i)})
				authz, err := auth.Sign(key, "localhost", "a@localhost", body, time.Now(), rnd)
				if err != nil {
					t.Fatal(err)
				}
				ex := exchange(step{req: body, status: 200, resp: `{"ValidateResponse":{"Status":201,"Valid":true}}`})
				ex.Request.Header.Set("Authorization", authz)
				if obs := j.Observe(ex); len(obs) > 0 {
					t.Fatalf("exchange %d: %+v", i, obs)
				}
			}
			for _, r := range j.Results() {
				if r.ID == observe.RuleClientNonce && r.Outcome != tc.want {
					t.Errorf("%s: %s (%s), want %s", r.ID, r.Outcome, r.Reason, tc.want)
				}
			}
		})
	}
}

func TestJudgeSequences(t *testing.T) {
	m, _ := client.NewMaster(keys.Ed448, []byte("judge/master"))
	d, _ := client.NewDevice(keys.Ed448, []byte("judge/device"))
	acct := &client.Account{Name: "zed@localhost", Master: m, Device: d}
	cr, err := acct.CreateRequest()
	if err != nil {
		t.Fatal(err)
	}
	create := encode(t, cr)
	validate := encode(t, &mesh.ValidateRequest{Account: "zed@localhost"})
	invalid := `{"ValidateResponse":{"Status":201,"Valid":false}}`
	for _, tc := range []struct {
		name  string
		steps []step
		want  []string
	}{
		{"created after Valid false", []step{{req: validate, status: 200, resp: invalid},
			{req: create, status: 201, resp: `{"CreateResponse":{"Status":201}}`}}, []string{observe.RuleValidateCreate}},
		{"refused after Valid false", []step{{req: validate, status: 200, resp: invalid},
			{req: create, status: 409, resp: `{"CreateResponse":{"Status":409}}`}}, nil},
		{"created twice", []step{{req: create, status: 201, resp: `{"CreateResponse":{"Status":201}}`},
			{req: create, status: 201, resp: `{"CreateResponse":{"Status":201}}`}}, []string{observe.RuleCreateOnce}},
		{"a body over the limit served", []step{{req: []byte(`{"Get`), truncated: 2 << 20, status: 200, resp: `{"GetResponse":{"Status":201}}`}},
			[]string{observe.RuleNoTransaction}},
		{"a body over the limit refused", []step{{req: []byte(`{"Get`), truncated: 2 << 20, status: 413, resp: `{"Status":413}`}}, nil},
		{"an unimplemented Status", []step{{req: encode(t, &mesh.StatusRequest{}), status: 501, resp: `not json`}}, nil},
		{"a server error", []step{{req: validate, status: 500, resp: `{"ValidateResponse":{"Status":500}}`}}, []string{observe.RuleServerError}},
		{"no answer", []step{{req: validate}}, []string{observe.RuleServerError}},
		{"an answer of another class", []step{{req: validate, status: 200, resp: `{"GetResponse":{"Status":201}}`}},
			[]string{observe.RuleResponseTag}},
		{"HTTP 200 for a 404", []step{{req: encode(t, &mesh.GetRequest{Account: "x@localhost"}), status: 200, resp: `{"GetResponse":{"Status":404}}`}},
			[]string{observe.RuleStatusMirror}},
		{"a refusal of 401 under HTTP 200", []step{{req: encode(t, &mesh.DeleteRequest{Account: "zed@localhost"}), status: 200,
			resp: `{"DeleteResponse":{"Status":401}}`}}, []string{observe.RuleAuthPresent, observe.RuleAuthRefused, observe.RuleStatusMirror}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, err := observe.New(observe.Config{Host: "localhost"})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, s := range tc.steps {
				for _, o := range j.Observe(exchange(s)) {
					got[o.Rule] = true
					if o.Requirement == "" || o.Level == "" || o.Text == "" || o.Exchange == 0 {
						t.Errorf("observation without its requirement or exchange: %+v", o)
					}
				}
			}
			var list []string
			for r := range got {
				list = append(list, r)
			}
			sort.Strings(list)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if strings.Join(list, ",") != strings.Join(want, ",") {
				t.Errorf("broken %v, want %v", list, want)
			}
		})
	}
}

// TestFindingsRedacted: what a finding quotes of a body has its secret members redacted, and a
// malformed Authorization is named, not quoted.
func TestFindingsRedacted(t *testing.T) {
	j, err := observe.New(observe.Config{Host: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	ex := exchange(step{req: []byte(`{"ValidateAccount":{"Account":"a@localhost","Password":"hunter2hunter2"}}`), status: 200,
		resp: `{"ValidateResponse":{"Status":201,"Valid":true}}`})
	ex.Request.Header.Set("Authorization", `Mesh alg="Ed448", key="k", sig="SECRETSIGSECRETSIG" junk`)
	j.Observe(ex)
	out, err := json.Marshal(j.Results())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2hunter2", "SECRETSIGSECRETSIG"} {
		if bytes.Contains(out, []byte(secret)) {
			t.Errorf("the results quote %s", secret)
		}
	}
	if !bytes.Contains(out, []byte(observe.RuleRequestTag)) || !bytes.Contains(out, []byte(result.Redacted)) {
		t.Error("the finding or its redaction is missing")
	}
}
