package client

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/witness"
)

// VerifiedProfile is an account profile whose signature chain checked out.
type VerifiedProfile struct {
	Mesh   *mesh.ProfileMesh
	Master *mesh.ProfileMaster
	MSKAlg keys.Algorithm
	MSK    []byte
}

// VerifyProfile checks a ProfileMesh envelope: the master self-signed by its MSK and the mesh
// profile signed by one of its OnlineSignatureKeys (2.6); account, when not empty, must match.
func VerifyProfile(env *mesh.DareMessage, account string) (*VerifiedProfile, error) {
	return verifyProfile(env, account, false)
}

// verifyProfile is VerifyProfile; skip leaves out the signature checks (the
// skip-signature-checks knob) and keeps everything else.
func verifyProfile(env *mesh.DareMessage, account string, skip bool) (*VerifiedProfile, error) {
	v, err := auth.Open(env)
	if err != nil {
		return nil, fmt.Errorf("client: %w: %w", ErrForged, err)
	}
	pm, ok := v.(*mesh.ProfileMesh)
	if !ok {
		return nil, fmt.Errorf("client: %w: expected ProfileMesh, got %s", ErrForged, v.MeshType())
	}
	mv, err := auth.Open(pm.MasterProfile)
	if err != nil {
		return nil, fmt.Errorf("client: %w: master: %w", ErrForged, err)
	}
	master, ok := mv.(*mesh.ProfileMaster)
	if !ok {
		return nil, fmt.Errorf("client: %w: master is a %s", ErrForged, mv.MeshType())
	}
	alg, msk, err := keys.FromMeshPublicKey(master.MasterSignatureKey)
	if err != nil {
		return nil, fmt.Errorf("client: %w: %w", ErrForged, err)
	}
	if !skip {
		if err := auth.VerifyBy(pm.MasterProfile, alg, msk); err != nil {
			return nil, fmt.Errorf("client: %w: master profile: %w", ErrForged, err)
		}
		if _, err := auth.VerifyByAny(env, master.OnlineSignatureKeys); err != nil {
			return nil, fmt.Errorf("client: %w: mesh profile: %w", ErrForged, err)
		}
	}
	got := pm.Account
	if !strings.Contains(account, "@") {
		// A bare local part was qualified by the portal (NOTE-ACCOUNT-NAMES).
		got, _, _ = strings.Cut(got, "@")
	}
	if account != "" && !equalFoldASCII(got, account) {
		return nil, fmt.Errorf("client: %w: profile of %q, not %q", ErrForged, pm.Account, account)
	}
	return &VerifiedProfile{Mesh: pm, Master: master, MSKAlg: alg, MSK: msk}, nil
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// FetchProfile gets and verifies an account's current profile.
func (c *Client) FetchProfile(ctx context.Context, account string) (*VerifiedProfile, error) {
	resp, _, err := c.Get(ctx, &mesh.GetRequest{Account: account})
	if err != nil {
		return nil, err
	}
	if len(resp.Entries) != 1 {
		return nil, fmt.Errorf("client: %w: %d entries for one profile", ErrForged, len(resp.Entries))
	}
	return verifyProfile(&resp.Entries[0], account, c.Bugs.SkipSignatureChecks)
}

// Witness computes the connection witness of a master key, a device key and the nonces.
func Witness(mskAlg keys.Algorithm, msk []byte, dskAlg keys.Algorithm, dsk, serverNonce, clientNonce []byte) (string, error) {
	w, err := witness.Binary(keys.FingerprintBinary(mskAlg, msk), serverNonce, keys.FingerprintBinary(dskAlg, dsk), clientNonce)
	if err != nil {
		return "", err
	}
	return witness.Present(w)
}

// PINContentType is the content type of the PIN authenticator (the device's PinID).
const PINContentType = "application/mmm-connection-pin"

// PinID is the authenticator a device puts in PinID: a keyed UDF under the PIN over the
// account and the device's UDF, so the PIN itself never travels and the admin can tell which
// device used it.
func PinID(pin, account, deviceUDF string) (string, error) {
	return udf.Authenticator(pin, PINContentType, []byte(account+"\n"+deviceUDF), udf.DefaultBits)
}

// Connection is a device's connection request in progress.
type Connection struct {
	Account     string
	MessageID   string
	ClientNonce []byte
	Challenge   *mesh.ConnectionChallenge
	Profile     *VerifiedProfile
	Exchange    *Exchange
}

// StartConnection is the device side of step 1: it verifies the account profile, sends a
// signed MessageConnectionRequest and checks the witness of the challenge. pin may be empty.
func (c *Client) StartConnection(ctx context.Context, account string, dev *Device, pin string) (*Connection, error) {
	prof, err := c.FetchProfile(ctx, account)
	if err != nil {
		return nil, err
	}
	rnd := c.rand()
	if rnd == nil {
		rnd = rand.Reader
	}
	cn := make([]byte, witness.NonceSize)
	if _, err := io.ReadFull(rnd, cn); err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	mid, err := udf.Nonce(rnd, 128)
	if err != nil {
		return nil, err
	}
	dp, err := dev.ProfileDevice()
	if err != nil {
		return nil, err
	}
	mcr := &mesh.MessageConnectionRequest{MessageID: mid, Account: account, DeviceProfile: dp, ClientNonce: cn}
	if pin != "" {
		if mcr.PinID, err = PinID(pin, account, dev.UDF()); err != nil {
			return nil, err
		}
	}
	signed, err := auth.SignStructure(mcr, dev.DSK)
	if err != nil {
		return nil, err
	}
	resp, ex, err := c.ConnectStart(ctx, &mesh.ConnectStartRequest{AccountID: account, SignedRequest: signed})
	if err != nil {
		return nil, err
	}
	conn := &Connection{Account: account, MessageID: mid, ClientNonce: cn, Challenge: resp.Challenge, Profile: prof, Exchange: ex}
	if err := conn.check(dev, c.Bugs.IgnoreWitness); err != nil {
		return conn, err
	}
	return conn, nil
}

func (conn *Connection) check(dev *Device, ignoreWitness bool) error {
	ch := conn.Challenge
	if ch == nil || len(ch.ServerNonce) != witness.NonceSize {
		return fmt.Errorf("client: %w: challenge without a 16-byte ServerNonce", ErrForged)
	}
	if ch.MessageID != "" && ch.MessageID != conn.MessageID {
		return fmt.Errorf("client: %w: challenge for message %s", ErrForged, ch.MessageID)
	}
	if ignoreWitness {
		return nil
	}
	want, err := Witness(conn.Profile.MSKAlg, conn.Profile.MSK, dev.DSK.Algorithm(), dev.DSK.PublicBytes(), ch.ServerNonce, conn.ClientNonce)
	if err != nil {
		return err
	}
	if !udf.Compare(want, ch.Witness) || len(ch.Witness) < len(want) {
		return fmt.Errorf("client: %w: portal says %s, computed %s", ErrWitness, ch.Witness, want)
	}
	return nil
}

// Outcome is the end of a connection request.
type Outcome struct {
	Pending  bool
	Accepted bool
	Entry    *mesh.CatalogEntryDevice // when accepted
	Result   *mesh.DareMessage
}

// PollConnection is step 4 on the device: ConnectStatus, and when completed, a result whose
// signature by an administration key of the account's profile is verified (3.15.1).
func (c *Client) PollConnection(ctx context.Context, conn *Connection, dev *Device) (*Outcome, error) {
	resp, _, err := c.ConnectStatus(ctx, conn.Account, dev.UDF())
	if err != nil {
		return nil, err
	}
	if code, _ := resp.StatusCode(); code == 202 {
		return &Outcome{Pending: true}, nil
	}
	if resp.Result == nil {
		return nil, fmt.Errorf("client: %w: completed status without a Result", ErrForged)
	}
	if !c.Bugs.SkipSignatureChecks {
		if _, err := auth.VerifyByAny(resp.Result, conn.Profile.Master.OnlineSignatureKeys); err != nil {
			return nil, fmt.Errorf("client: %w: result: %w", ErrForged, err)
		}
	}
	v, err := auth.Open(resp.Result)
	if err != nil {
		return nil, fmt.Errorf("client: %w: %w", ErrForged, err)
	}
	switch e := v.(type) {
	case *mesh.CatalogEntryDevice:
		if !udf.Compare(e.UDF, dev.UDF()) || !udf.Compare(e.AuthUDF, dev.AuthUDF()) {
			return nil, fmt.Errorf("client: %w: the entry authorises another device", ErrForged)
		}
		return &Outcome{Accepted: true, Entry: e, Result: resp.Result}, nil
	case *mesh.MessageConfirmationResponse:
		if e.ResponseID != conn.MessageID || (e.Accept != nil && *e.Accept) {
			return nil, fmt.Errorf("client: %w: refusal of another request", ErrForged)
		}
		return &Outcome{Result: resp.Result}, nil
	}
	return nil, fmt.Errorf("client: %w: result is a %s", ErrForged, v.MeshType())
}

// PendingRequest is a connection request as an admin device sees it, verified.
type PendingRequest struct {
	Envelope  *mesh.DareMessage
	Request   *mesh.MessageConnectionRequest
	Challenge mesh.ConnectionChallenge
	Device    *mesh.ProfileDevice
	DeviceEnv *mesh.DareMessage
	DeviceUDF string
	Err       error // why the request must not be approved; nil when it verified
}

// Pending is step 2 on an admin device: the pending requests, each checked (device profile
// self-signed, request signed by its DSK, witness recomputed over the admin's own master).
func (c *Client) Pending(ctx context.Context, a *Account, sc *mesh.SearchConstraints) ([]PendingRequest, string, error) {
	if a.Master == nil {
		return nil, "", fmt.Errorf("client: %w", ErrNotAdmin)
	}
	resp, _, err := c.ConnectPending(ctx, a.Name, sc, a.Auth())
	if err != nil {
		return nil, "", err
	}
	if len(resp.Challenges) != len(resp.Pending) {
		return nil, "", fmt.Errorf("client: %w: %d requests, %d challenges", ErrForged, len(resp.Pending), len(resp.Challenges))
	}
	out := make([]PendingRequest, len(resp.Pending))
	for i := range resp.Pending {
		out[i] = checkPending(&resp.Pending[i], resp.Challenges[i], a.Master)
	}
	return out, resp.PageKey, nil
}

func checkPending(env *mesh.DareMessage, ch mesh.ConnectionChallenge, m *Master) PendingRequest {
	pr := PendingRequest{Envelope: env, Challenge: ch}
	fail := func(err error) PendingRequest { pr.Err = fmt.Errorf("client: %w: %w", ErrForged, err); return pr }
	v, err := auth.Open(env)
	if err != nil {
		return fail(err)
	}
	mcr, ok := v.(*mesh.MessageConnectionRequest)
	if !ok {
		return fail(fmt.Errorf("a %s is not a connection request", v.MeshType()))
	}
	pr.Request, pr.DeviceEnv = mcr, mcr.DeviceProfile
	dv, err := auth.Open(mcr.DeviceProfile)
	if err != nil {
		return fail(err)
	}
	pd, ok := dv.(*mesh.ProfileDevice)
	if !ok {
		return fail(fmt.Errorf("device profile is a %s", dv.MeshType()))
	}
	pr.Device = pd
	alg, dsk, err := keys.FromMeshPublicKey(pd.DeviceSignatureKey)
	if err != nil {
		return fail(err)
	}
	pr.DeviceUDF = keys.Fingerprint(alg, dsk)
	if err := auth.VerifyBy(mcr.DeviceProfile, alg, dsk); err != nil {
		return fail(fmt.Errorf("device profile: %w", err))
	}
	if err := auth.VerifyBy(env, alg, dsk); err != nil {
		return fail(fmt.Errorf("request: %w", err))
	}
	want, err := Witness(m.MSK.Algorithm(), m.MSK.PublicBytes(), alg, dsk, ch.ServerNonce, mcr.ClientNonce)
	if err != nil {
		return fail(err)
	}
	if !udf.Compare(want, ch.Witness) || len(ch.Witness) < len(want) {
		pr.Err = fmt.Errorf("client: %w: challenge says %s, computed %s", ErrWitness, ch.Witness, want)
	}
	return pr
}

// Approve is step 3 (accept): a CatalogEntryDevice for the device, signed by the OSK.
func (c *Client) Approve(ctx context.Context, a *Account, pr *PendingRequest) (*Exchange, error) {
	if pr.Err != nil {
		return nil, pr.Err
	}
	entry, err := a.Master.CatalogEntry(a.Name, pr.DeviceEnv)
	if err != nil {
		return nil, err
	}
	_, ex, err := c.ConnectComplete(ctx, a.Name, entry, a.Auth())
	return ex, err
}

// Refuse is step 3 (refuse): a MessageConfirmationResponse with Accept false, signed by the OSK.
func (c *Client) Refuse(ctx context.Context, a *Account, pr *PendingRequest) (*Exchange, error) {
	if a.Master == nil {
		return nil, fmt.Errorf("client: %w", ErrNotAdmin)
	}
	id := ""
	if pr.Request != nil {
		id = pr.Request.MessageID
	}
	res, err := auth.SignStructure(&mesh.MessageConfirmationResponse{ResponseID: id, Accept: mesh.Bool(false)}, a.Master.OSK)
	if err != nil {
		return nil, err
	}
	_, ex, err := c.ConnectComplete(ctx, a.Name, res, a.Auth())
	return ex, err
}

// IssuePIN issues a connection PIN (NOTE-PIN) for the admin to hand to a new device.
func IssuePIN(r io.Reader, now time.Time) (witness.PIN, error) {
	if r == nil {
		r = rand.Reader
	}
	return witness.NewPIN(r, now)
}

// AutoApprove approves every verified pending request whose PinID is the authenticator of an
// unexpired PIN from pins; it returns how many it approved.
func (c *Client) AutoApprove(ctx context.Context, a *Account, pins []witness.PIN, now time.Time) (int, error) {
	prs, _, err := c.Pending(ctx, a, nil)
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range prs {
		pr := &prs[i]
		if pr.Err != nil || pr.Request == nil || pr.Request.PinID == "" {
			continue
		}
		for _, pin := range pins {
			if pin.Check(now) != nil {
				continue
			}
			// Over the Account the device wrote and signed (NOTE-PIN-CHECK): the portal has
			// checked it names this account, but it may be the other form (bare or qualified).
			want, err := PinID(pin.Value, pr.Request.Account, pr.DeviceUDF)
			if err != nil || !udf.Compare(want, pr.Request.PinID) || len(pr.Request.PinID) < len(want) {
				continue
			}
			if _, err := c.Approve(ctx, a, pr); err != nil {
				return n, err
			}
			n++
			break
		}
	}
	return n, nil
}
