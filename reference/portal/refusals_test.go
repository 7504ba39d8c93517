package portal_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/meshconform/meshconform/internal/syncbuf"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
)

// TestRawRefusals covers the request-level refusals of NOTE-STATUS-CODES.
func TestRawRefusals(t *testing.T) {
	e := start(t, portal.Config{})
	cases := []struct {
		name   string
		body   string
		mod    func(*http.Request)
		http   int
		status int32
		prefix string
	}{
		{"transaction tag", `{"ValidateAccount":{"Account":"x"}}`, nil, 200, 201, `{"ValidateResponse":`},
		{"class tag", `{"ValidateRequest":{"Account":"x"}}`, nil, 200, 201, `{"ValidateResponse":`},
		{"unknown member ignored", `{"Hello":{"Whatever":[1,{"a":null}]}}`, nil, 200, 201, `{"HelloResponse":`},
		{"bad JSON", `{"Hello":{`, nil, 400, 400, `{"HelloResponse":`},
		{"wrong type", `{"ValidateAccount":{"Account":5}}`, nil, 400, 400, `{"ValidateResponse":`},
		{"unknown transaction", `{"Frobnicate":{}}`, nil, 400, 400, `{"Status":400`},
		{"not JSON", `hello`, nil, 400, 400, `{"Status":400`},
		{"wrong host", `{"Hello":{}}`, func(r *http.Request) { r.Host = "other.example:80" }, 400, 400, `{"HelloResponse":`},
		{"host case and port", `{"Hello":{}}`, func(r *http.Request) { r.Host = "LOCALHOST:1" }, 200, 201, `{"HelloResponse":`},
		{"wrong Portal", `{"Hello":{"Portal":"other.example"}}`, nil, 400, 400, `{"HelloResponse":`},
		{"right Portal", `{"Hello":{"Portal":"localhost"}}`, nil, 200, 201, `{"HelloResponse":`},
		{"too large", `{"Hello":{"X":"` + strings.Repeat("a", 2<<20) + `"}}`, nil, 413, 413, `{"HelloResponse":`},
		{"too deep", `{"Hello":{"X":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}`, nil, 400, 400, `{"HelloResponse":`},
		{"get naming nothing", `{"Get":{}}`, nil, 400, 400, `{"GetResponse":`},
		{"unauthenticated delete", `{"DeleteAccount":{"Account":"x"}}`, nil, 401, 401, `{"DeleteResponse":`},
		{"unauthenticated transfer", `{"Transfer":{}}`, nil, 401, 401, `{"TransferResponse":`},
		{"garbage Authorization", `{"Transfer":{}}`, func(r *http.Request) { r.Header.Set("Authorization", "Mesh x") }, 401, 401, `{"TransferResponse":`},
	}
	for _, c := range cases {
		h, st, b := e.raw([]byte(c.body), c.mod)
		assert.Equal(t, c.http, h, c.name)
		assert.Equal(t, c.status, st, c.name)
		assert.True(t, strings.HasPrefix(b, c.prefix), c.name+": "+b[:min(len(b), 80)])
	}
	for _, m := range []struct {
		method, path string
		code         int
	}{{http.MethodGet, portal.Path, 405}, {http.MethodPost, "/other", 404}} {
		req, _ := http.NewRequest(m.method, strings.Replace(e.url, portal.Path, m.path, 1), strings.NewReader("{}"))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, m.code, resp.StatusCode, m.method+" "+m.path)
	}
}

// TestTransactionRefusals covers the refusals of the account, publish and connect rules.
func TestTransactionRefusals(t *testing.T) {
	e := start(t, portal.Config{})
	alice := e.create("alice")
	bob := e.create("bob")

	status := func(_ any, _ *client.Exchange, err error) int32 { return statusOf(err) }
	// Create.
	assert.Equal(t, int32(409), status(e.c.CreateAccount(ctxb(), newAccount(t, "alice"))), "exists")
	assert.Equal(t, int32(409), status(e.c.CreateAccount(ctxb(), newAccount(t, "bad name"))), "invalid name")
	assert.Equal(t, int32(409), status(e.c.CreateAccount(ctxb(), newAccount(t, "x@other.org"))), "foreign domain")
	req, _ := newAccount(t, "nodevice").CreateRequest()
	req.Device = nil
	assert.Equal(t, int32(400), status(e.c.Create(ctxb(), req)), "no Device")

	// Publish.
	unsigned, _ := auth.SignStructure(&mesh.ProfileDevice{}, nil...)
	assert.Equal(t, int32(409), status(e.c.Publish(ctxb(), unsigned, alice.Auth())), "unsigned entry")
	junk := &mesh.DareMessage{Header: &mesh.DareHeader{}, Payload: []byte("junk")}
	assert.Equal(t, int32(409), status(e.c.Publish(ctxb(), junk, alice.Auth())), "payload does not decode")
	bobProfile, _ := bob.Master.ProfileMesh(alice.Name)
	assert.Equal(t, int32(409), status(e.c.Publish(ctxb(), bobProfile, alice.Auth())), "another master's profile")
	contact, _ := auth.SignStructure(&mesh.Contact{FullName: "x"}, alice.Master.OSK)
	assert.Equal(t, int32(409), status(e.c.Publish(ctxb(), contact, alice.Auth())), "unsupported entry type")
	rogue := newDevice(t)
	rogueEntry, _ := bob.Master.CatalogEntry(alice.Name, must(rogue.ProfileDevice()))
	assert.Equal(t, int32(409), status(e.c.Publish(ctxb(), rogueEntry, alice.Auth())), "device entry not signed by alice's OSK")

	// Authentication.
	stranger := &client.Auth{Signer: rogue.DAK, Account: alice.Name}
	assert.Equal(t, int32(401), status(e.c.Delete(ctxb(), alice.Name, stranger)), "not a device")
	assert.Equal(t, int32(401), status(e.c.Delete(ctxb(), alice.Name, &client.Auth{Signer: alice.Device.DAK, Account: bob.Name})), "header for another account")
	assert.Equal(t, int32(401), status(e.c.ConnectPending(ctxb(), alice.Name, nil, bob.Auth())), "cross-account pending")
	other := *e.c
	other.Host = "localhost"
	other.URL = strings.Replace(e.url, "localhost", "127.0.0.1", 1)
	assert.Equal(t, int32(201), status(other.Hello(ctxb())), "Host override")
	// Signed for the portal's name while connecting by address: the Host override carries it.
	assert.Equal(t, int32(201), status(other.Transfer(ctxb(), nil, alice.Auth())), "own account transfer")

	// Connect.
	assert.Equal(t, int32(404), status(e.c.ConnectStatus(ctxb(), alice.Name, rogue.UDF())), "unknown device")
	assert.Equal(t, int32(404), status(e.c.ConnectStatus(ctxb(), "nobody", rogue.UDF())), "unknown account")
	entry, _ := alice.Master.CatalogEntry(alice.Name, must(rogue.ProfileDevice()))
	assert.Equal(t, int32(404), status(e.c.ConnectComplete(ctxb(), alice.Name, entry, alice.Auth())), "no pending request")
	_, err := e.c.StartConnection(ctxb(), "nobody", rogue, "")
	assert.Equal(t, int32(404), statusOf(err), "connect to unknown account")
	_, _, pr := connectDevice(t, e, alice)
	_, err = e.c.Refuse(ctxb(), alice, &pr)
	require.NoError(t, err)
	_, err = e.c.Refuse(ctxb(), alice, &pr)
	assert.Equal(t, int32(409), statusOf(err), "refusal replayed")

	// Delete, and unknown vs deleted are indistinguishable.
	require.NoError(t, second(e.c.Delete(ctxb(), bob.Name, bob.Auth())))
	_, ex1, _ := e.c.Get(ctxb(), &mesh.GetRequest{Account: "bob"})
	_, ex2, _ := e.c.Get(ctxb(), &mesh.GetRequest{Account: "neverwas"})
	assert.Equal(t, string(ex2.Response), string(ex1.Response), "deleted and unknown answer alike")
	assert.Equal(t, int32(404), status(e.c.Delete(ctxb(), bob.Name, bob.Auth())), "delete twice")
	// Re-creation: only by the same master.
	assert.Equal(t, int32(409), status(e.c.CreateAccount(ctxb(), newAccount(t, "bob"))), "other master takes a deleted name")
	assert.Equal(t, int32(201), status(e.c.CreateAccount(ctxb(), bob)), "same master re-creates")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func second[A, B any](_ A, _ B, err error) error { return err }

// TestSearchAndPaging walks every entry with small pages, checks Full and page key scoping.
func TestSearchAndPaging(t *testing.T) {
	e := start(t, portal.Config{})
	a := e.create("pager")
	for i := 0; i < 5; i++ {
		require.NoError(t, second(e.c.Publish(ctxb(), must(a.Device.ProfileDevice()), a.Auth())))
	}
	all, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true)})
	require.NoError(t, err)
	require.Len(t, all.Entries, 9)
	assert.Equal(t, "", all.PageKey)
	var got []mesh.DareMessage
	sc := &mesh.SearchConstraints{MaxEntries: mesh.Int(2)}
	for pages := 0; pages < 10; pages++ {
		r, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: sc})
		require.NoError(t, err)
		assert.True(t, len(r.Entries) <= 2)
		got = append(got, r.Entries...)
		if r.PageKey == "" {
			break
		}
		// A page key is bound to its query.
		_, _, err = e.c.Get(ctxb(), &mesh.GetRequest{Identifier: a.Device.UDF(), SearchConstraints: &mesh.SearchConstraints{PageKey: r.PageKey}})
		assert.Equal(t, int32(400), statusOf(err), "page key moved to another query")
		sc = &mesh.SearchConstraints{MaxEntries: mesh.Int(2), PageKey: r.PageKey}
	}
	require.Len(t, got, len(all.Entries))
	for i := range got {
		assert.True(t, mesh.Equal(&got[i], &all.Entries[i]), "page order")
	}
	full, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Identifier: a.Master.UDF(), Full: mesh.Bool(true)})
	require.NoError(t, err)
	require.Len(t, full.Entries, 2)
	rec, err := auth.Open(&full.Entries[0])
	require.NoError(t, err)
	lr, ok := rec.(*mesh.LogRecord)
	require.True(t, ok)
	assert.Equal(t, "CreateAccount", lr.Transaction)
	assert.Equal(t, a.Name+"@localhost", lr.Account)
	// Before/NotBefore select by publication time.
	past := time.Now().Add(-time.Hour)
	r, _, err := e.c.Get(ctxb(), &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{NotBefore: mesh.Time(past)}})
	require.NoError(t, err)
	assert.Len(t, r.Entries, 9)
	// KeyValues with an unknown key match nothing.
	_, _, err = e.c.Get(ctxb(), &mesh.GetRequest{KeyValues: []mesh.KeyValue{{Key: "Account", Value: a.Name}}})
	assert.Equal(t, int32(404), statusOf(err))
}

// TestTransferPeerAndStatus checks the log: peers get all, devices their own, chain grows.
func TestTransferPeerAndStatus(t *testing.T) {
	peer, err := keys.Derive(keys.Ed448, []byte("peer"), "peer")
	require.NoError(t, err)
	e := start(t, portal.Config{PeerKeys: []portal.PeerKey{{Alg: peer.Algorithm(), Pub: peer.PublicBytes()}}})
	s0, _, err := e.c.Status(ctxb())
	require.NoError(t, err)
	assert.Equal(t, "", s0.CheckpointValue)
	a, b := e.create("ann"), e.create("ben")
	s1, _, err := e.c.Status(ctxb())
	require.NoError(t, err)
	require.NoError(t, second(e.c.Publish(ctxb(), must(a.Device.ProfileDevice()), a.Auth())))
	s2, _, err := e.c.Status(ctxb())
	require.NoError(t, err)
	assert.NotEqual(t, s1.CheckpointValue, s2.CheckpointValue)
	assert.True(t, s2.NextCheckpointTime != nil && s2.LastWriteTime != nil)

	all, _, err := e.c.Transfer(ctxb(), nil, &client.Auth{Signer: peer})
	require.NoError(t, err)
	require.Len(t, all.DataItems, 3)
	own, _, err := e.c.Transfer(ctxb(), nil, b.Auth())
	require.NoError(t, err)
	require.Len(t, own.DataItems, 1)
	lr := must(auth.Open(&own.DataItems[0])).(*mesh.LogRecord)
	assert.Equal(t, "ben@localhost", lr.Account)
	page, _, err := e.c.Transfer(ctxb(), &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}, &client.Auth{Signer: peer})
	require.NoError(t, err)
	assert.Len(t, page.DataItems, 1)
	assert.NotEqual(t, "", page.PageKey)
	last := must(auth.Open(&all.DataItems[2])).(*mesh.LogRecord)
	assert.Equal(t, s2.CheckpointValue, last.Chain)

	// Paging, one record a page, gives every record once and in order: the peer's whole log,
	// an account's own records.
	assert.Equal(t, records(t, all.DataItems), transferPages(t, e, &client.Auth{Signer: peer}))
	annsOwn := transferPages(t, e, a.Auth())
	assert.Equal(t, []string{"CreateAccount ann@localhost", "Publish ann@localhost"}, annsOwn)

	// A store written before the per-account index of the log existed gets it on open.
	e.stop()
	db, err := bolt.Open(filepath.Join(e.dir, "portal.db"), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket([]byte("acctidx")).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if bytes.Contains(k, []byte("@localhost\x01")) {
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		return tx.Bucket([]byte("meta")).Delete([]byte("acctidx-log-complete"))
	}))
	require.NoError(t, db.Close())
	e = start(t, portal.Config{DataDir: e.dir})
	assert.Equal(t, annsOwn, transferPages(t, e, a.Auth()))
}

// transferPages walks Transfer one record a page and returns "Transaction Account" of each.
func transferPages(t *testing.T, e *env, as *client.Auth) []string {
	t.Helper()
	var out []string
	sc := &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}
	for range 20 {
		page, _, err := e.c.Transfer(ctxb(), sc, as)
		require.NoError(t, err)
		require.True(t, len(page.DataItems) <= 1, "a page of MaxEntries 1 held", len(page.DataItems))
		out = append(out, records(t, page.DataItems)...)
		if page.PageKey == "" {
			return out
		}
		sc = &mesh.SearchConstraints{MaxEntries: mesh.Int(1), PageKey: page.PageKey}
	}
	t.Fatal("Transfer kept returning a PageKey")
	return nil
}

func records(t *testing.T, items []mesh.DareMessage) []string {
	var out []string
	for i := range items {
		lr, ok := must(auth.Open(&items[i])).(*mesh.LogRecord)
		require.True(t, ok)
		out = append(out, lr.Transaction+" "+lr.Account)
	}
	return out
}

func TestRateLimit(t *testing.T) {
	e := start(t, portal.Config{RateLimit: 1, RateBurst: 2})
	var codes []int32
	for i := 0; i < 3; i++ {
		_, _, err := e.c.Hello(ctxb())
		codes = append(codes, statusOf(err))
	}
	assert.Equal(t, []int32{201, 201, 503}, codes)
}

// TestWaitingConnectionsAreBounded: an account keeps 256 waiting connection requests (anyone
// can send one, with a fresh device key each time); a new device beyond them evicts the oldest
// and is taken (NOTE-PENDING-FLOOD), a device already waiting may ask again, and ConnectPending
// pages through all of them.
func TestWaitingConnectionsAreBounded(t *testing.T) {
	e := start(t, portal.Config{RateLimit: -1, ConnectRate: -1})
	alice := e.create("alice")
	devs := make([]*client.Device, 257)
	conns := make([]*client.Connection, len(devs))
	for i := range devs {
		devs[i] = newDevice(t)
	}
	for i := range devs {
		var err error
		conns[i], err = e.c.StartConnection(ctxb(), alice.Name, devs[i], "")
		require.NoError(t, err, "request", i)
	}
	_, err := e.c.PollConnection(ctxb(), conns[0], devs[0])
	assert.Equal(t, int32(404), statusOf(err), "the oldest request, evicted by the 257th")
	out, err := e.c.PollConnection(ctxb(), conns[1], devs[1])
	require.NoError(t, err)
	assert.True(t, out.Pending, "the second oldest still waits")
	_, err = e.c.StartConnection(ctxb(), alice.Name, devs[3], "")
	assert.NoError(t, err, "a device that already waits asks again")

	seen := map[string]bool{}
	sc := &mesh.SearchConstraints{MaxEntries: mesh.Int(100)}
	for pages := 0; ; pages++ {
		require.True(t, pages < 4, "ConnectPending does not end")
		prs, pk, err := e.c.Pending(ctxb(), alice, sc)
		require.NoError(t, err)
		for _, pr := range prs {
			seen[pr.Request.MessageID] = true
		}
		if pk == "" {
			break
		}
		sc = &mesh.SearchConstraints{MaxEntries: mesh.Int(100), PageKey: pk}
	}
	assert.Len(t, seen, 256, "pending requests listed over the pages")
	assert.False(t, seen[conns[0].MessageID], "the evicted request is listed")
	assert.True(t, seen[conns[256].MessageID], "the newest request is not listed")
}

// TestConnectStartRateLimit: one address gets a burst of 64 ConnectStarts for an account,
// then 429 with Retry-After (not 5xx); another account is not affected.
func TestConnectStartRateLimit(t *testing.T) {
	var logs syncbuf.Buffer
	e := start(t, portal.Config{ConnectRate: 0.001, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	alice, bob := e.create("alice"), e.create("bob")
	for i := range 64 {
		_, err := e.c.StartConnection(ctxb(), alice.Name, newDevice(t), "")
		require.NoError(t, err, "request %d of the burst", i)
	}
	_, err := e.c.StartConnection(ctxb(), alice.Name, newDevice(t), "")
	assert.Equal(t, int32(429), statusOf(err), "the 65th ConnectStart")
	var se *client.StatusError
	require.True(t, errors.As(err, &se), "a status error")
	assert.NotEmpty(t, se.RetryAfter, "Retry-After of the 429")
	_, err = e.c.StartConnection(ctxb(), bob.Name, newDevice(t), "")
	assert.NoError(t, err, "another account from the same address")
	assert.False(t, strings.Contains(logs.String(), "level=ERROR"), "a refused flood is logged as an error")
}

// TestPendingRequestsExpire: an unanswered request older than PendingLifetime is gone: its
// device is told so (404) and the administrator no longer sees it.
func TestPendingRequestsExpire(t *testing.T) {
	var offset atomic.Int64
	e := start(t, portal.Config{PendingLifetime: time.Minute,
		Now: func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }})
	alice := e.create("alice")
	dev := newDevice(t)
	conn, err := e.c.StartConnection(ctxb(), alice.Name, dev, "")
	require.NoError(t, err)
	prs, _, err := e.c.Pending(ctxb(), alice, nil)
	require.NoError(t, err)
	require.Len(t, prs, 1)
	offset.Store(int64(2 * time.Minute)) // within the authentication window of NOTE-AUTH
	_, err = e.c.PollConnection(ctxb(), conn, dev)
	assert.Equal(t, int32(404), statusOf(err), "ConnectStatus of an expired request")
	prs, _, err = e.c.Pending(ctxb(), alice, nil)
	require.NoError(t, err)
	assert.Len(t, prs, 0, "expired requests listed")
}

// TestTricklingBodyIsCut: a client that sends its body a byte at a time loses its connection
// at the read timeout instead of holding it for ever.
func TestTricklingBodyIsCut(t *testing.T) {
	e := start(t, portal.Config{ReadTimeout: 300 * time.Millisecond})
	u, err := url.Parse(e.url)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST "+u.Path+" HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{")
	require.NoError(t, err)
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the portal closes the connection
		close(closed)
	}()
	began := time.Now()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-closed:
			t.Logf("connection closed after %v", time.Since(began).Round(time.Millisecond))
			return
		case <-tick.C:
			// A hang guard, not a speed limit: a portal without the read timeout keeps
			// the connection for as long as the body trickles.
			if time.Since(began) > 60*time.Second {
				t.Fatal("the portal kept a trickling request's connection for 60 s (read timeout 300 ms)")
			}
			conn.Write([]byte(" ")) // the body, one byte at a time
		}
	}
}
