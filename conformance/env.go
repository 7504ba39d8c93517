package conformance

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Env is what the checks need to know about the target beyond its URL.
type Env struct {
	// Domain is the portal's DNS name: the Host header the target sends, the host that
	// request authentication signs (NOTE-AUTH), and the domain of every test account.
	Domain string
	// Abuse bounds the abuse checks (abuse.go).
	Abuse Abuse
}

// session is one check's conversation with the portal: a reference client whose every request
// goes through the harness target, so that it is bounded, rate limited and recorded.
type session struct {
	ctx context.Context
	t   *harness.T
	env Env
	c   *client.Client
	// made holds the accounts whose keys this session made, by canonical name, and whether
	// their deletion is already registered as a cleanup.
	mu   sync.Mutex
	made map[string]*madeAccount
}

type madeAccount struct {
	a       *client.Account
	cleanup bool
}

func (e Env) session(ctx context.Context, t *harness.T) *session {
	c := &client.Client{
		URL:  "http://" + e.Domain + "/.well-known/mmm/", // not dialled: the transport is the target
		Host: e.Domain,
		HTTP: &http.Client{Transport: targetTransport{t}},
		// Authentication nonces are not drawn from the run's seed on purpose: replaying a seed
		// within the replay window must not look like a replay attack to the portal.
		Rand: rand.Reader,
	}
	return &session{ctx: ctx, t: t, env: e, c: c, made: map[string]*madeAccount{}}
}

// targetTransport sends the reference client's requests through the harness target.
type targetTransport struct{ t *harness.T }

// errNoAnswer carries a transport problem out of the HTTP client.
type errNoAnswer struct{ ex *target.Exchange }

func (e *errNoAnswer) Error() string {
	return fmt.Sprintf("no usable answer: %s %s", e.ex.Problem, e.ex.Err)
}

func (tt targetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	ex, err := tt.t.Post(req.Context(), body, req.Header)
	if err != nil {
		return nil, err
	}
	if ex.Problem != target.ProblemNone || ex.Response == nil {
		return nil, &errNoAnswer{ex}
	}
	return &http.Response{
		Status:     http.StatusText(ex.Response.Status),
		StatusCode: ex.Response.Status,
		Header:     ex.Response.Header,
		Body:       io.NopCloser(bytes.NewReader(ex.Response.Body)),
		Request:    req,
	}, nil
}

// account is a test account name under this check's prefix.
func (s *session) account(suffix string) string { return s.t.Name(suffix) + "@" + s.env.Domain }

// seed draws key material seeds from the check's seeded randomness.
func (s *session) seed() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(s.t.Rand().Uint32())
	}
	return b
}

// newAccount makes the material of an account with an administration device (nothing is sent).
func (s *session) newAccount(suffix string) *client.Account {
	m, err := client.NewMaster(keys.Ed448, s.seed())
	if err != nil {
		s.harnessFault("master keys: %v", err)
	}
	d, err := client.NewDevice(keys.Ed448, s.seed())
	if err != nil {
		s.harnessFault("device keys: %v", err)
	}
	a := &client.Account{Name: s.account(suffix), Master: m, Device: d}
	s.mu.Lock()
	s.made[s.canonical(a.Name)] = &madeAccount{a: a}
	s.mu.Unlock()
	return a
}

// canonical is the lookup form of an account name: lower case, qualified with the domain.
func (s *session) canonical(name string) string {
	if !strings.Contains(name, "@") {
		name += "@" + s.env.Domain
	}
	return strings.ToLower(name)
}

// created notes that the portal accepted an account of this session's making: the check's
// cleanup deletes it again (authenticated by its administration device), so that the next
// run, or a replay of this seed, finds the name free. An account already gone is no error.
func (s *session) created(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.made[s.canonical(name)]
	if m == nil || m.cleanup {
		return
	}
	m.cleanup = true
	s.t.Cleanup(func(ctx context.Context) error {
		_, _, err := s.c.Delete(ctx, m.a.Name, m.a.Auth())
		if se := (*client.StatusError)(nil); errors.As(err, &se) && se.Status == 404 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("deleting %s: %w", m.a.Name, err)
		}
		return nil
	})
}

// newDevice makes another device's keys.
func (s *session) newDevice() *client.Device {
	d, err := client.NewDevice(keys.Ed448, s.seed())
	if err != nil {
		s.harnessFault("device keys: %v", err)
	}
	return d
}

// harnessFault ends the check as the harness's own error (it panics, which the runner turns
// into outcome error): used when the reference itself cannot build a request.
func (s *session) harnessFault(format string, args ...any) {
	panic(fmt.Sprintf("conformance harness fault: "+format, args...))
}

// reply is what a portal answered to one request.
type reply struct {
	resp   mesh.MeshResponse // nil when the response did not decode
	ex     *client.Exchange
	err    error // transport, protocol or status error from the client
	status int32 // payload Status (201 when absent and the response decoded)
}

func (s *session) reply(resp mesh.MeshResponse, ex *client.Exchange, err error) reply {
	r := reply{resp: resp, ex: ex, err: err}
	if resp != nil {
		if code, ok := resp.StatusCode(); ok {
			r.status = code
		} else {
			r.status = 201
		}
	}
	return r
}

// do sends a request, optionally authenticated.
func (s *session) do(req mesh.MeshRequest, a *client.Auth) reply {
	resp, ex, err := s.c.Do(s.ctx, req, a)
	r := s.reply(resp, ex, err)
	if cr, ok := req.(*mesh.CreateRequest); ok && r.resp != nil && r.status >= 200 && r.status < 300 {
		s.created(cr.Account)
	}
	return r
}

// raw sends an arbitrary body with extra headers and returns the harness exchange.
func (s *session) raw(body []byte, hdr http.Header) *target.Exchange {
	ex, err := s.t.Post(s.ctx, body, hdr)
	if err != nil {
		s.t.Skip("the run ended: " + err.Error())
	}
	return ex
}

// answered fails the check unless the portal answered with a response that decodes.
func (s *session) answered(tx string, r reply) {
	var na *errNoAnswer
	switch {
	case errors.As(r.err, &na):
		s.t.Fail(harness.Finding{Message: fmt.Sprintf("%s: the portal gave no usable answer (%s)", tx, na.ex.Problem), Expected: "a tagged " + responseClass(tx), Observed: string(na.ex.Problem)})
	case r.resp == nil:
		s.t.Fail(harness.Finding{Message: fmt.Sprintf("%s: the response does not decode as %s: %v", tx, responseClass(tx), r.err), Expected: "a tagged " + responseClass(tx), Observed: excerpt(r.ex)})
	}
}

// expect fails the check unless the payload Status is one of want.
func (s *session) expect(tx string, r reply, what string, want ...int32) {
	s.answered(tx, r)
	if !slices.Contains(want, r.status) {
		s.t.Fail(harness.Finding{Message: fmt.Sprintf("%s: %s", tx, what), Expected: statusList(want), Observed: fmt.Sprintf("Status %d %s", r.status, r.resp.Description())})
	}
}

// ok fails the check unless the request succeeded (Status 2xx).
func (s *session) ok(tx string, r reply, what string) {
	s.answered(tx, r)
	if r.status < 200 || r.status > 299 {
		s.t.Fail(harness.Finding{Message: fmt.Sprintf("%s: %s", tx, what), Expected: "Status 2xx", Observed: fmt.Sprintf("Status %d %s", r.status, r.resp.Description())})
	}
}

// refused fails the check unless the portal refused the request (Status 4xx): a 2xx is the
// failure the check looks for, a 5xx or no answer is a failure too (bad input must get a clear error).
func (s *session) refused(tx string, r reply, what string, want ...int32) {
	s.answered(tx, r)
	if r.status >= 400 && r.status <= 499 && (len(want) == 0 || slices.Contains(want, r.status)) {
		return
	}
	exp := "a refusal (Status 4xx)"
	if len(want) > 0 {
		exp = statusList(want)
	}
	s.t.Fail(harness.Finding{Message: fmt.Sprintf("%s: %s", tx, what), Expected: exp, Observed: fmt.Sprintf("Status %d %s", r.status, r.resp.Description())})
}

func statusList(want []int32) string {
	var parts []string
	for _, w := range want {
		parts = append(parts, fmt.Sprint(w))
	}
	return "Status " + strings.Join(parts, " or ")
}

func excerpt(ex *client.Exchange) string {
	if ex == nil {
		return ""
	}
	b := ex.Response
	if len(b) > 300 {
		b = append(b[:300:300], "..."...)
	}
	return fmt.Sprintf("HTTP %d: %s", ex.HTTPStatus, b)
}

func responseClass(tx string) string {
	if t, ok := mesh.LookupTransaction(tx); ok {
		return t.Response
	}
	return tx + " response"
}

// deviceProfile returns a device's self-signed ProfileDevice.
func (s *session) deviceProfile(d *client.Device) *mesh.DareMessage {
	dp, err := d.ProfileDevice()
	if err != nil {
		s.harnessFault("device profile: %v", err)
	}
	return dp
}

// resign returns env's payload signed by another key: the same content under a wrong signer.
func (s *session) resign(env *mesh.DareMessage, k keys.Signer) *mesh.DareMessage {
	out, err := dare.Resign(env, k)
	if err != nil {
		s.harnessFault("re-sign: %v", err)
	}
	return out
}

// createRequest builds a valid CreateRequest for a (the checks then spoil one part of it).
func (s *session) createRequest(a *client.Account) *mesh.CreateRequest {
	req, err := a.CreateRequest()
	if err != nil {
		s.harnessFault("create request: %v", err)
	}
	return req
}

// create creates an account with its administration device, failing the check when the
// portal refuses: every later step depends on it.
func (s *session) create(suffix string) *client.Account {
	a := s.newAccount(suffix)
	s.ok("CreateAccount", s.do(s.createRequest(a), nil), "creating a fresh account with a valid signed profile failed (precondition)")
	return a
}

// publish publishes a signed entry to an account, authenticated by its administration device.
func (s *session) publish(a *client.Account, entry *mesh.DareMessage) reply {
	return s.do(&mesh.PublishRequest{Entry: entry}, a.Auth())
}

// getAccount asks for an account's profile.
func (s *session) getAccount(account string) reply {
	return s.do(&mesh.GetRequest{Account: account}, nil)
}
