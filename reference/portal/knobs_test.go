package portal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/logchain"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/reference/wire"
)

// pageKeyClockShift moves the clock of the page-key-ignores-before probe's portal.
var pageKeyClockShift *atomic.Int64

var statusRE = regexp.MustCompile(`"Status":\s*(-?\d+)`)

// raw posts body and returns the HTTP status, the payload Status (-1 when absent) and the body.
func (e *env) raw(body []byte, mod func(*http.Request)) (int, int32, string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	require.NoError(e.t, err)
	if mod != nil {
		mod(req)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	code := int32(-1)
	if m := statusRE.FindSubmatch(b); m != nil {
		n, _ := strconv.Atoi(string(m[1]))
		code = int32(n)
	}
	return resp.StatusCode, code, string(b)
}

func s(code int32) string { return strconv.Itoa(int(code)) }

func ctxb() context.Context { return context.Background() }

// connectDevice starts a connection request for a new device and returns the admin's view.
func connectDevice(t testing.TB, e *env, a *client.Account) (*client.Device, *client.Connection, client.PendingRequest) {
	t.Helper()
	dev := newDevice(t)
	conn, err := e.c.StartConnection(ctxb(), a.Name, dev, "")
	require.NoError(t, err)
	prs, _, err := e.c.Pending(ctxb(), a, nil)
	require.NoError(t, err)
	require.Len(t, prs, 1)
	return dev, conn, prs[0]
}

// knob is one misbehaviour knob with a probe that observes the behaviour it changes. want is
// what the conforming portal shows; the knob must make the probe show something else.
type knob struct {
	name  string
	cfg   func(*portal.Config)
	want  string
	probe func(t *testing.T, e *env) string
}

var knobs = []knob{
	{name: "skip-host-check", want: "400", probe: func(t *testing.T, e *env) string {
		_, st, _ := e.raw([]byte(`{"Hello":{}}`), func(r *http.Request) { r.Host = "evil.example" })
		return s(st)
	}},
	{name: "http-status-always-200", want: "404", probe: func(t *testing.T, e *env) string {
		h, _, _ := e.raw([]byte(`{"Get":{"Account":"nobody"}}`), nil)
		return strconv.Itoa(h)
	}},
	{name: "omit-status", want: "201", probe: func(t *testing.T, e *env) string {
		_, st, _ := e.raw([]byte(`{"Hello":{}}`), nil)
		return s(st)
	}},
	{name: "untagged-responses", want: "true", probe: func(t *testing.T, e *env) string {
		_, _, b := e.raw([]byte(`{"Hello":{}}`), nil)
		return strconv.FormatBool(strings.HasPrefix(b, `{"HelloResponse":`))
	}},
	{name: "reject-unknown-members", want: "201", probe: func(t *testing.T, e *env) string {
		_, st, _ := e.raw([]byte(`{"Hello":{"Unknown":{"x":[1]}}}`), nil)
		return s(st)
	}},
	{name: "validate-incomplete-invalid-characters", want: "' !'", probe: func(t *testing.T, e *env) string {
		v, _, err := e.c.Validate(ctxb(), "a b!c d")
		require.NoError(t, err)
		return "'" + v.InvalidCharacters + "'"
	}},
	{name: "create-case-sensitive", want: "409", probe: func(t *testing.T, e *env) string {
		e.create("carol")
		_, _, err := e.c.CreateAccount(ctxb(), newAccount(t, "CAROL"))
		return s(statusOf(err))
	}},
	{name: "create-ignores-profile-account", want: "409", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "dave")
		req, err := a.CreateRequest()
		require.NoError(t, err)
		req.Account = "erin"
		_, _, err = e.c.Create(ctxb(), req)
		return s(statusOf(err))
	}},
	{name: "accept-unsigned-profile", want: "409", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "frank")
		req, err := a.CreateRequest()
		require.NoError(t, err)
		req.Profile.Trailer = nil
		_, _, err = e.c.Create(ctxb(), req)
		return s(statusOf(err))
	}},
	{name: "accept-wrong-device-signature", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("gina")
		dev, other := newDevice(t), newDevice(t)
		dp, err := dev.ProfileDevice()
		require.NoError(t, err)
		signed, err := auth.SignStructure(&mesh.MessageConnectionRequest{MessageID: "m1", DeviceProfile: dp,
			ClientNonce: make([]byte, 16)}, other.DSK)
		require.NoError(t, err)
		_, _, err = e.c.ConnectStart(ctxb(), &mesh.ConnectStartRequest{AccountID: a.Name, SignedRequest: signed})
		return s(statusOf(err))
	}},
	{name: "accept-mesh-profile-not-signed-by-osk", want: "409", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "hank")
		req, err := a.CreateRequest()
		require.NoError(t, err)
		v, err := auth.Open(req.Profile)
		require.NoError(t, err)
		req.Profile, err = auth.SignStructure(v, a.Master.MSK)
		require.NoError(t, err)
		_, _, err = e.c.Create(ctxb(), req)
		return s(statusOf(err))
	}},
	{name: "publish-without-account", want: "404", probe: func(t *testing.T, e *env) string {
		a := e.create("ivan")
		_, _, err := e.c.Delete(ctxb(), a.Name, a.Auth())
		require.NoError(t, err)
		pm, err := a.Master.ProfileMesh("ivan@localhost")
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), pm, a.Auth())
		return s(statusOf(err))
	}},
	{name: "delete-removes-profiles", want: "201", probe: func(t *testing.T, e *env) string {
		a := e.create("judy")
		_, _, err := e.c.Delete(ctxb(), a.Name, a.Auth())
		require.NoError(t, err)
		_, _, err = e.c.Get(ctxb(), &mesh.GetRequest{Identifier: a.Device.UDF()})
		return s(statusOf(err))
	}},
	{name: "get-after-delete", want: "404", probe: func(t *testing.T, e *env) string {
		a := e.create("kate")
		_, _, err := e.c.Delete(ctxb(), a.Name, a.Auth())
		require.NoError(t, err)
		_, _, err = e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name})
		return s(statusOf(err))
	}},
	{name: "empty-get-lists-accounts", want: "400", probe: func(t *testing.T, e *env) string {
		e.create("liam")
		_, _, err := e.c.Get(ctxb(), &mesh.GetRequest{})
		return s(statusOf(err))
	}},
	{name: "ignore-max-entries", want: "1", probe: func(t *testing.T, e *env) string {
		a := e.create("mia")
		r, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true),
			SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}})
		require.NoError(t, err)
		return strconv.Itoa(len(r.Entries))
	}},
	{name: "ignore-max-bytes", want: "1", probe: func(t *testing.T, e *env) string {
		a := e.create("nina")
		all, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true)})
		require.NoError(t, err)
		first, _ := mesh.MarshalBare(&all.Entries[0])
		r, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true),
			SearchConstraints: &mesh.SearchConstraints{MaxBytes: mesh.Int(int32(len(first)))}})
		require.NoError(t, err)
		return strconv.Itoa(len(r.Entries))
	}},
	{name: "ignore-before", want: "0", probe: func(t *testing.T, e *env) string {
		a := e.create("omar")
		r, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true),
			SearchConstraints: &mesh.SearchConstraints{Before: mesh.Time(time.Now().Add(-time.Hour))}})
		require.NoError(t, err)
		return strconv.Itoa(len(r.Entries))
	}},
	{name: "ignore-not-before", want: "0", probe: func(t *testing.T, e *env) string {
		a := e.create("pia")
		r, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true),
			SearchConstraints: &mesh.SearchConstraints{NotBefore: mesh.Time(time.Now().Add(time.Hour))}})
		require.NoError(t, err)
		return strconv.Itoa(len(r.Entries))
	}},
	{name: "forgeable-page-key", want: "400", probe: func(t *testing.T, e *env) string {
		a := e.create("quin")
		g := &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}}
		r, _, err := e.c.Get(ctxb(), g)
		require.NoError(t, err)
		raw, err := wire.DecodeBase64(r.PageKey)
		require.NoError(t, err)
		raw[len(raw)-1] ^= 1
		g.SearchConstraints.PageKey = wire.EncodeBase64(raw)
		_, _, err = e.c.Get(ctxb(), g)
		return s(statusOf(err))
	}},
	{name: "skip-authentication", want: "401", probe: func(t *testing.T, e *env) string {
		a := e.create("rita")
		_, _, err := e.c.Delete(ctxb(), a.Name, nil)
		return s(statusOf(err))
	}},
	{name: "cross-account-auth", want: "401", probe: func(t *testing.T, e *env) string {
		a, b := e.create("sam"), e.create("tess")
		_, _, err := e.c.Delete(ctxb(), a.Name, &client.Auth{Signer: b.Device.DAK, Account: a.Name})
		return s(statusOf(err))
	}},
	{name: "accept-replayed-request", want: "401", probe: func(t *testing.T, e *env) string {
		a := e.create("uma")
		c := *e.c
		c.Rand = zeroReader{}
		dp, err := a.Device.ProfileDevice()
		require.NoError(t, err)
		_, _, err = c.Publish(ctxb(), dp, a.Auth())
		require.NoError(t, err)
		_, _, err = c.Publish(ctxb(), dp, a.Auth())
		return s(statusOf(err))
	}},
	{name: "accept-stale-time", want: "401", probe: func(t *testing.T, e *env) string {
		a := e.create("vera")
		c := *e.c
		c.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		dp, err := a.Device.ProfileDevice()
		require.NoError(t, err)
		_, _, err = c.Publish(ctxb(), dp, a.Auth())
		return s(statusOf(err))
	}},
	{name: "accept-device-credential-not-admin-signed", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("dora")
		dev, err := client.NewDevice(keys.Ed448, nil)
		require.NoError(t, err)
		dp, err := dev.ProfileDevice()
		require.NoError(t, err)
		inner, err := auth.SignStructure(&mesh.ProfileMeshDevicePublic{DeviceProfile: dp}, dev.DSK)
		require.NoError(t, err)
		entry, err := auth.SignStructure(&mesh.CatalogEntryDevice{Account: a.Name, UDF: dev.UDF(), AuthUDF: dev.AuthUDF(), ProfileMeshDevicePublicSigned: inner}, a.Master.OSK)
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), entry, a.Auth())
		return s(statusOf(err))
	}},
	{name: "accept-unsigned-result", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("walt")
		_, _, pr := connectDevice(t, e, a)
		entry, err := a.Master.CatalogEntry(a.Name, pr.DeviceEnv)
		require.NoError(t, err)
		entry.Trailer = nil
		_, _, err = e.c.ConnectComplete(ctxb(), a.Name, entry, a.Auth())
		return s(statusOf(err))
	}},
	{name: "accept-result-not-admin-signed", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("xena")
		dev, _, pr := connectDevice(t, e, a)
		entry, err := a.Master.CatalogEntry(a.Name, pr.DeviceEnv)
		require.NoError(t, err)
		v, err := auth.Open(entry)
		require.NoError(t, err)
		forged, err := auth.SignStructure(v, dev.DSK)
		require.NoError(t, err)
		_, _, err = e.c.ConnectComplete(ctxb(), a.Name, forged, a.Auth())
		return s(statusOf(err))
	}},
	{name: "accept-replayed-result", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("yuri")
		_, _, pr := connectDevice(t, e, a)
		entry, err := a.Master.CatalogEntry(a.Name, pr.DeviceEnv)
		require.NoError(t, err)
		_, _, err = e.c.ConnectComplete(ctxb(), a.Name, entry, a.Auth())
		require.NoError(t, err)
		_, _, err = e.c.ConnectComplete(ctxb(), a.Name, entry, a.Auth())
		return s(statusOf(err))
	}},
	{name: "weak-server-nonce", want: "false", probe: func(t *testing.T, e *env) string {
		a := e.create("zoe")
		_, conn, _ := connectDevice(t, e, a)
		return strconv.FormatBool(bytes.Equal(conn.Challenge.ServerNonce[:8], make([]byte, 8)))
	}},
	{name: "wrong-witness", want: "<nil>", probe: func(t *testing.T, e *env) string {
		a := e.create("abe")
		_, err := e.c.StartConnection(ctxb(), a.Name, newDevice(t), "")
		if errors.Is(err, client.ErrWitness) {
			return "witness"
		}
		return fmt.Sprint(err)
	}},
	{name: "checkpoint-frozen", want: "false", probe: func(t *testing.T, e *env) string {
		e.create("dee")
		s1, _, err := e.c.Status(ctxb())
		require.NoError(t, err)
		e.create("eve")
		s2, _, err := e.c.Status(ctxb())
		require.NoError(t, err)
		return strconv.FormatBool(s1.CheckpointValue == s2.CheckpointValue)
	}},
	{name: "checkpoint-regresses", want: "true", probe: func(t *testing.T, e *env) string {
		e.create("bea")
		e.create("cy")
		s1, _, err := e.c.Status(ctxb())
		require.NoError(t, err)
		s2, _, err := e.c.Status(ctxb())
		require.NoError(t, err)
		return strconv.FormatBool(s1.CheckpointValue == s2.CheckpointValue)
	}},
	{name: "transfer-unauthenticated", want: "401", probe: func(t *testing.T, e *env) string {
		e.create("dan")
		_, _, err := e.c.Transfer(ctxb(), nil, nil)
		return s(statusOf(err))
	}},
	{name: "leak-after-failed-create", want: "404", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "eve")
		req, err := a.CreateRequest()
		require.NoError(t, err)
		v, err := auth.Open(req.Device)
		require.NoError(t, err)
		req.Device, err = auth.SignStructure(v, a.Device.DSK) // not an OSK
		require.NoError(t, err)
		_, _, err = e.c.Create(ctxb(), req)
		require.Equal(t, int32(409), statusOf(err))
		_, _, err = e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name})
		return s(statusOf(err))
	}},
	{name: "crash-on-deep-nesting", want: "400", probe: func(t *testing.T, e *env) string {
		body := `{"Hello":{"X":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}}`
		_, st, _ := e.raw([]byte(body), nil)
		return s(st)
	}},
	{name: "no-body-limit", want: "413", probe: func(t *testing.T, e *env) string {
		body := `{"Hello":{"X":"` + strings.Repeat("a", 2<<20) + `"}}`
		_, st, _ := e.raw([]byte(body), nil)
		return s(st)
	}},
	// The clean portal must answer within a timeout no loaded machine comes near; the knob
	// stalls far past it.
	{name: "hang-on-huge-string", cfg: func(c *portal.Config) { c.HangDelay = time.Minute }, want: "answered",
		probe: func(t *testing.T, e *env) string {
			c := *e.c
			c.HTTP = &http.Client{Timeout: 10 * time.Second}
			body := []byte(`{"Hello":{"X":"` + strings.Repeat("a", 100<<10) + `"}}`)
			_, _, err := c.DoRaw(ctxb(), "Hello", body, nil)
			if errors.Is(err, client.ErrTransport) {
				return "timeout"
			}
			return "answered"
		}},
	{name: "status-fails", want: "201", probe: func(t *testing.T, e *env) string {
		_, _, err := e.c.Status(ctxb())
		return s(statusOf(err))
	}},
	{name: "cacheable-responses", want: "no-store", probe: func(t *testing.T, e *env) string {
		resp, err := http.Post(e.url, "application/json", strings.NewReader(`{"Hello":{}}`))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.Header.Get("Cache-Control")
	}},
	{name: "hello-without-version", want: "true", probe: func(t *testing.T, e *env) string {
		h, _, err := e.c.Hello(ctxb())
		require.NoError(t, err)
		return strconv.FormatBool(h.Version != nil)
	}},
	{name: "hello-first", want: "201", probe: func(t *testing.T, e *env) string {
		// A fresh connection whose first request is not a Hello.
		hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		resp, err := hc.Post(e.url, "application/json", strings.NewReader(`{"ValidateAccount":{"Account":"fresh"}}`))
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := statusRE.FindSubmatch(b)
		if m == nil {
			t.Fatalf("no Status in %s", b)
		}
		return string(m[1])
	}},
	{name: "validate-not-idempotent", want: "true", probe: func(t *testing.T, e *env) string {
		v1, _, err := e.c.Validate(ctxb(), "a b")
		require.NoError(t, err)
		v2, _, err := e.c.Validate(ctxb(), "a b")
		require.NoError(t, err)
		return strconv.FormatBool(v1.Reason == v2.Reason)
	}},
	{name: "validate-always-valid", want: "false", probe: func(t *testing.T, e *env) string {
		v, _, err := e.c.Validate(ctxb(), "x@other.invalid")
		require.NoError(t, err)
		return strconv.FormatBool(v.Valid != nil && *v.Valid)
	}},
	{name: "duplicate-create-succeeds", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("dup")
		_, _, err := e.c.CreateAccount(ctxb(), a)
		return s(statusOf(err))
	}},
	{name: "accept-unsigned-entry", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("uns")
		dp, err := newDevice(t).ProfileDevice()
		require.NoError(t, err)
		dp.Trailer, dp.Header.Signatures = nil, nil
		_, _, err = e.c.Publish(ctxb(), dp, a.Auth())
		return s(statusOf(err))
	}},
	{name: "accept-catalog-entry-not-admin-signed", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("cat")
		dev := newDevice(t)
		dp, err := dev.ProfileDevice()
		require.NoError(t, err)
		inner, err := auth.SignStructure(&mesh.ProfileMeshDevicePublic{DeviceProfile: dp}, a.Master.OSK)
		require.NoError(t, err)
		entry, err := auth.SignStructure(&mesh.CatalogEntryDevice{Account: a.Name, UDF: dev.UDF(), AuthUDF: dev.AuthUDF(), ProfileMeshDevicePublicSigned: inner}, dev.DSK)
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), entry, a.Auth())
		return s(statusOf(err))
	}},
	{name: "refuse-with-403", want: "401", probe: func(t *testing.T, e *env) string {
		dp, err := newDevice(t).ProfileDevice()
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), dp, nil)
		return s(statusOf(err))
	}},
	{name: "reencode-entries", want: "true", probe: func(t *testing.T, e *env) string {
		a := e.create("enc")
		pm, err := a.Master.ProfileMesh(a.Name)
		require.NoError(t, err)
		g, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name})
		require.NoError(t, err)
		require.NotEmpty(t, g.Entries)
		return strconv.FormatBool(bytes.Equal(g.Entries[0].Payload, pm.Payload))
	}},
	{name: "checkpoint-not-chain", want: "true", probe: func(t *testing.T, e *env) string {
		a := e.create("chk")
		st, _, err := e.c.Status(ctxb())
		require.NoError(t, err)
		tr, _, err := e.c.Transfer(ctxb(), nil, a.Auth())
		require.NoError(t, err)
		require.NotEmpty(t, tr.DataItems)
		last, err := auth.Open(&tr.DataItems[len(tr.DataItems)-1])
		require.NoError(t, err)
		return strconv.FormatBool(st.CheckpointValue == last.(*mesh.LogRecord).Chain)
	}},
	{name: "undigested-log-records", want: "true", probe: func(t *testing.T, e *env) string {
		a := e.create("dig")
		tr, _, err := e.c.Transfer(ctxb(), nil, a.Auth())
		require.NoError(t, err)
		require.NotEmpty(t, tr.DataItems)
		rec, err := auth.Open(&tr.DataItems[0])
		require.NoError(t, err)
		return strconv.FormatBool(len(rec.(*mesh.LogRecord).Digest) == 64)
	}},
	{name: "accept-device-signature-key", want: "401", probe: func(t *testing.T, e *env) string {
		a := e.create("dsk")
		dp, err := newDevice(t).ProfileDevice()
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), dp, &client.Auth{Signer: a.Device.DSK, Account: a.Name})
		return s(statusOf(err))
	}},
	{name: "message-class-tags-only", want: "201", probe: func(t *testing.T, e *env) string {
		_, st, _ := e.raw([]byte(`{"ValidateAccount":{"Account":"tag"}}`), nil)
		return s(st)
	}},
	{name: "no-names-index", want: "2", // the ProfileMaster and the ProfileMesh
		probe: func(t *testing.T, e *env) string {
			a := e.create("nam")
			g, _, err := e.c.Get(ctxb(), &mesh.GetRequest{KeyValues: []mesh.KeyValue{{Key: "Names", Value: a.Master.UDF()}}})
			if err != nil {
				return s(statusOf(err))
			}
			return strconv.Itoa(len(g.Entries))
		}},
	// issue 16
	{name: "delete-missing-succeeds", want: "404", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "ghost")
		_, _, err := e.c.Delete(ctxb(), a.Name, a.Auth())
		return s(statusOf(err))
	}},
	{name: "unknown-account-400", want: "404", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "ghost4")
		_, _, err := e.c.Delete(ctxb(), a.Name, a.Auth())
		return s(statusOf(err))
	}},
	{name: "stale-reads", want: "404", probe: func(t *testing.T, e *env) string {
		a := e.create("stale")
		_, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name})
		require.NoError(t, err)
		_, _, err = e.c.Delete(ctxb(), a.Name, a.Auth())
		require.NoError(t, err)
		_, _, err = e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name})
		return s(statusOf(err))
	}},
	{name: "publish-foreign-profile", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("own")
		theirs, err := newAccount(t, "thief").Master.ProfileMeshAt(a.Name, time.Now().Add(time.Second))
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), theirs, a.Auth())
		return s(statusOf(err))
	}},
	{name: "publish-wipes-account", want: "201", probe: func(t *testing.T, e *env) string {
		a := e.create("wipe")
		for i := 1; i <= 2; i++ {
			pm, err := a.Master.ProfileMeshAt(a.Name, time.Now().Add(time.Duration(i)*time.Second))
			require.NoError(t, err)
			if _, _, err = e.c.Publish(ctxb(), pm, a.Auth()); err != nil {
				return s(statusOf(err))
			}
		}
		return "201"
	}},
	{name: "signature-bytes-unchecked", want: "409", probe: func(t *testing.T, e *env) string {
		return s(statusOf(createWithMaster(t, e, "flip", func(tr *mesh.DareTrailer) {
			tr.Signatures[0].Signature = append([]byte(nil), tr.Signatures[0].Signature...)
			tr.Signatures[0].Signature[3] ^= 1
		})))
	}},
	{name: "crash-on-headerless-envelope", want: "409", probe: func(t *testing.T, e *env) string {
		a := e.create("headerless")
		dp, err := newDevice(t).ProfileDevice()
		require.NoError(t, err)
		body, err := mesh.EncodeRequest(&mesh.PublishRequest{Entry: &mesh.DareMessage{Payload: dp.Payload}})
		require.NoError(t, err)
		body = bytes.Replace(body, []byte(`"Entry":[{}`), []byte(`"Entry":[null`), 1)
		hv, err := auth.Sign(a.Device.DAK, e.host(), a.Name, body, time.Now(), nil)
		require.NoError(t, err)
		_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
		return s(st)
	}},
	{name: "chain-unlinked", want: "<nil>", probe: func(t *testing.T, e *env) string {
		a := e.create("chain")
		dp, err := newDevice(t).ProfileDevice()
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), dp, a.Auth())
		require.NoError(t, err)
		tr, _, err := e.c.Transfer(ctxb(), nil, a.Auth())
		require.NoError(t, err)
		require.Len(t, tr.DataItems, 2)
		var chains []string
		for _, item := range tr.DataItems {
			v, err := auth.Open(&item)
			require.NoError(t, err)
			chains = append(chains, v.(*mesh.LogRecord).Chain)
		}
		return fmt.Sprint(logchain.Link(chains[0], tr.DataItems[1].Payload, chains[1]))
	}},
	{name: "biased-server-nonce", want: "false", probe: func(t *testing.T, e *env) string {
		a := e.create("bias")
		_, conn, _ := connectDevice(t, e, a)
		return strconv.FormatBool(bytes.Equal(conn.Challenge.ServerNonce[4:], bytes.Repeat([]byte{0xA5}, 12)))
	}},
	{name: "refuse-one-char-names", want: "true", probe: func(t *testing.T, e *env) string {
		v, _, err := e.c.Validate(ctxb(), "q")
		require.NoError(t, err)
		return strconv.FormatBool(v.Valid != nil && *v.Valid)
	}},
	{name: "page-key-ignores-before", want: "same", cfg: func(c *portal.Config) {
		// A clock the probe moves two minutes on (within the 300 s of NOTE-AUTH), so that
		// entries fall on both sides of Before without the test waiting.
		var shift atomic.Int64
		pageKeyClockShift = &shift
		c.Now = func() time.Time { return time.Now().Add(time.Duration(shift.Load())) }
	}, probe: func(t *testing.T, e *env) string {
		a := e.create("pkb")
		publish := func() {
			dp, err := newDevice(t).ProfileDevice()
			require.NoError(t, err)
			_, _, err = e.c.Publish(ctxb(), dp, a.Auth())
			require.NoError(t, err)
		}
		publish()
		pageKeyClockShift.Store(int64(2 * time.Minute))
		publish()
		before := time.Now().Add(time.Minute)
		get := func(sc *mesh.SearchConstraints) *mesh.GetResponse {
			g, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: sc})
			require.NoError(t, err)
			return g
		}
		want := len(get(&mesh.SearchConstraints{Before: &before}).Entries)
		n := 0
		sc := &mesh.SearchConstraints{Before: &before, MaxEntries: mesh.Int(1)}
		for {
			g := get(sc)
			n += len(g.Entries)
			if g.PageKey == "" {
				break
			}
			sc.PageKey = g.PageKey
		}
		if n != want {
			return fmt.Sprintf("%d paged, %d in one page", n, want)
		}
		return "same"
	}},
	{name: "page-key-any-query", want: "400", probe: func(t *testing.T, e *env) string {
		a, b := e.create("pka"), e.create("pkb2")
		g, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}})
		require.NoError(t, err)
		_, _, err = e.c.Get(ctxb(), &mesh.GetRequest{Account: b.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1), PageKey: g.PageKey}})
		return s(statusOf(err))
	}},
	{name: "refuse-session-offer", want: "201", probe: func(t *testing.T, e *env) string {
		a := e.create("offer")
		body, err := mesh.EncodeRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
		require.NoError(t, err)
		o, err := auth.NewOffer(nil)
		require.NoError(t, err)
		hv, err := auth.SignOffer(a.Device.DAK, e.host(), a.Name, body, time.Now(), nil, o)
		require.NoError(t, err)
		_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
		return s(st)
	}},
	{name: "omit-content-type", want: "application/json", probe: func(t *testing.T, e *env) string {
		resp, err := http.Post(e.url, "application/json", strings.NewReader(`{"Hello":{}}`))
		require.NoError(t, err)
		resp.Body.Close()
		return resp.Header.Get("Content-Type")
	}},
	{name: "pending-ignores-time-bounds", want: "0", probe: func(t *testing.T, e *env) string {
		a := e.create("pendt")
		connectDevice(t, e, a)
		future := time.Now().Add(time.Hour)
		p, _, err := e.c.ConnectPending(ctxb(), a.Name, &mesh.SearchConstraints{NotBefore: &future}, a.Auth())
		require.NoError(t, err)
		return strconv.Itoa(len(p.Pending))
	}},
	{name: "lax-authorization", want: "401", probe: func(t *testing.T, e *env) string {
		a := e.create("lax")
		body, err := mesh.EncodeRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
		require.NoError(t, err)
		hv, err := auth.Sign(a.Device.DAK, e.host(), a.Name, body, time.Now(), nil)
		require.NoError(t, err)
		hv = strings.Replace(hv, "Mesh ", `Mesh account="someone-else", `, 1)
		_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
		return s(st)
	}},
	{name: "crash-on-transfer-window", want: "201", probe: func(t *testing.T, e *env) string {
		a := e.create("xwin")
		past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
		_, _, err := e.c.Transfer(ctxb(), &mesh.SearchConstraints{NotBefore: &past, Before: &future}, a.Auth())
		return s(statusOf(err))
	}},
	{name: "crash-on-malformed-session", want: "401", probe: func(t *testing.T, e *env) string {
		_, st, _ := e.raw([]byte(`{"ConnectPending":{}}`), func(r *http.Request) { r.Header.Set("Authorization", `Mesh-Session ticket="%%%", mac=,,`) })
		return s(st)
	}},
	{name: "refuse-kidless-signatures", want: "201", probe: func(t *testing.T, e *env) string {
		return s(statusOf(createWithMaster(t, e, "kidless", func(tr *mesh.DareTrailer) { tr.Signatures[0].Kid, tr.Signatures[0].Alg = "", "" })))
	}},
	{name: "refuse-header-signatures", want: "201", probe: func(t *testing.T, e *env) string {
		return s(statusOf(createWithMaster(t, e, "inheader", nil)))
	}},
	{name: "crash-on-confirmation-without-accept", want: "false", probe: func(t *testing.T, e *env) string {
		a := e.create("noaccept")
		_, conn, _ := connectDevice(t, e, a)
		res, err := auth.SignStructure(&mesh.MessageConfirmationResponse{ResponseID: conn.MessageID}, a.Master.OSK)
		require.NoError(t, err)
		_, _, err = e.c.Do(ctxb(), &mesh.ConnectCompleteRequest{AccountID: a.Name, Result: res}, a.Auth())
		return strconv.FormatBool(statusOf(err) >= 500)
	}},
	{name: "crash-on-undecodable-profile", want: "409", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "undecodable")
		req, err := a.CreateRequest()
		require.NoError(t, err)
		req.Profile, err = auth.SignPayload([]byte("not a Mesh structure"), a.Master.OSK)
		require.NoError(t, err)
		_, _, err = e.c.Create(ctxb(), req)
		return s(statusOf(err))
	}},
	{name: "grant-low-order-offer", want: "", probe: func(t *testing.T, e *env) string {
		a := e.create("loworder")
		body, err := mesh.EncodeRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
		require.NoError(t, err)
		var low auth.Offer // u = 0
		hv, err := auth.SignOffer(a.Device.DAK, e.host(), a.Name, body, time.Now(), nil, &low)
		require.NoError(t, err)
		req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Authorization", hv)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.Header.Get(auth.GrantHeader)
	}},
	{name: "transfer-forged-page-key", want: "400", probe: func(t *testing.T, e *env) string {
		a := e.create("tforge")
		dp, err := newDevice(t).ProfileDevice()
		require.NoError(t, err)
		_, _, err = e.c.Publish(ctxb(), dp, a.Auth()) // a second log record: two pages of one
		require.NoError(t, err)
		tr, _, err := e.c.Transfer(ctxb(), &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}, a.Auth())
		require.NoError(t, err)
		require.NotEmpty(t, tr.PageKey)
		k := []byte(tr.PageKey)
		k[len(k)/2] ^= 1
		_, _, err = e.c.Transfer(ctxb(), &mesh.SearchConstraints{MaxEntries: mesh.Int(1), PageKey: string(k)}, a.Auth())
		return s(statusOf(err))
	}},
	{name: "hello-encodings-without-json", want: "application/json", probe: func(t *testing.T, e *env) string {
		h, _, err := e.c.Hello(ctxb())
		require.NoError(t, err)
		return h.Version.Encodings[0].ID[0]
	}},
	{name: "ignore-public-key-udf", want: "409", probe: func(t *testing.T, e *env) string {
		a := newAccount(t, "keyudf")
		req, err := a.CreateRequest()
		require.NoError(t, err)
		v, err := auth.Open(req.Profile)
		require.NoError(t, err)
		pm := *v.(*mesh.ProfileMesh)
		mv, err := auth.Open(pm.MasterProfile)
		require.NoError(t, err)
		master := *mv.(*mesh.ProfileMaster)
		msk := *master.MasterSignatureKey
		msk.UDF = a.Master.OSK.Fingerprint() // names another key of the same profile
		master.MasterSignatureKey = &msk
		pm.MasterProfile, err = auth.SignStructure(&master, a.Master.MSK)
		require.NoError(t, err)
		req.Profile, err = auth.SignStructure(&pm, a.Master.OSK)
		require.NoError(t, err)
		_, _, err = e.c.Create(ctxb(), req)
		return s(statusOf(err))
	}},
	{name: "names-prefix-match", want: "404", probe: func(t *testing.T, e *env) string {
		a := e.create("namesprefix")
		_, _, err := e.c.Get(ctxb(), &mesh.GetRequest{KeyValues: []mesh.KeyValue{{Key: "Names", Value: a.Master.UDF()[:24]}}})
		return s(statusOf(err))
	}},
	{name: "signed-host-from-header", want: "401", probe: func(t *testing.T, e *env) string {
		a := e.create("hostport")
		body, err := mesh.EncodeRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
		require.NoError(t, err)
		u, err := url.Parse(e.url)
		require.NoError(t, err)
		hv, err := auth.Sign(a.Device.DAK, u.Host, a.Name, body, time.Now(), nil) // host:port, as the Host header is
		require.NoError(t, err)
		_, st, _ := e.raw(body, func(r *http.Request) { r.Header.Set("Authorization", hv) })
		return s(st)
	}},
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestKnobs proves that each knob changes the behaviour its probe observes, and that the
// conforming portal shows the required behaviour (these are also the negative tests).
func TestKnobs(t *testing.T) {
	for _, k := range knobs {
		t.Run(k.name, func(t *testing.T) {
			for _, on := range []bool{false, true} {
				cfg := portal.Config{}
				if k.cfg != nil {
					k.cfg(&cfg)
				}
				if on {
					require.NoError(t, cfg.Bugs.Set(k.name))
				}
				got := k.probe(t, start(t, cfg))
				if on {
					assert.NotEqual(t, k.want, got, "the knob must change the behaviour")
				} else {
					assert.Equal(t, k.want, got, "conforming portal")
				}
			}
		})
	}
}

// TestEveryKnobHasAProbe keeps the table and the Bugs struct in step.
func TestEveryKnobHasAProbe(t *testing.T) {
	have := map[string]bool{}
	for _, k := range knobs {
		have[k.name] = true
	}
	for _, b := range portal.ListBugs() {
		assert.True(t, have[b.Name], "knob without a test: "+b.Name)
		assert.NotEqual(t, "", b.Doc, b.Name)
	}
	var bugs portal.Bugs
	var ub *portal.ErrUnknownBug
	assert.True(t, errors.As(bugs.Set("no-such-bug"), &ub))
	require.NoError(t, bugs.Set("omit-status"))
	assert.Equal(t, []string{"omit-status"}, bugs.Enabled())
}

// createWithMaster creates an account whose ProfileMaster's trailer signatures are changed by
// change, or, with change nil, moved to the DARE header; the ProfileMesh is signed again.
func createWithMaster(t *testing.T, e *env, name string, change func(*mesh.DareTrailer)) error {
	a := newAccount(t, name)
	req, err := a.CreateRequest()
	require.NoError(t, err)
	v, err := auth.Open(req.Profile)
	require.NoError(t, err)
	pm := *v.(*mesh.ProfileMesh)
	master, tr := *pm.MasterProfile, *pm.MasterProfile.Trailer
	tr.Signatures = append([]mesh.DareSignature(nil), tr.Signatures...)
	if change != nil {
		change(&tr)
	} else {
		h := *master.Header
		h.Signatures, tr.Signatures = tr.Signatures, nil
		master.Header = &h
	}
	master.Trailer, pm.MasterProfile = &tr, &master
	req.Profile, err = auth.SignStructure(&pm, a.Master.OSK)
	require.NoError(t, err)
	_, _, err = e.c.Create(ctxb(), req)
	return err
}
