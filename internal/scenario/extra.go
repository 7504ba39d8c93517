package scenario

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// Step is one extra exchange sequence a test adds to a session: what no conforming client
// sends on its own (a replay, a stale time) or what shows one portal knob.
type Step func(ctx context.Context, url, host, seed string) error

// Steps are the extra sequences by name.
var Steps = map[string]Step{
	// replay: a signed Publish sent twice with the same Authorization.
	"replay": func(ctx context.Context, url, host, seed string) error {
		a, err := created(ctx, url, host, seed, "bob")
		if err != nil {
			return err
		}
		body, authz, err := signedPublish(a, host, time.Now())
		if err != nil {
			return err
		}
		for range 2 {
			if _, err := Raw(ctx, url, host, body, authz); err != nil {
				return err
			}
		}
		return nil
	},
	// stale: a signed Publish whose Authorization time is an hour old.
	"stale": func(ctx context.Context, url, host, seed string) error {
		a, err := created(ctx, url, host, seed, "carol")
		if err != nil {
			return err
		}
		body, authz, err := signedPublish(a, host, time.Now().Add(-time.Hour))
		if err != nil {
			return err
		}
		_, err = Raw(ctx, url, host, body, authz)
		return err
	},
	// create-twice: the same CreateAccount sent twice.
	"create-twice": func(ctx context.Context, url, host, seed string) error {
		if _, err := created(ctx, url, host, seed, "dave"); err != nil {
			return err
		}
		_, err := created(ctx, url, host, seed, "dave")
		return err
	},
	// validate-then-create: a one-character name validated, then created.
	"validate-then-create": func(ctx context.Context, url, host, seed string) error {
		c := &client.Client{URL: url, Host: host}
		if _, _, err := c.Validate(ctx, "e@"+host); err != nil {
			return err
		}
		_, err := created(ctx, url, host, seed, "e")
		return err
	},
	// offer-unsigned: a signed Publish with a session offer appended that its signature does not
	// cover (NOTE-AUTH-SESSION: no grant, and no acceptance, for such a request).
	"offer-unsigned": func(ctx context.Context, url, host, seed string) error {
		a, err := created(ctx, url, host, seed, "frank")
		if err != nil {
			return err
		}
		body, authz, err := signedPublish(a, host, time.Now())
		if err != nil {
			return err
		}
		o, err := auth.NewOffer(nil)
		if err != nil {
			return err
		}
		_, err = Raw(ctx, url, host, body, authz+`, session="`+wire.EncodeBase64(o.Public[:])+`"`)
		return err
	},
	// cross-account: bob's device asks to delete carol's account, under bob's Authorization.
	"cross-account": func(ctx context.Context, url, host, seed string) error {
		bob, err := created(ctx, url, host, seed, "bob2")
		if err != nil {
			return err
		}
		if _, err := created(ctx, url, host, seed, "carol2"); err != nil {
			return err
		}
		body, err := mesh.EncodeRequest(&mesh.DeleteRequest{Account: "carol2@" + host})
		if err != nil {
			return err
		}
		authz, err := auth.Sign(bob.Device.DAK, host, bob.Name, body, time.Now(), nil)
		if err != nil {
			return err
		}
		_, err = Raw(ctx, url, host, body, authz)
		return err
	},
	// forged-create: a CreateAccount whose ProfileMesh is signed by the device key, not an
	// OnlineSignatureKey of its master.
	"forged-create": func(ctx context.Context, url, host, seed string) error {
		a, err := material(seed, "gina", host)
		if err != nil {
			return err
		}
		req, err := a.CreateRequest()
		if err != nil {
			return err
		}
		if req.Profile, err = resign(req.Profile, a.Device.DSK); err != nil {
			return err
		}
		body, err := mesh.EncodeRequest(req)
		if err != nil {
			return err
		}
		_, err = Raw(ctx, url, host, body, "")
		return err
	},
	// forged-publish: a Publish of the account's ProfileMesh signed by the device key.
	"forged-publish": func(ctx context.Context, url, host, seed string) error {
		a, err := created(ctx, url, host, seed, "hugo")
		if err != nil {
			return err
		}
		prof, err := a.Master.ProfileMesh(a.Name)
		if err != nil {
			return err
		}
		if prof, err = resign(prof, a.Device.DSK); err != nil {
			return err
		}
		body, err := mesh.EncodeRequest(&mesh.PublishRequest{Entry: prof})
		if err != nil {
			return err
		}
		authz, err := auth.Sign(a.Device.DAK, host, a.Name, body, time.Now(), nil)
		if err != nil {
			return err
		}
		_, err = Raw(ctx, url, host, body, authz)
		return err
	},
	// garbage: a body that names no transaction.
	"garbage": func(ctx context.Context, url, host, _ string) error {
		_, err := Raw(ctx, url, host, []byte(`{"NoSuchTransaction": {}}`), "")
		return err
	},
	// get-unknown: a Get of an account that does not exist (a 404 to mirror).
	"get-unknown": func(ctx context.Context, url, host, _ string) error {
		body, _ := mesh.EncodeRequest(&mesh.GetRequest{Account: "nobody@" + host})
		_, err := Raw(ctx, url, host, body, "")
		return err
	},
}

// resign signs env's payload again with k alone.
func resign(env *mesh.DareMessage, k keys.Signer) (*mesh.DareMessage, error) {
	in, err := auth.Open(env)
	if err != nil {
		return nil, err
	}
	return auth.SignStructure(in, k)
}

// material is the key material of local@host from seed.
func material(seed, local, host string) (*client.Account, error) {
	m, err := client.NewMaster(keys.Ed448, []byte(seed+"/"+local+"/master"))
	if err != nil {
		return nil, err
	}
	d, err := client.NewDevice(keys.Ed448, []byte(seed+"/"+local+"/device"))
	if err != nil {
		return nil, err
	}
	return &client.Account{Name: local + "@" + host, Master: m, Device: d}, nil
}

// created makes an account named local@host with material from seed; a refusal is not an error
// (the second Create of create-twice is refused by a conforming portal).
func created(ctx context.Context, url, host, seed, local string) (*client.Account, error) {
	a, err := material(seed, local, host)
	if err != nil {
		return nil, err
	}
	req, err := a.CreateRequest()
	if err != nil {
		return nil, err
	}
	body, err := mesh.EncodeRequest(req)
	if err != nil {
		return nil, err
	}
	_, err = Raw(ctx, url, host, body, "")
	return a, err
}

func signedPublish(a *client.Account, host string, at time.Time) ([]byte, string, error) {
	prof, err := a.Master.ProfileMesh(a.Name)
	if err != nil {
		return nil, "", err
	}
	body, err := mesh.EncodeRequest(&mesh.PublishRequest{Entry: prof})
	if err != nil {
		return nil, "", err
	}
	authz, err := auth.Sign(a.Device.DAK, host, a.Name, body, at, nil)
	return body, authz, err
}

// Raw posts body to url with Host host and, when not empty, the Authorization value; it
// returns the HTTP status.
func Raw(ctx context.Context, url, host string, body []byte, authz string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("scenario: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}
