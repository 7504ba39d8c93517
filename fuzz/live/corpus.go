package live

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// party is an account the fuzzer owns: its keys and the CreateAccount body that made it, kept
// so that a reproducer can re-create it on a fresh portal.
type party struct {
	acct   *client.Account
	create []byte
	// session is the session the portal granted the party at setup, nil when none
	// (NOTE-AUTH-SESSION): set before the first case, never changed after.
	session *partySession
}

// base is a valid request built by a template, before mutation.
type base struct {
	Template string
	Tx       string
	Body     []byte
	// Signer authenticates the request (nil: an unauthenticated transaction).
	Signer *party
	// Signed are the paths of DARE envelopes whose signatures the portal must verify.
	Signed [][]string
	// MustSucceed marks requests a conforming portal accepts whatever the state: they stay
	// acceptable with unknown members added (NOTE-UNKNOWN-MEMBERS).
	MustSucceed bool
	// Setup are the unauthenticated requests the case depends on (CreateAccount, ConnectStart),
	// replayed first by Replay.
	Setup [][]byte
	// Other is the account whose data the request must not reach (wrong-party checks).
	Other string
}

// template builds fresh valid requests of one kind.
type template struct {
	name  string
	build func(ctx context.Context, f *Fuzzer, r *rand.Rand, inst uint64) (*base, error)
}

// keySeed derives key material deterministically from the campaign seed, a purpose and an
// instance number, so that a campaign is replayable from its printed seed.
func (f *Fuzzer) keySeed(purpose string, inst uint64) []byte {
	h := sha256.New()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(f.cfg.Seed))
	binary.BigEndian.PutUint64(b[8:], inst)
	h.Write(b[:])
	h.Write([]byte(purpose))
	if f.cfg.Shards > 1 {
		fmt.Fprintf(h, "/shard %d/%d", f.cfg.Shard, f.cfg.Shards)
	}
	return h.Sum(nil)
}

// shardTag sets a shard's account names apart from its siblings' ("" unsharded, so that an
// unsharded campaign names its accounts as before).
func (f *Fuzzer) shardTag() string {
	if f.cfg.Shards <= 1 {
		return ""
	}
	return fmt.Sprintf("s%dof%d-", f.cfg.Shard, f.cfg.Shards)
}

// newParty makes account material for a fresh account name and its CreateAccount body.
func (f *Fuzzer) newParty(purpose string, inst uint64) (*party, error) {
	seed := f.keySeed(purpose, inst)
	m, err := client.NewMaster(keys.Ed448, seed)
	if err != nil {
		return nil, err
	}
	d, err := client.NewDevice(keys.Ed448, seed)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("fz%06x-%s%s%d@%s", uint64(f.cfg.Seed)&0xffffff, f.shardTag(), purpose, inst, f.domain)
	a := &client.Account{Name: name, Master: m, Device: d}
	req, err := a.CreateRequest()
	if err != nil {
		return nil, err
	}
	body, err := mesh.EncodeRequest(req)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	return &party{acct: a, create: body}, nil
}

// createParty makes a party and creates its account on the portal.
func (f *Fuzzer) createParty(ctx context.Context, purpose string, inst uint64) (*party, error) {
	p, err := f.newParty(purpose, inst)
	if err != nil {
		return nil, err
	}
	ex, err := f.send(ctx, p.create, nil, authNone, nil)
	if err != nil {
		return nil, err
	}
	if effectiveStatus(ex) == 409 {
		// The account exists: a campaign with this seed made it before, with the same keys
		// (names and keys derive from the seed). Its device deletes it, and it is made again,
		// so that the campaign starts from the state the seed names; an account of the same
		// name that is not this seed's refuses the deletion, and setup fails as before.
		del, err := mesh.EncodeRequest(&mesh.DeleteRequest{Account: p.acct.Name})
		if err != nil {
			return nil, fmt.Errorf("live: %w", err)
		}
		dex, err := f.send(ctx, del, p, authSign, nil)
		if err != nil {
			return nil, err
		}
		if effectiveStatus(dex)/100 != 2 {
			return nil, fmt.Errorf("live: %w: CreateAccount %s answered %s, and the account is not this seed's (its deletion by this seed's device answered %s): run with another --seed",
				ErrSetup, p.acct.Name, describe(ex), describe(dex))
		}
		if ex, err = f.send(ctx, p.create, nil, authNone, nil); err != nil {
			return nil, err
		}
	}
	if effectiveStatus(ex)/100 != 2 {
		return nil, fmt.Errorf("live: %w: CreateAccount %s answered %s", ErrSetup, p.acct.Name, describe(ex))
	}
	return p, nil
}

// connectStartBody builds a signed ConnectStart for a fresh device of p's account; it returns
// the device's signed profile too (signing it again would give the same bytes for the cost of
// a signature).
func (f *Fuzzer) connectStartBody(p *party, inst uint64) ([]byte, *mesh.DareMessage, error) {
	seed := f.keySeed("dev", inst)
	dev, err := client.NewDevice(keys.Ed448, seed)
	if err != nil {
		return nil, nil, err
	}
	dp, err := dev.ProfileDevice()
	if err != nil {
		return nil, nil, err
	}
	nonce := f.keySeed("nonce", inst)[:16]
	mcr := &mesh.MessageConnectionRequest{MessageID: fmt.Sprintf("fz-%d-%s%d", f.cfg.Seed, f.shardTag(), inst), Account: p.acct.Name,
		DeviceProfile: dp, ClientNonce: nonce}
	signed, err := auth.SignStructure(mcr, dev.DSK)
	if err != nil {
		return nil, nil, err
	}
	body, err := mesh.EncodeRequest(&mesh.ConnectStartRequest{AccountID: p.acct.Name, SignedRequest: signed})
	if err != nil {
		return nil, nil, fmt.Errorf("live: %w", err)
	}
	return body, dp, nil
}

// publishBody is the main account's Publish of its profile. Ed448 signatures are
// deterministic, so every build gives the same bytes: they are made once (publishOnce) rather
// than signed twice again at every publish case, and each case gets its own copy.
func (f *Fuzzer) publishBody() ([]byte, error) {
	body, err := f.publishOnce()
	return slices.Clone(body), err
}

// publish makes the main account's Publish body (publishBody).
func (f *Fuzzer) publish() ([]byte, error) {
	prof, err := f.main.acct.Master.ProfileMesh(f.main.acct.Name)
	if err != nil {
		return nil, err
	}
	return encode(&mesh.PublishRequest{Entry: prof})
}

func encode(r mesh.MeshRequest) ([]byte, error) {
	b, err := mesh.EncodeRequest(r)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	return b, nil
}

// simple is a template of an unauthenticated request; needsMain says it names the main account
// (its setup re-creates it on replay, and its refusal is a finding only while it exists).
func simple(name string, mustSucceed, needsMain bool, mk func(f *Fuzzer, r *rand.Rand) mesh.MeshRequest) template {
	return template{name: name, build: func(_ context.Context, f *Fuzzer, r *rand.Rand, _ uint64) (*base, error) {
		req := mk(f, r)
		body, err := encode(req)
		if err != nil {
			return nil, err
		}
		b := &base{Template: name, Tx: req.Transaction(), Body: body, MustSucceed: mustSucceed}
		if needsMain {
			b.Setup = [][]byte{f.main.create}
		}
		return b, nil
	}}
}

const nameAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789.-_"

// templates are the valid requests the campaign starts from, one or more per transaction.
func templates() []template {
	return []template{
		simple("hello", true, false, func(*Fuzzer, *rand.Rand) mesh.MeshRequest { return &mesh.HelloRequest{} }),
		simple("validate", true, false, func(_ *Fuzzer, r *rand.Rand) mesh.MeshRequest {
			n := make([]byte, 1+r.IntN(20))
			for i := range n {
				n[i] = nameAlphabet[r.IntN(len(nameAlphabet))]
			}
			return &mesh.ValidateRequest{Account: string(n)}
		}),
		simple("get-account", true, true, func(f *Fuzzer, _ *rand.Rand) mesh.MeshRequest {
			return &mesh.GetRequest{Account: f.main.acct.Name}
		}),
		simple("get-identifier", true, true, func(f *Fuzzer, _ *rand.Rand) mesh.MeshRequest {
			return &mesh.GetRequest{Identifier: f.main.acct.Master.UDF()}
		}),
		simple("get-paged", true, true, func(f *Fuzzer, r *rand.Rand) mesh.MeshRequest {
			return &mesh.GetRequest{Account: f.main.acct.Name, Multiple: mesh.Bool(true),
				SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(int32(1 + r.IntN(3)))}}
		}),
		simple("status", false, false, func(*Fuzzer, *rand.Rand) mesh.MeshRequest { return &mesh.StatusRequest{} }),
		simple("connect-status", false, true, func(f *Fuzzer, _ *rand.Rand) mesh.MeshRequest {
			return &mesh.ConnectStatusRequest{AccountID: f.main.acct.Name, DeviceID: f.main.acct.Device.UDF()}
		}),
		{name: "create", build: func(_ context.Context, f *Fuzzer, _ *rand.Rand, inst uint64) (*base, error) {
			p, err := f.newParty("c", inst)
			if err != nil {
				return nil, err
			}
			return &base{Template: "create", Tx: "CreateAccount", Body: p.create,
				Signed: [][]string{{"CreateAccount", "Profile"}, {"CreateAccount", "Device"}}}, nil
		}},
		{name: "publish", build: func(_ context.Context, f *Fuzzer, _ *rand.Rand, _ uint64) (*base, error) {
			body, err := f.publishBody()
			if err != nil {
				return nil, err
			}
			return &base{Template: "publish", Tx: "Publish", Body: body, Signer: f.main,
				Signed: [][]string{{"Publish", "Entry"}}, Setup: [][]byte{f.main.create}}, nil
		}},
		{name: "connect-start", build: func(_ context.Context, f *Fuzzer, _ *rand.Rand, inst uint64) (*base, error) {
			body, _, err := f.connectStartBody(f.main, inst)
			if err != nil {
				return nil, err
			}
			return &base{Template: "connect-start", Tx: "ConnectStart", Body: body,
				Signed: [][]string{{"ConnectStart", "SignedRequest"}}, Setup: [][]byte{f.main.create}}, nil
		}},
		{name: "connect-pending", build: func(_ context.Context, f *Fuzzer, r *rand.Rand, _ uint64) (*base, error) {
			body, err := encode(&mesh.ConnectPendingRequest{AccountID: f.main.acct.Name,
				SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(int32(1 + r.IntN(4)))}})
			if err != nil {
				return nil, err
			}
			return &base{Template: "connect-pending", Tx: "ConnectPending", Body: body, Signer: f.main,
				MustSucceed: true, Setup: [][]byte{f.main.create}}, nil
		}},
		{name: "connect-pending-other", build: func(_ context.Context, f *Fuzzer, _ *rand.Rand, _ uint64) (*base, error) {
			// A device of the main account asks for the other account's pending requests.
			body, err := encode(&mesh.ConnectPendingRequest{AccountID: f.other.acct.Name})
			if err != nil {
				return nil, err
			}
			return &base{Template: "connect-pending-other", Tx: "ConnectPending", Body: body, Signer: f.main,
				Other: f.other.acct.Name, Setup: [][]byte{f.main.create, f.other.create}}, nil
		}},
		{name: "connect-complete", build: func(ctx context.Context, f *Fuzzer, _ *rand.Rand, inst uint64) (*base, error) {
			start, dp, err := f.connectStartBody(f.main, inst)
			if err != nil {
				return nil, err
			}
			if _, err := f.send(ctx, start, nil, authNone, nil); err != nil {
				return nil, err
			}
			entry, err := f.main.acct.Master.CatalogEntry(f.main.acct.Name, dp)
			if err != nil {
				return nil, err
			}
			body, err := encode(&mesh.ConnectCompleteRequest{AccountID: f.main.acct.Name, Result: entry})
			if err != nil {
				return nil, err
			}
			return &base{Template: "connect-complete", Tx: "ConnectComplete", Body: body, Signer: f.main,
				Signed: [][]string{{"ConnectComplete", "Result"}}, Setup: [][]byte{f.main.create, start}}, nil
		}},
		{name: "transfer", build: func(_ context.Context, f *Fuzzer, _ *rand.Rand, _ uint64) (*base, error) {
			body, err := encode(&mesh.TransferRequest{})
			if err != nil {
				return nil, err
			}
			return &base{Template: "transfer", Tx: "Transfer", Body: body, Signer: f.main, MustSucceed: true,
				Other: f.other.acct.Name, Setup: [][]byte{f.main.create, f.other.create}}, nil
		}},
		{name: "delete", build: func(ctx context.Context, f *Fuzzer, _ *rand.Rand, inst uint64) (*base, error) {
			p, err := f.createParty(ctx, "d", inst)
			if err != nil {
				return nil, err
			}
			if f.sessions {
				// So that deletes are sent in the session modes too (NOTE-AUTH-SESSION).
				if _, err := f.askSession(ctx, p); err != nil {
					return nil, err
				}
			}
			body, err := encode(&mesh.DeleteRequest{Account: p.acct.Name})
			if err != nil {
				return nil, err
			}
			return &base{Template: "delete", Tx: "DeleteAccount", Body: body, Signer: p, Setup: [][]byte{p.create}}, nil
		}},
	}
}

// b64 is the wire form of binary values, for mutations that rewrite them.
func b64(b []byte) string { return wire.EncodeBase64(b) }
