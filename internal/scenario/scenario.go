// Package scenario drives the reference client through a whole session against a portal URL
// (in the tests, the validating proxy in front of the reference portal): the traffic the
// observe tests and the recorded traces under observe/testdata are made of.
package scenario

import (
	"context"
	"fmt"
	"time"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Run sends, through url with Host host: Hello, ValidateAccount, CreateAccount, Publish of the
// profile, Get, a second device's ConnectStart, ConnectPending, ConnectComplete and
// ConnectStatus, Status and DeleteAccount. A step the portal refuses (a knob on either side)
// does not stop the session: every step is tried, and what went wrong is returned, one line
// per failed step. The key material comes from seed, so that two runs send the same profiles.
func Run(ctx context.Context, url, host string, bugs client.Bugs, seed string) []string {
	return RunWith(ctx, url, host, Options{Bugs: bugs}, seed)
}

// Options are the client's knobs and allowances.
type Options struct {
	Bugs  client.Bugs
	Allow client.Allowances
}

// RunWith is Run with allowances too: ed25519 keys, sessions (NOTE-AUTH-SESSION), and those
// that change the requests the client library sends.
func RunWith(ctx context.Context, url, host string, o Options, seed string) []string {
	bugs := o.Bugs
	var problems []string
	note := func(step string, err error) {
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", step, err))
		}
	}
	mk := func() *client.Client {
		return &client.Client{URL: url, Host: host, HTTP: bugs.HTTPClient(10 * time.Second), Bugs: bugs, Allow: o.Allow}
	}
	c := mk()
	alg := keys.Ed448
	if o.Allow.Ed25519 {
		alg = keys.Ed25519
	}
	master, err := client.NewMaster(alg, []byte(seed+"/master"))
	if err != nil {
		return []string{err.Error()}
	}
	dev, err := client.NewDevice(alg, []byte(seed+"/device"))
	if err != nil {
		return []string{err.Error()}
	}
	name := "alice@" + host
	a := &client.Account{Name: name, Master: master, Device: dev}
	if o.Allow.Sessions {
		a.Sessions = &client.Sessions{}
	}

	_, _, err = c.Hello(ctx)
	note("hello", err)
	_, _, err = c.Validate(ctx, name)
	note("validate", err)
	_, _, err = c.CreateAccount(ctx, a)
	note("create", err)
	if prof, err := master.ProfileMesh(name); err == nil {
		_, _, err = c.Publish(ctx, prof, a.Auth())
		note("publish", err)
	}
	_, _, err = c.Get(ctx, &mesh.GetRequest{Account: name})
	note("get", err)

	second, err := client.NewDevice(alg, []byte(seed+"/second"))
	if err != nil {
		return append(problems, err.Error())
	}
	conn, err := mk().StartConnection(ctx, name, second, "")
	note("connect request", err)
	pending, _, err := c.Pending(ctx, a, nil)
	note("connect pending", err)
	for i := range pending {
		_, err := c.Approve(ctx, a, &pending[i])
		note("connect approve", err)
	}
	if conn != nil {
		_, err = mk().PollConnection(ctx, conn, second)
		note("connect status", err)
	}
	_, _, err = c.Status(ctx)
	note("status", err)
	_, _, err = c.Delete(ctx, name, a.Auth())
	note("delete", err)
	return problems
}
