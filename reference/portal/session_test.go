package portal_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/reference/wire"
)

// The misbehaviour knobs of NOTE-AUTH-SESSION, probed like the others (TestKnobs).
func init() {
	knobs = append(knobs,
		knob{name: "session-mac-unchecked", want: "401", probe: func(t *testing.T, e *env) string {
			a := e.create("sess-mac")
			sess := e.session(a)
			body := pendingBody(a)
			hv, err := sess.Authorize(e.host(), []byte(`{"ConnectPendingRequest":{}}`), time.Now(), nil)
			require.NoError(t, err)
			_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
			return s(st)
		}},
		knob{name: "session-offer-unsigned", want: "401", probe: func(t *testing.T, e *env) string {
			a := e.create("sess-offer")
			body := pendingBody(a)
			plain, err := auth.Sign(a.Device.DAK, e.host(), a.Name, body, time.Now(), nil)
			require.NoError(t, err)
			o, err := auth.NewOffer(nil)
			require.NoError(t, err)
			added := strings.Replace(plain, `, sig=`, `, session="`+wire.EncodeBase64(o.Public[:])+`", sig=`, 1)
			_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", added) })
			return s(st)
		}},
		knob{name: "session-host-from-header", want: "401", probe: func(t *testing.T, e *env) string {
			a := e.create("sess-hostport")
			sess := e.session(a)
			body := pendingBody(a)
			u, err := url.Parse(e.url)
			require.NoError(t, err)
			hv, err := sess.Authorize(u.Host, body, time.Now(), nil) // host:port, as the Host header is
			require.NoError(t, err)
			_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
			return s(st)
		}},
		knob{name: "session-outlives-device", want: "401", probe: func(t *testing.T, e *env) string {
			a := e.create("sess-device")
			sess := e.session(a)
			_, _, err := e.c.Delete(ctxb(), a.Name, a.Auth())
			require.NoError(t, err)
			// The same master takes the name back with another device: the old device's
			// session must not act for the account any more.
			again := &client.Account{Name: a.Name, Master: a.Master, Device: newDevice(t)}
			_, _, err = e.c.CreateAccount(ctxb(), again)
			require.NoError(t, err)
			return s(e.inSession(sess, pendingBody(a)))
		}},
	)
}

func pendingBody(a *client.Account) []byte {
	b, err := mesh.EncodeRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
	if err != nil {
		panic(err)
	}
	return b
}

// host is the name the portal signs and MACs under.
func (e *env) host() string {
	u, err := url.Parse(e.url)
	require.NoError(e.t, err)
	return u.Hostname()
}

// session asks for a session with a signed ConnectPending and returns the one granted.
func (e *env) session(a *client.Account) *auth.Session {
	e.t.Helper()
	body := pendingBody(a)
	sess, err := auth.RequestSession(a.Device.DAK, e.host(), a.Name, body, time.Now(), func(hv string) (string, error) {
		req, err := http.NewRequest(http.MethodPost, e.url, bytesReader(body))
		if err != nil {
			return "", err
		}
		req.Header.Set("Authorization", hv)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return resp.Header.Get(auth.GrantHeader), nil
	})
	require.NoError(e.t, err)
	require.True(e.t, sess != nil, "no session granted")
	return sess
}

// inSession sends body authenticated by the session and returns the payload Status.
func (e *env) inSession(sess *auth.Session, body []byte) int32 {
	e.t.Helper()
	hv, err := sess.Authorize(e.host(), body, time.Now(), nil)
	require.NoError(e.t, err)
	_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
	return st
}

// recorder remembers the Authorization scheme of every request a client sends.
type recorder struct {
	mu      sync.Mutex
	schemes []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	scheme, _, _ := strings.Cut(req.Header.Get("Authorization"), " ")
	r.mu.Lock()
	r.schemes = append(r.schemes, scheme)
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

// TestSessionsThroughTheClient: the reference client asks for a session, uses it, and signs
// again when a restarted portal no longer knows it; every request succeeds throughout.
func TestSessionsThroughTheClient(t *testing.T) {
	dir := t.TempDir()
	e := start(t, portal.Config{DataDir: dir})
	a := e.create("sessions")
	rec := &recorder{}
	e.c.HTTP = &http.Client{Transport: rec}
	au := a.Auth()
	au.Sessions = &client.Sessions{}
	for range 3 {
		_, _, err := e.c.ConnectPending(ctxb(), a.Name, nil, au)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"Mesh", "Mesh-Session", "Mesh-Session"}, rec.schemes)
	assert.Equal(t, 1, au.Sessions.Granted)

	e.stop()
	e2 := start(t, portal.Config{DataDir: dir})
	e2.c.HTTP = e.c.HTTP
	rec.schemes = nil
	for range 2 {
		_, _, err := e2.c.ConnectPending(ctxb(), a.Name, nil, au)
		require.NoError(t, err)
	}
	assert.Equal(t, []string{"Mesh-Session", "Mesh", "Mesh-Session"}, rec.schemes, "refused session, signed again, new session")
	assert.Equal(t, 2, au.Sessions.Granted)
	assert.Equal(t, 1, au.Sessions.Forgotten)
}

// TestSessionRefusals: what a session request must bind, refused with 401 (NOTE-AUTH-SESSION).
func TestSessionRefusals(t *testing.T) {
	e := start(t, portal.Config{})
	a := e.create("sess-refusals")
	other := e.create("sess-other")
	sess := e.session(a)
	body := pendingBody(a)
	require.Equal(t, int32(201), e.inSession(sess, body), "the session works")

	hv, err := sess.Authorize(e.host(), body, time.Now(), nil)
	require.NoError(t, err)
	_, first, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
	_, second, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
	assert.Equal(t, []int32{201, 401}, []int32{first, second}, "a replayed session request")

	elsewhere, err := sess.Authorize("other-portal.invalid", body, time.Now(), nil)
	require.NoError(t, err)
	_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", elsewhere) })
	assert.Equal(t, int32(401), st, "a MAC for another portal")

	stale, err := sess.Authorize(e.host(), body, time.Now().Add(-time.Hour), nil)
	require.NoError(t, err)
	_, st, _ = e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", stale) })
	assert.Equal(t, int32(401), st, "a session request an hour old")

	assert.Equal(t, int32(401), e.inSession(sess, pendingBody(other)), "a session of one account acting on another")

	forged := *sess
	forged.Ticket = append([]byte{}, sess.Ticket...)
	forged.Ticket[20] ^= 1
	assert.Equal(t, int32(401), e.inSession(&forged, body), "a forged ticket")

	// A portal with sessions off grants none and refuses session requests.
	off := start(t, portal.Config{SessionLifetime: -1})
	b := off.create("sess-off")
	au := b.Auth()
	au.Sessions = &client.Sessions{}
	for range 2 {
		_, ex, err := off.c.ConnectPending(ctxb(), b.Name, nil, au)
		require.NoError(t, err)
		assert.Equal(t, "", ex.Header.Get(auth.GrantHeader))
	}
	assert.Equal(t, 0, au.Sessions.Granted)
	assert.Equal(t, int32(401), off.inSession(sess, pendingBody(b)), "a session request where none are granted")
}
