package portal_test

import (
	"context"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/portal"
	"github.com/meshconform/meshconform/reference/witness"
)

// TestEveryTransaction runs all twelve transactions through real HTTP, then restarts the
// portal on the same directory and checks that everything is still there.
func TestEveryTransaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := start(t, portal.Config{DataDir: dir})

	h, ex, err := e.c.Hello(ctx)
	require.NoError(t, err)
	assert.Equal(t, int32(0), *h.Version.Major)
	assert.Equal(t, int32(7), *h.Version.Minor)
	assert.Equal(t, 200, ex.HTTPStatus)
	assert.Equal(t, "application/json", ex.Header.Get("Content-Type"))
	assert.Equal(t, "no-store", ex.Header.Get("Cache-Control"))

	v, _, err := e.c.Validate(ctx, "alice")
	require.NoError(t, err)
	assert.True(t, *v.Valid)
	assert.Equal(t, int32(1), *v.Minimum)
	assert.Equal(t, int32(64), *v.Maximum)

	alice := e.create("alice@localhost")
	prof, err := e.c.FetchProfile(ctx, "ALICE") // bare and upper case: same account
	require.NoError(t, err)
	assert.Equal(t, "alice@localhost", prof.Mesh.Account)

	// Publish the profile again and a device profile.
	pm, err := alice.Master.ProfileMesh(alice.Name)
	require.NoError(t, err)
	_, _, err = e.c.Publish(ctx, pm, alice.Auth())
	require.NoError(t, err)
	dp, err := alice.Device.ProfileDevice()
	require.NoError(t, err)
	_, _, err = e.c.Publish(ctx, dp, alice.Auth())
	require.NoError(t, err)

	all, _, err := e.c.Get(ctx, &mesh.GetRequest{Account: alice.Name, Multiple: mesh.Bool(true)})
	require.NoError(t, err)
	assert.Len(t, all.Entries, 6) // master, mesh, catalog, device; mesh again; device again
	byID, _, err := e.c.Get(ctx, &mesh.GetRequest{Identifier: alice.Device.UDF()})
	require.NoError(t, err)
	assert.Len(t, byID.Entries, 3)
	byName, _, err := e.c.Get(ctx, &mesh.GetRequest{KeyValues: []mesh.KeyValue{{Key: "Names", Value: alice.Master.UDF()}}})
	require.NoError(t, err)
	assert.Len(t, byName.Entries, 3) // master and two mesh profiles

	// Connection: accept.
	dev2 := newDevice(t)
	conn, err := e.c.StartConnection(ctx, alice.Name, dev2, "")
	require.NoError(t, err)
	out, err := e.c.PollConnection(ctx, conn, dev2)
	require.NoError(t, err)
	assert.True(t, out.Pending)
	cs, ex, err := e.c.ConnectStatus(ctx, alice.Name, dev2.UDF())
	require.NoError(t, err)
	assert.Equal(t, 202, ex.HTTPStatus, "pending goes out as HTTP 202")
	assert.True(t, cs.Result == nil, "no Result while pending")
	prs, _, err := e.c.Pending(ctx, alice, nil)
	require.NoError(t, err)
	require.Len(t, prs, 1)
	require.NoError(t, prs[0].Err)
	_, err = e.c.Approve(ctx, alice, &prs[0])
	require.NoError(t, err)
	out, err = e.c.PollConnection(ctx, conn, dev2)
	require.NoError(t, err)
	assert.True(t, out.Accepted)
	// The new device is now authorised: it can publish.
	second := &client.Account{Name: alice.Name, Device: dev2}
	dp2, err := dev2.ProfileDevice()
	require.NoError(t, err)
	_, _, err = e.c.Publish(ctx, dp2, second.Auth())
	require.NoError(t, err)

	// Connection: refuse.
	dev3 := newDevice(t)
	conn3, err := e.c.StartConnection(ctx, alice.Name, dev3, "")
	require.NoError(t, err)
	prs, _, err = e.c.Pending(ctx, alice, nil)
	require.NoError(t, err)
	require.Len(t, prs, 1)
	_, err = e.c.Refuse(ctx, alice, &prs[0])
	require.NoError(t, err)
	out, err = e.c.PollConnection(ctx, conn3, dev3)
	require.NoError(t, err)
	assert.False(t, out.Accepted)
	assert.False(t, out.Pending)
	_, _, err = e.c.Publish(ctx, dp2, (&client.Account{Name: alice.Name, Device: dev3}).Auth())
	assert.Equal(t, int32(401), statusOf(err))

	// Connection: PIN.
	pin, err := client.IssuePIN(nil, time.Now())
	require.NoError(t, err)
	dev4 := newDevice(t)
	conn4, err := e.c.StartConnection(ctx, alice.Name, dev4, pin.Value)
	require.NoError(t, err)
	dev5 := newDevice(t) // a wrong PIN is not approved
	_, err = e.c.StartConnection(ctx, alice.Name, dev5, "NBSW-Y3DP-EB3W-64TM-MQQE-6Y3D-ZZZZ")
	require.NoError(t, err)
	n, err := e.c.AutoApprove(ctx, alice, []witness.PIN{pin}, time.Now())
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	out, err = e.c.PollConnection(ctx, conn4, dev4)
	require.NoError(t, err)
	assert.True(t, out.Accepted)
	n, err = e.c.AutoApprove(ctx, alice, []witness.PIN{{Value: pin.Value, Issued: time.Now().Add(-5 * time.Hour)}}, time.Now())
	require.NoError(t, err)
	assert.Equal(t, 0, n, "an expired PIN approves nothing")

	st, _, err := e.c.Status(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, st.CheckpointValue)
	tr, _, err := e.c.Transfer(ctx, nil, alice.Auth())
	require.NoError(t, err)
	require.NotEmpty(t, tr.DataItems)
	last, err := auth.Open(&tr.DataItems[len(tr.DataItems)-1])
	require.NoError(t, err)
	assert.Equal(t, st.CheckpointValue, last.(*mesh.LogRecord).Chain)

	// Restart on the same directory: everything is still there.
	e.stop()
	e2 := start(t, portal.Config{DataDir: dir})
	st2, _, err := e2.c.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, st.CheckpointValue, st2.CheckpointValue)
	all2, _, err := e2.c.Get(ctx, &mesh.GetRequest{Account: alice.Name, Multiple: mesh.Bool(true)})
	require.NoError(t, err)
	assert.Greater(t, len(all2.Entries), len(all.Entries))
	_, _, err = e2.c.Publish(ctx, dp2, second.Auth()) // authorisations survive too
	require.NoError(t, err)

	// Delete: the account goes, the profiles stay.
	_, _, err = e2.c.Delete(ctx, alice.Name, alice.Auth())
	require.NoError(t, err)
	_, _, err = e2.c.Get(ctx, &mesh.GetRequest{Account: alice.Name})
	assert.Equal(t, int32(404), statusOf(err))
	_, _, err = e2.c.Get(ctx, &mesh.GetRequest{Identifier: alice.Master.UDF()})
	assert.NoError(t, err)
}
