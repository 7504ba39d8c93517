package portal

import (
	"bytes"
	"crypto/sha512"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/reference/witness"
)

func (p *Portal) name(s string, caseSensitive bool) NameCheck {
	chk := CheckName(s, p.cfg.Domain, caseSensitive)
	if p.cfg.Bugs.RefuseOneCharNames && chk.Valid && strings.Index(chk.Account, "@") == 1 {
		return NameCheck{Reason: "the local part is too short"}
	}
	return chk
}

func (p *Portal) dispatch(c *call, req mesh.MeshRequest) (mesh.MeshResponse, error) {
	switch r := req.(type) {
	case *mesh.HelloRequest:
		return p.hello(), nil
	case *mesh.ValidateRequest:
		return p.validate(r), nil
	case *mesh.CreateRequest:
		return p.create(c, r)
	case *mesh.DeleteRequest:
		return p.deleteAccount(c, r)
	case *mesh.GetRequest:
		if p.cfg.Bugs.StaleReads {
			return p.staleRead(c, func() (mesh.MeshResponse, error) { return p.get(r) })
		}
		return p.get(r)
	case *mesh.PublishRequest:
		return p.publish(c, r)
	case *mesh.StatusRequest:
		if p.cfg.Allow.Unimplemented501 || p.cfg.Allow.UnimplementedHTTP404 {
			break
		}
		return p.status(c)
	case *mesh.ConnectStartRequest:
		return p.connectStart(c, r)
	case *mesh.ConnectStatusRequest:
		if p.cfg.Bugs.StaleReads {
			return p.staleRead(c, func() (mesh.MeshResponse, error) { return p.connectStatus(c, r) })
		}
		return p.connectStatus(c, r)
	case *mesh.ConnectPendingRequest:
		return p.connectPending(c, r)
	case *mesh.ConnectCompleteRequest:
		return p.connectComplete(c, r)
	case *mesh.TransferRequest:
		if p.cfg.Allow.Unimplemented501 || p.cfg.Allow.UnimplementedHTTP404 {
			break
		}
		return p.transfer(c, r)
	}
	return nil, refuse(501, nil, "transaction %s not implemented", req.Transaction())
}

// update runs a write transaction; a *Refusal returned by fn passes through unchanged. Writes
// go through bbolt's Batch so that concurrent writers share one commit and fsync (group
// commit): each caller still returns only after its write is durable. fn may run more than
// once, so it has no effect outside the transaction.
func (p *Portal) update(fn func(tx *bolt.Tx) error) error {
	err := p.st.write(fn)
	var rf *Refusal
	if err != nil && !errors.As(err, &rf) {
		return refuse(500, err, "storage failure")
	}
	return err
}

func (p *Portal) view(fn func(tx *bolt.Tx) error) error {
	err := p.st.db.View(fn)
	var rf *Refusal
	if err != nil && !errors.As(err, &rf) {
		return refuse(500, err, "storage failure")
	}
	return err
}

func (p *Portal) hello() mesh.MeshResponse {
	if p.cfg.Bugs.HelloWithoutVersion {
		return &mesh.HelloResponse{}
	}
	enc := "application/json"
	if p.cfg.Bugs.HelloEncodingsWithoutJSON {
		enc = "application/x-json-b"
	}
	if p.cfg.Allow.HelloVersion {
		json := []mesh.Encoding{{ID: []string{"application/json"}}}
		return &mesh.HelloResponse{Version: &mesh.Version{Major: mesh.Int(1), Minor: mesh.Int(0), Encodings: json,
			URI: []string{"https://" + p.cfg.Domain + Path}},
			Alternates: []mesh.Version{{Major: mesh.Int(0), Minor: mesh.Int(7), Encodings: json}}}
	}
	// NOTE-HELLO: the 2019 portal answered version 0.7, JSON only.
	return &mesh.HelloResponse{Version: &mesh.Version{Major: mesh.Int(0), Minor: mesh.Int(7),
		Encodings: []mesh.Encoding{{ID: []string{enc}}}}}
}

// validate answers ValidateAccount with the NOTE-ACCOUNT-NAMES rule; Valid does not promise
// that Create will succeed (3.6.2), so existing names are reported valid too.
func (p *Portal) validate(r *mesh.ValidateRequest) mesh.MeshResponse {
	chk := p.name(r.Account, false)
	inv := chk.Invalid
	if p.cfg.Bugs.ValidateIncompleteInvalidCharacters && inv != "" {
		inv = string([]rune(inv)[:1])
	}
	if p.cfg.Bugs.ValidateAlwaysValid {
		chk.Valid, chk.Reason, inv = true, "", ""
	}
	if p.cfg.Allow.ValidateChecksExistence && chk.Valid {
		var taken bool
		p.st.db.View(func(tx *bolt.Tx) error {
			taken = tx.Bucket(bAccounts).Get([]byte(chk.Account)) != nil
			return nil
		})
		if taken {
			chk.Valid, chk.Reason = false, "the name is taken"
		}
	}
	if p.cfg.Allow.NoReason {
		chk.Reason = ""
	}
	if p.cfg.Bugs.ValidateNotIdempotent {
		chk.Reason = fmt.Sprintf("%s (answer %d)", chk.Reason, p.validations.Add(1))
	}
	return &mesh.ValidateResponse{Valid: mesh.Bool(chk.Valid), Minimum: mesh.Int(MinLocal),
		Maximum: mesh.Int(MaxLocal), InvalidCharacters: inv, Reason: chk.Reason}
}

// principal is who an authenticated request acts for.
type principal struct {
	account string
	master  string // UDF of the account's MasterSignatureKey, as read while authenticating
	peer    bool
}

// authenticate applies NOTE-AUTH. target is the canonical account the request names ("" when
// the account comes from the header). A missing account is 404, like Get, since existence is
// public anyway; everything else that fails is 401. A session request (NOTE-AUTH-SESSION)
// stands for the device key and account of its ticket and goes through the same time, nonce
// and device checks; a signed request that offers a session is granted one once it passes.
func (p *Portal) authenticate(c *call, target string, allowPeer bool) (_ principal, err error) {
	if p.cfg.Bugs.SkipAuthentication {
		if target == "" {
			if h, err := auth.Parse(c.r.Header.Get("Authorization")); err == nil {
				target = p.name(h.Account, false).Account
			}
		}
		who := principal{account: target, peer: target == ""}
		if target != "" {
			err := p.view(func(tx *bolt.Tx) error {
				rec, err := loadAccount(tx, target)
				if err == nil {
					who.master = rec.Master
				}
				return err
			})
			if err != nil {
				return principal{account: target}, err
			}
		}
		return who, nil
	}
	hv := c.r.Header.Get("Authorization")
	if hv == "" {
		return principal{}, refuse(401, nil, "authentication required (NOTE-AUTH)")
	}
	var h *auth.Header
	inSession := auth.IsSession(hv)
	if inSession {
		if h, err = p.openSession(c, hv); err != nil {
			return principal{}, err
		}
	} else if h, err = p.verifySignature(c, hv); err != nil {
		return principal{}, err
	}
	if !p.cfg.Bugs.AcceptStaleTime {
		if err := h.CheckTime(c.now, auth.MaxSkew); err != nil {
			return principal{}, refuse(401, err, "Authorization time outside the accepted window")
		}
	}
	if !p.cfg.Bugs.AcceptReplayedRequest {
		if err := p.replay.Check(h, c.now); err != nil {
			if errors.Is(err, auth.ErrFull) {
				return principal{}, refuse(503, err, "overloaded")
			}
			return principal{}, refuse(401, err, "replayed request")
		}
	}
	if h.Offer != "" && !inSession && p.cfg.Bugs.RefuseSessionOffer {
		return principal{}, refuse(401, nil, "Authorization signature does not verify")
	}
	if h.Offer != "" && p.issuer != nil {
		defer func() {
			if err == nil {
				p.grant(c, h)
			}
		}()
	}
	fp := h.Fingerprint()
	if allowPeer {
		for _, peer := range p.peers {
			if udf.Compare(peer, fp) {
				return principal{peer: true}, nil
			}
		}
	}
	hacct := p.name(h.Account, false)
	if !hacct.Valid {
		return principal{}, refuse(401, nil, "Authorization names no valid account")
	}
	acct := target
	if acct == "" {
		acct = hacct.Account
	}
	if acct != hacct.Account && !p.cfg.Bugs.CrossAccountAuth {
		return principal{}, refuse(401, nil, "Authorization is for another account")
	}
	var found, exists bool
	var rec accountRec
	if inSession && p.cfg.Bugs.SessionOutlivesDevice {
		found = true
	}
	err = p.view(func(tx *bolt.Tx) error {
		var err error
		if exists, err = getJSON(tx.Bucket(bAccounts), []byte(acct), &rec); err != nil {
			return err
		}
		pre := []byte(normUDF(fp) + "\x00")
		for k := range withPrefix(tx.Bucket(bDevices), pre, nil) {
			if string(k[len(pre):]) == acct || p.cfg.Bugs.CrossAccountAuth {
				found = true
			}
		}
		if !found && exists && p.cfg.Bugs.AcceptDeviceSignatureKey {
			for _, d := range rec.Devices {
				var dr deviceRec
				if ok, err := getJSON(tx.Bucket(bDevices), []byte(d+"\x00"+acct), &dr); err == nil && ok && udf.Compare(dr.DeviceUDF, fp) {
					found = true
				}
			}
		}
		return nil
	})
	if err != nil {
		return principal{}, err
	}
	if !exists && p.cfg.Bugs.UnknownAccount400 {
		return principal{account: acct}, refuse(400, nil, "no such account")
	}
	if !exists {
		return principal{account: acct}, refuse(404, nil, "no such account")
	}
	if !found {
		return principal{}, refuse(401, nil, "the key is not an authorised device of the account")
	}
	return principal{account: acct, master: rec.Master}, nil
}

// verifySignature parses and verifies a signature-authenticated request (NOTE-AUTH).
func (p *Portal) verifySignature(c *call, hv string) (*auth.Header, error) {
	var laxNonce string
	if p.cfg.Bugs.LaxAuthorization {
		hv, laxNonce = laxAuthorization(hv)
	}
	h, err := auth.Parse(hv)
	if err == nil && p.cfg.Bugs.LaxAuthorization {
		h.Nonce = laxNonce
	}
	if err != nil {
		return nil, refuse(401, err, "malformed Authorization")
	}
	err = h.Verify(p.cfg.Domain, c.body)
	if err != nil && p.cfg.Bugs.SignedHostFromHeader {
		err = h.Verify(c.r.Host, c.body)
	}
	if err != nil && h.Offer != "" && p.cfg.Bugs.SessionOfferUnsigned {
		plain := *h
		plain.Offer = ""
		err = plain.Verify(p.cfg.Domain, c.body)
	}
	if err != nil {
		return nil, refuse(401, err, "Authorization signature does not verify")
	}
	return h, nil
}

// openSession checks a session-authenticated request (NOTE-AUTH-SESSION) and returns the
// header it stands for; time, nonce and device are then checked as for a signed request.
func (p *Portal) openSession(c *call, hv string) (*auth.Header, error) {
	if p.issuer == nil {
		return nil, refuse(401, nil, "this portal grants no sessions")
	}
	sh, err := auth.ParseSession(hv)
	if err != nil && p.cfg.Bugs.CrashOnMalformedSession {
		return nil, refuse(500, err, "internal error")
	}
	if err != nil {
		return nil, refuse(401, err, "malformed Authorization")
	}
	t, err := p.issuer.Open(sh, c.now)
	if err != nil {
		return nil, refuse(401, err, "session not valid: sign the request again")
	}
	var h *auth.Header
	if p.cfg.Bugs.SessionMACUnchecked {
		h, err = t.Header(sh)
	} else {
		h, err = t.Verify(sh, p.cfg.Domain, c.body)
		if err != nil && p.cfg.Bugs.SessionHostFromHeader {
			h, err = t.Verify(sh, c.r.Host, c.body)
		}
	}
	if err != nil {
		return nil, refuse(401, err, "session MAC does not verify")
	}
	return h, nil
}

// grant answers an authenticated request that asked for a session. A failure to grant
// leaves the request's answer as it is: the client keeps signing.
func (p *Portal) grant(c *call, h *auth.Header) {
	g, err := p.issuer.Grant(h, c.now)
	if err != nil && p.cfg.Bugs.GrantLowOrderOffer {
		if o, oerr := auth.NewOffer(nil); oerr == nil {
			h2 := *h
			h2.Offer = wire.EncodeBase64(o.Public[:]) // whatever the offer was, a grant
			g, err = p.issuer.Grant(&h2, c.now)
		}
	}
	if err != nil {
		p.log.Warn("session not granted", "err", err)
		return
	}
	c.grant = g
}

// loadAccount reads an account's record; a missing account is refused 404.
func loadAccount(tx *bolt.Tx, acct string) (*accountRec, error) {
	var rec accountRec
	ok, err := getJSON(tx.Bucket(bAccounts), []byte(acct), &rec)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, refuse(404, nil, "no such account")
	}
	return &rec, nil
}

// loadMaster returns the master profile and the current ProfileMesh entry seq of an account.
func loadMaster(tx *bolt.Tx, acct string) (*mesh.ProfileMaster, *accountRec, error) {
	rec, err := loadAccount(tx, acct)
	if err != nil {
		return nil, nil, err
	}
	e, ok, err := loadEntry(tx, rec.ProfileSeq)
	if err != nil || !ok {
		return nil, nil, refuse(500, err, "the account's profile is missing")
	}
	env, err := decodeEnv(e.Env)
	if err != nil {
		return nil, nil, err
	}
	pm, err := openAs[*mesh.ProfileMesh](env, "stored profile")
	if err != nil {
		return nil, nil, err
	}
	master, err := openAs[*mesh.ProfileMaster](pm.MasterProfile, "stored master profile")
	if err != nil {
		return nil, nil, err
	}
	return master, rec, nil
}

// stored is the envelope as the portal keeps it: as received, but for the reencode-entries
// knob, which indents the payload (and so breaks its signatures).
func (p *Portal) stored(env *mesh.DareMessage) *mesh.DareMessage {
	if !p.cfg.Bugs.ReencodeEntries || env == nil {
		return env
	}
	var out bytes.Buffer
	if json.Indent(&out, env.Payload, "", "  ") != nil {
		return env
	}
	cp := *env
	cp.Payload = out.Bytes()
	return &cp
}

func newEntry(acct, typ, ident string, names []string, now time.Time, env *mesh.DareMessage, logIdx uint64) (*entryRec, error) {
	data, err := mesh.Marshal(env)
	if err != nil {
		return nil, err
	}
	return &entryRec{Account: acct, Type: typ, Identifier: ident, Names: names, Time: now.UTC().Truncate(time.Second), Env: data, LogIndex: logIdx}, nil
}

// storeDevice records an authorised device: its catalog entry and its device profile.
func storeDevice(tx *bolt.Tx, rec *accountRec, cd *checkedDevice, entryEnv *mesh.DareMessage, now time.Time, logIdx uint64) error {
	ce, err := newEntry(rec.Name, "CatalogEntryDevice", cd.deviceUDF, nil, now, entryEnv, logIdx)
	if err != nil {
		return err
	}
	if err := addEntry(tx, ce); err != nil {
		return err
	}
	pe, err := newEntry(rec.Name, "ProfileDevice", cd.deviceUDF, cd.profile.Names, now, cd.profEnv, logIdx)
	if err != nil {
		return err
	}
	if err := addEntry(tx, pe); err != nil {
		return err
	}
	auth := normUDF(cd.authUDF)
	if err := putJSON(tx.Bucket(bDevices), []byte(auth+"\x00"+rec.Name), &deviceRec{Account: rec.Name, DeviceUDF: cd.deviceUDF, EntrySeq: ce.Seq}); err != nil {
		return err
	}
	for _, d := range rec.Devices {
		if d == auth {
			return nil
		}
	}
	rec.Devices = append(rec.Devices, auth)
	return nil
}

// storeProfile stores a ProfileMaster (from the mesh profile) and a ProfileMesh entry and makes
// the latter the account's current profile.
func storeProfile(tx *bolt.Tx, rec *accountRec, meshEnv *mesh.DareMessage, pm *mesh.ProfileMesh, master *mesh.ProfileMaster, now time.Time, logIdx uint64, withMaster bool) error {
	if withMaster {
		me, err := newEntry(rec.Name, "ProfileMaster", rec.Master, master.Names, now, pm.MasterProfile, logIdx)
		if err != nil {
			return err
		}
		if err := addEntry(tx, me); err != nil {
			return err
		}
	}
	e, err := newEntry(rec.Name, "ProfileMesh", rec.Master, pm.Names, now, meshEnv, logIdx)
	if err != nil {
		return err
	}
	if err := addEntry(tx, e); err != nil {
		return err
	}
	rec.ProfileSeq = e.Seq
	return nil
}

// create implements CreateAccount (3.7, NOTE-CREATE-PROFILE, NOTE-CREATE-DEVICE).
func (p *Portal) create(c *call, r *mesh.CreateRequest) (mesh.MeshResponse, error) {
	cs := p.cfg.Bugs.CreateCaseSensitive
	chk := p.name(r.Account, cs)
	if !chk.Valid {
		return nil, refuse(409, nil, "invalid account name: %s", chk.Reason)
	}
	acct := chk.Account
	if r.Profile == nil || r.Device == nil {
		return nil, refuse(400, nil, "CreateAccount needs Profile and Device")
	}
	pm, master, mfp, err := p.verifyMeshProfile(r.Profile)
	if err != nil {
		return nil, err
	}
	if pc := p.name(pm.Account, cs); (!pc.Valid || pc.Account != acct) && !p.cfg.Bugs.CreateIgnoresProfileAccount {
		return nil, refuse(409, nil, "the profile names account %q, not %q (NOTE-CREATE-PROFILE)", pm.Account, acct)
	}
	cd, err := p.checkAdminDevice(r.Device, master, acct)
	if err != nil {
		if p.cfg.Bugs.LeakAfterFailedCreate {
			p.update(func(tx *bolt.Tx) error {
				rec := &accountRec{Name: acct, Master: mfp, Created: c.now}
				if err := storeProfile(tx, rec, r.Profile, pm, master, c.now, 0, true); err != nil {
					return err
				}
				return putJSON(tx.Bucket(bAccounts), []byte(acct), rec)
			})
		}
		return nil, err
	}
	err = p.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bAccounts).Get([]byte(acct)) != nil {
			if p.cfg.Bugs.DuplicateCreateSucceeds {
				return nil
			}
			return refuse(409, errAlreadyExists, "account %s already exists", acct)
		}
		// Re-creating a deleted name is allowed only with a profile of the same master: the
		// profiles of the old account stay published (3.8), and a different master taking the
		// name over would let Get by Account answer a stranger's profile for it.
		if old := tx.Bucket(bTombstones).Get([]byte(acct)); old != nil && !udf.Compare(string(old), mfp) {
			return refuse(409, nil, "account %s was deleted and may be re-created only by its master", acct)
		}
		idx, err := p.appendLog(tx, c.now, "CreateAccount", acct, r.Profile, c.body)
		if err != nil {
			return err
		}
		rec := &accountRec{Name: acct, Master: mfp, Created: c.now}
		if err := storeProfile(tx, rec, p.stored(r.Profile), pm, master, c.now, idx, true); err != nil {
			return err
		}
		if err := storeDevice(tx, rec, cd, r.Device, c.now, idx); err != nil {
			return err
		}
		tx.Bucket(bTombstones).Delete([]byte(acct))
		return putJSON(tx.Bucket(bAccounts), []byte(acct), rec)
	})
	if err != nil {
		return nil, err
	}
	return &mesh.CreateResponse{}, nil
}

// checkAdminDevice verifies a CatalogEntryDevice envelope signed by an OnlineSignatureKey.
func (p *Portal) checkAdminDevice(env *mesh.DareMessage, master *mesh.ProfileMaster, acct string) (*checkedDevice, error) {
	ce, err := openAs[*mesh.CatalogEntryDevice](env, "Device")
	if err != nil {
		return nil, err
	}
	if _, err := auth.VerifyByAny(env, master.OnlineSignatureKeys); err != nil && !p.cfg.Bugs.AcceptCatalogEntryNotAdminSigned {
		return nil, refuse(409, err, "the device entry is not signed by an OnlineSignatureKey of the master")
	}
	return p.verifyDeviceEntry(ce, acct, master.OnlineSignatureKeys)
}

// deleteAccount implements DeleteAccount (3.8): the account goes, its profiles stay.
func (p *Portal) deleteAccount(c *call, r *mesh.DeleteRequest) (mesh.MeshResponse, error) {
	chk := p.name(r.Account, false)
	if !chk.Valid {
		return nil, refuse(404, nil, "no such account")
	}
	if _, err := p.authenticate(c, chk.Account, false); err != nil {
		if p.cfg.Bugs.DeleteMissingSucceeds && asRefusal(err).Status == 404 {
			return &mesh.DeleteResponse{}, nil
		}
		return nil, err
	}
	err := p.update(func(tx *bolt.Tx) error {
		rec, err := loadAccount(tx, chk.Account)
		if err != nil {
			return err
		}
		if _, err := p.appendLog(tx, c.now, "DeleteAccount", rec.Name, nil, c.body); err != nil {
			return err
		}
		for _, d := range rec.Devices {
			tx.Bucket(bDevices).Delete([]byte(d + "\x00" + rec.Name))
		}
		var gone [][]byte
		for k := range withPrefix(tx.Bucket(bPending), []byte(rec.Name+"\x00"), nil) {
			gone = append(gone, bytes.Clone(k))
		}
		for _, k := range gone {
			tx.Bucket(bPending).Delete(k)
		}
		if p.cfg.Bugs.DeleteRemovesProfiles {
			for _, seq := range scanIndex(tx.Bucket(bAcctIdx), rec.Name, true) {
				if err := deleteEntry(tx, seq); err != nil {
					return err
				}
			}
		}
		if err := tx.Bucket(bTombstones).Put([]byte(rec.Name), []byte(rec.Master)); err != nil {
			return err
		}
		return tx.Bucket(bAccounts).Delete([]byte(rec.Name))
	})
	if err != nil {
		return nil, err
	}
	return &mesh.DeleteResponse{}, nil
}

// publish implements Publish (3.7, NOTE-PUBLISH-ENTRY) to the authenticated account.
func (p *Portal) publish(c *call, r *mesh.PublishRequest) (mesh.MeshResponse, error) {
	who, err := p.authenticate(c, "", false)
	noAccount := false
	if err != nil {
		if rf := asRefusal(err); rf.Status == 404 && p.cfg.Bugs.PublishWithoutAccount {
			noAccount = true
		} else {
			return nil, err
		}
	}
	if r.Entry == nil {
		return nil, refuse(400, nil, "Publish needs an Entry")
	}
	if r.Entry.Header == nil && p.cfg.Bugs.CrashOnHeaderlessEnvelope {
		return nil, refuse(500, nil, "the entry has no header")
	}
	v, err := auth.Open(r.Entry)
	if err != nil {
		return nil, refuse(409, err, "the entry payload does not decode")
	}
	if !auth.Signed(r.Entry) && !p.cfg.Bugs.AcceptUnsignedEntry {
		return nil, refuse(409, auth.ErrUnsigned, "the entry is not signed")
	}
	// Verify before the write transaction: signature checks are the expensive part and must
	// not hold the store's single writer lock.
	masterUDF := who.master
	kept := p.stored(r.Entry) // what the store keeps: r.Entry itself but for a knob
	var write func(tx *bolt.Tx, rec *accountRec, idx uint64) error
	switch e := v.(type) {
	case *mesh.ProfileMesh:
		m2, mfp, err := p.checkMeshProfile(r.Entry, e)
		if err != nil {
			return nil, err
		}
		if !noAccount && !udf.Compare(mfp, masterUDF) && !p.cfg.Bugs.PublishForeignProfile {
			return nil, refuse(409, nil, "the profile belongs to another master")
		}
		if pc := p.name(e.Account, false); pc.Account != who.account {
			return nil, refuse(409, nil, "the profile names account %q", e.Account)
		}
		write = func(tx *bolt.Tx, rec *accountRec, idx uint64) error {
			if noAccount {
				rec.Master = mfp
			}
			return storeProfile(tx, rec, kept, e, m2, c.now, idx, false)
		}
	case *mesh.CatalogEntryDevice:
		var cd *checkedDevice
		if noAccount {
			cd, err = p.verifyDeviceEntry(e, who.account, nil)
		} else {
			var master *mesh.ProfileMaster
			if err := p.view(func(tx *bolt.Tx) error {
				m, rec, err := loadMaster(tx, who.account)
				if err != nil {
					return err
				}
				master, masterUDF = m, rec.Master
				return nil
			}); err != nil {
				return nil, err
			}
			cd, err = p.checkAdminDevice(r.Entry, master, who.account)
		}
		if err != nil {
			return nil, err
		}
		write = func(tx *bolt.Tx, rec *accountRec, idx uint64) error {
			return storeDevice(tx, rec, cd, kept, c.now, idx)
		}
	case *mesh.ProfileDevice:
		_, alg, pub, err := p.verifyDeviceProfile(r.Entry)
		if err != nil {
			return nil, err
		}
		write = func(tx *bolt.Tx, rec *accountRec, idx uint64) error {
			pe, err := newEntry(rec.Name, "ProfileDevice", keys.Fingerprint(alg, pub), e.Names, c.now, kept, idx)
			if err != nil {
				return err
			}
			return addEntry(tx, pe)
		}
	default:
		return nil, refuse(409, nil, "a %s cannot be published", v.MeshType())
	}
	err = p.update(func(tx *bolt.Tx) error {
		rec := &accountRec{Name: who.account}
		if !noAccount {
			ok, err := getJSON(tx.Bucket(bAccounts), []byte(who.account), rec)
			if err != nil {
				return err
			}
			// The account may have gone, or been re-created, since it was read.
			if !ok || rec.Master != masterUDF {
				return refuse(404, nil, "no such account")
			}
		}
		idx, err := p.appendLog(tx, c.now, "Publish", who.account, r.Entry, c.body)
		if err != nil {
			return err
		}
		if err := write(tx, rec, idx); err != nil {
			return err
		}
		if noAccount {
			return nil
		}
		if p.cfg.Bugs.PublishWipesAccount {
			rec = &accountRec{Name: rec.Name, ProfileSeq: rec.ProfileSeq}
		}
		return putJSON(tx.Bucket(bAccounts), []byte(rec.Name), rec)
	})
	if err != nil {
		return nil, err
	}
	return &mesh.PublishResponse{}, nil
}

// get implements Get (3.9, NOTE-ENUMERATION, NOTE-GET-ENTRIES).
func (p *Portal) get(r *mesh.GetRequest) (mesh.MeshResponse, error) {
	if p.cfg.Allow.NamelessGetEmpty && r.Account == "" && r.Identifier == "" && len(r.KeyValues) == 0 {
		return &mesh.GetResponse{}, nil
	}
	multiple := r.Multiple != nil && *r.Multiple
	full := r.Full != nil && *r.Full
	var scope, pk string
	var sel []item
	err := p.view(func(tx *bolt.Tx) error {
		var seqs []uint64
		every := "" // an account whose every entry is a candidate (Multiple)
		switch {
		case r.Account != "":
			chk := p.name(r.Account, false)
			if !chk.Valid {
				return refuse(404, nil, "no such account")
			}
			var rec accountRec
			ok, err := getJSON(tx.Bucket(bAccounts), []byte(chk.Account), &rec)
			if err != nil {
				return err
			}
			switch {
			case ok && multiple:
				// Read as the page goes (below): an account may hold any number of entries.
				every = chk.Account
			case ok:
				seqs = []uint64{rec.ProfileSeq}
			case p.cfg.Bugs.GetAfterDelete && tx.Bucket(bTombstones).Get([]byte(chk.Account)) != nil:
				seqs = lastOfType(tx, scanIndex(tx.Bucket(bAcctIdx), chk.Account, true), "ProfileMesh")
			default:
				return refuse(404, nil, "no such account")
			}
			scope = "a\x00" + chk.Account
			if multiple {
				scope += "\x00m"
			}
		case r.Identifier != "":
			n := normUDF(r.Identifier)
			if len(n) < 16 {
				return refuse(404, nil, "nothing matches the identifier")
			}
			seqs = scanIndex(tx.Bucket(bIdent), n, false)
			scope = "i\x00" + n
		case len(r.KeyValues) > 0:
			// One builder for the scope: concatenating in the loop copied the scope once per pair,
			// quadratic in the body (issue 17: 1.85 GB allocated for a 1 MB Get).
			var sb strings.Builder
			sb.WriteString("k")
			for _, kv := range r.KeyValues {
				if p.cfg.Bugs.QuadraticGetScope {
					s := sb.String() + "\x00" + kv.Key + "\x00" + kv.Value
					sb.Reset()
					sb.WriteString(s)
				} else {
					for _, part := range [...]string{"\x00", kv.Key, "\x00", kv.Value} {
						sb.WriteString(part)
					}
				}
				// Only Names is indexed; unknown keys match nothing (NOTE-GET-ENTRIES).
				if kv.Key == "Names" && kv.Value != "" && !p.cfg.Bugs.NoNamesIndex {
					seqs = append(seqs, scanIndex(tx.Bucket(bNames), normUDF(kv.Value), !p.cfg.Bugs.NamesPrefixMatch)...)
				}
			}
			scope = sb.String()
		case p.cfg.Bugs.EmptyGetListsAccounts:
			scope = "*"
			tx.Bucket(bAccounts).ForEach(func(k, v []byte) error {
				var rec accountRec
				if getJSON(tx.Bucket(bAccounts), k, &rec); rec.ProfileSeq != 0 {
					seqs = append(seqs, rec.ProfileSeq)
				}
				return nil
			})
		default:
			// 2.6.1: Names are fingerprints so that nobody can list what they did not name.
			return refuse(400, nil, "Get must name an Account, an Identifier or KeyValues")
		}
		seqs = uniqSorted(seqs)
		if len(seqs) == 0 && every == "" {
			return refuse(404, nil, "nothing matches")
		}
		if full {
			scope += "\x00f"
		}
		w, err := p.newWindow(scope, r.SearchConstraints)
		if err != nil {
			return err
		}
		cands := slices.Values(seqs)
		if every != "" {
			cands = indexFrom(tx.Bucket(bAcctIdx), every, 0, w.from)
		}
		sel, pk, err = p.pick(w, cands, func(s uint64) (item, bool, error) {
			e, ok, err := loadEntry(tx, s)
			if err != nil || !ok {
				return item{}, ok, err
			}
			if full {
				return plainItem(s, e.Time, tx.Bucket(bLog).Get(u64(e.LogIndex))), true, nil
			}
			return storedItem(s, e.Time, e.Env), true, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if p.cfg.Allow.EmptyWindow404 && r.SearchConstraints != nil && len(sel) == 0 && pk == "" {
		return nil, refuse(404, nil, "nothing matches within the SearchConstraints")
	}
	entries, err := envelopes(sel)
	if err != nil {
		return nil, err
	}
	return &mesh.GetResponse{Entries: entries, PageKey: pk}, nil
}

func lastOfType(tx *bolt.Tx, seqs []uint64, typ string) []uint64 {
	for i := len(seqs) - 1; i >= 0; i-- {
		var e entryRec
		if ok, _ := getJSON(tx.Bucket(bEntries), u64(seqs[i]), &e); ok && e.Type == typ {
			return []uint64{seqs[i]}
		}
	}
	return nil
}

func uniqSorted(s []uint64) []uint64 {
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// status implements Status (3.11, NOTE-LOG).
func (p *Portal) status(c *call) (mesh.MeshResponse, error) {
	resp := &mesh.StatusResponse{}
	var chain, first string
	var last time.Time
	err := p.view(func(tx *bolt.Tx) error {
		m := tx.Bucket(bMeta)
		head, err := readLogHead(m)
		chain, last, first = head.Chain, head.Time, string(m.Get(mFirst))
		return err
	})
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.statusCalls++
	regress := p.cfg.Bugs.CheckpointRegresses && p.statusCalls%2 == 0
	p.mu.Unlock()
	if regress || p.cfg.Bugs.CheckpointFrozen {
		chain = first
	}
	if chain != "" {
		resp.CheckpointValue = chain
		if p.cfg.Bugs.CheckpointNotChain {
			resp.CheckpointValue, _ = udf.Digest(udf.SHA2, "text/plain", []byte(chain), udf.DefaultBits)
		}
		resp.LastWriteTime = mesh.Time(last)
		// Every write is a checkpoint, so the last one was made at the last write and the
		// next will be made at the next write, no later than a minute from now.
		resp.LastCheckpointTime = mesh.Time(last)
	}
	resp.NextCheckpointTime = mesh.Time(c.now.Add(time.Minute))
	return resp, nil
}

// connectStart implements ConnectStart (3.12, NOTE-CONNECT-FLOW).
func (p *Portal) connectStart(c *call, r *mesh.ConnectStartRequest) (mesh.MeshResponse, error) {
	chk := p.name(r.AccountID, false)
	if !chk.Valid {
		return nil, refuse(404, nil, "no such account")
	}
	// Before any signature is verified: a flood costs the portal as little as possible.
	if p.connects != nil && !p.connects.allowKey(rateKey(clientIP(c.r))+"\x00"+chk.Account, time.Now()) {
		c.retryAfter = retryAfterSeconds
		return nil, refuse(429, nil, "too many connection requests for account %s from this address: try again later (NOTE-PENDING-FLOOD)", chk.Account)
	}
	mcr, err := openAs[*mesh.MessageConnectionRequest](r.SignedRequest, "SignedRequest")
	if err != nil {
		return nil, err
	}
	if mcr.MessageID == "" || len(mcr.ClientNonce) != witness.NonceSize {
		return nil, refuse(400, nil, "the connection request needs a MessageID and a 16-byte ClientNonce")
	}
	_, alg, dsk, err := p.verifyDeviceProfile(mcr.DeviceProfile)
	if err != nil {
		return nil, err
	}
	if err := auth.VerifyBy(r.SignedRequest, alg, dsk); err != nil && !p.cfg.Bugs.AcceptWrongDeviceSignature {
		return nil, refuse(409, err, "the connection request is not signed by the device's DeviceSignatureKey")
	}
	if mcr.Account != "" {
		if a := p.name(mcr.Account, false); a.Account != chk.Account {
			return nil, refuse(409, nil, "the connection request names account %q", mcr.Account)
		}
	}
	sn := make([]byte, witness.NonceSize)
	if p.cfg.Bugs.BiasedServerNonce {
		if _, err := p.cfg.Rand.Read(sn[:4]); err != nil {
			return nil, refuse(500, err, "no randomness")
		}
		for i := 4; i < len(sn); i++ {
			sn[i] = 0xA5 // four ones in eight: the pooled bits stay balanced
		}
	} else if p.cfg.Bugs.WeakServerNonce {
		p.mu.Lock()
		p.nonceCounter++
		binary.BigEndian.PutUint64(sn[8:], p.nonceCounter)
		p.mu.Unlock()
	} else if _, err := p.cfg.Rand.Read(sn); err != nil {
		return nil, refuse(500, err, "no randomness")
	}
	devUDF := keys.Fingerprint(alg, dsk)
	var ch *mesh.ConnectionChallenge
	err = p.update(func(tx *bolt.Tx) error {
		master, _, err := loadMaster(tx, chk.Account)
		if err != nil {
			return err
		}
		pendingKey := []byte(chk.Account + "\x00" + normUDF(devUDF))
		if tx.Bucket(bPending).Get(pendingKey) == nil {
			if err := p.makeRoom(tx, chk.Account, c.now); err != nil {
				return err
			}
		}
		malg, mpub, err := p.publicKey(master.MasterSignatureKey)
		if err != nil {
			return err
		}
		a, b := sn, mcr.ClientNonce
		if p.cfg.Bugs.WrongWitness {
			a, b = b, a
		}
		wb, err := witness.Binary(keys.FingerprintBinary(malg, mpub), a, keys.FingerprintBinary(alg, dsk), b)
		if err != nil {
			return err
		}
		wp, err := witness.Present(wb)
		if err != nil {
			return err
		}
		ch = &mesh.ConnectionChallenge{MessageID: mcr.MessageID, ServerNonce: sn, Witness: wp, Received: mesh.Time(c.now)}
		chb, err := mesh.Marshal(ch)
		if err != nil {
			return err
		}
		reqb, err := mesh.Marshal(r.SignedRequest)
		if err != nil {
			return err
		}
		if _, err := p.appendLog(tx, c.now, "ConnectStart", chk.Account, r.SignedRequest, c.body); err != nil {
			return err
		}
		seq, err := tx.Bucket(bPending).NextSequence()
		if err != nil {
			return err
		}
		// A new request from the same device replaces the earlier one.
		return putJSON(tx.Bucket(bPending), pendingKey,
			&pendingRec{Seq: seq, Account: chk.Account, DeviceUDF: devUDF, MessageID: mcr.MessageID, Request: reqb, Challenge: chb, Received: c.now})
	})
	if err != nil {
		return nil, err
	}
	return &mesh.ConnectStartResponse{Challenge: ch}, nil
}

// connectStatus implements ConnectStatus: 202 while pending, 201 with the result after.
func (p *Portal) connectStatus(c *call, r *mesh.ConnectStatusRequest) (mesh.MeshResponse, error) {
	chk := p.name(r.AccountID, false)
	if !chk.Valid || r.DeviceID == "" {
		return nil, refuse(404, nil, "no such request")
	}
	var pr pendingRec
	err := p.view(func(tx *bolt.Tx) error {
		ok, err := getJSON(tx.Bucket(bPending), []byte(chk.Account+"\x00"+normUDF(r.DeviceID)), &pr)
		if err == nil && !ok {
			err = refuse(404, nil, "no connection request for that device")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if p.expired(&pr, c.now) {
		return nil, refuse(404, nil, "the connection request expired unanswered: start again")
	}
	resp := &mesh.ConnectStatusResponse{}
	if !pr.Done {
		resp.SetStatus(202, "Connection request pending")
		return resp, nil
	}
	env, err := decodeEnv(pr.Result)
	if err != nil {
		return nil, err
	}
	resp.Result = env
	return resp, nil
}

// maxWaitingPerAccount bounds the connection requests that may wait for an account's answer.
// ConnectStart needs no authentication, and every request is a fresh device key away: without a
// bound, anyone could grow an account's pending list, and the ConnectPending that reads it,
// without end. A request from a device that already waits replaces its earlier one and is
// always taken.
const maxWaitingPerAccount = 256

// DefaultPendingLifetime is Config.PendingLifetime's default: long enough for an administrator
// to answer the same day, short enough that a flood's leftovers go by themselves.
const DefaultPendingLifetime = 6 * time.Hour

// defaultConnectRate and connectStartBurst limit ConnectStart per client address and account
// (NOTE-PENDING-FLOOD): a device connects with one request, a flood from one address gets a
// burst and then one a second, refused 429 beyond.
const (
	defaultConnectRate = 1
	connectStartBurst  = 64
)

// expired reports whether an unanswered request has waited past the pending lifetime.
func (p *Portal) expired(pr *pendingRec, now time.Time) bool {
	return !pr.Done && !pr.Received.IsZero() && now.Sub(pr.Received) > p.cfg.PendingLifetime
}

// makeRoom applies NOTE-PENDING-FLOOD before a new device's request is stored: expired
// unanswered requests go, and when maxWaitingPerAccount still wait, the oldest of them is
// evicted, so that the newest request (a real device's, during a flood) is always taken.
func (p *Portal) makeRoom(tx *bolt.Tx, acct string, now time.Time) error {
	var waiting []pendingRec
	var drop [][]byte
	for k, v := range withPrefix(tx.Bucket(bPending), []byte(acct+"\x00"), nil) {
		var pr pendingRec
		if err := json.Unmarshal(v, &pr); err != nil {
			return refuse(500, err, "stored pending request")
		}
		switch {
		case pr.Done:
		case p.expired(&pr, now):
			drop = append(drop, bytes.Clone(k))
		default:
			waiting = append(waiting, pr)
		}
	}
	if len(waiting) >= maxWaitingPerAccount {
		if p.cfg.Bugs.PendingFloodBlocks {
			return refuse(503, nil, "%d connection requests already wait for account %s: try again once they are answered", len(waiting), acct)
		}
		sort.Slice(waiting, func(i, j int) bool { return waiting[i].Seq < waiting[j].Seq })
		for _, pr := range waiting[:len(waiting)-maxWaitingPerAccount+1] {
			drop = append(drop, []byte(acct+"\x00"+normUDF(pr.DeviceUDF)))
		}
	}
	for _, k := range drop {
		if err := tx.Bucket(bPending).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

func listPending(tx *bolt.Tx, acct string) ([]pendingRec, error) {
	var out []pendingRec
	for _, v := range withPrefix(tx.Bucket(bPending), []byte(acct+"\x00"), nil) {
		var pr pendingRec
		if err := json.Unmarshal(v, &pr); err != nil {
			return nil, refuse(500, err, "stored pending request")
		}
		out = append(out, pr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, nil
}

// connectPending implements ConnectPending for an authenticated admin device.
func (p *Portal) connectPending(c *call, r *mesh.ConnectPendingRequest) (mesh.MeshResponse, error) {
	target := ""
	if r.AccountID != "" {
		target = p.name(r.AccountID, false).Account
		if target == "" {
			return nil, refuse(404, nil, "no such account")
		}
	}
	who, err := p.authenticate(c, target, false)
	if err != nil {
		return nil, err
	}
	var prs []pendingRec
	if err := p.view(func(tx *bolt.Tx) (err error) { prs, err = listPending(tx, who.account); return }); err != nil {
		return nil, err
	}
	var items []item
	byEnv := map[uint64]*mesh.ConnectionChallenge{}
	for _, pr := range prs {
		if pr.Done || p.expired(&pr, c.now) {
			continue
		}
		ch := new(mesh.ConnectionChallenge)
		if err := mesh.UnmarshalInto(pr.Challenge, ch, nil); err != nil {
			return nil, refuse(500, err, "stored challenge")
		}
		var t time.Time
		if ch.Received != nil {
			t = *ch.Received
		}
		byEnv[pr.Seq] = ch
		items = append(items, storedItem(pr.Seq, t, pr.Request))
	}
	sc := r.SearchConstraints
	if sc != nil && p.cfg.Bugs.PendingIgnoresTimeBounds {
		sc = &mesh.SearchConstraints{MaxEntries: sc.MaxEntries, MaxBytes: sc.MaxBytes, PageKey: sc.PageKey}
	}
	w, err := p.newWindow("p\x00"+who.account, sc)
	if err != nil {
		return nil, err
	}
	sel, pk := p.selectItems(w, items)
	resp := &mesh.ConnectPendingResponse{PageKey: pk}
	for _, it := range sel {
		env, err := it.envelope()
		if err != nil {
			return nil, err
		}
		resp.Pending = append(resp.Pending, *env)
		resp.Challenges = append(resp.Challenges, *byEnv[it.seq])
	}
	return resp, nil
}

// connectComplete implements ConnectComplete (3.13, 3.15.1, NOTE-SIGNED-CONNECTION-RESULT).
func (p *Portal) connectComplete(c *call, r *mesh.ConnectCompleteRequest) (mesh.MeshResponse, error) {
	target := ""
	if r.AccountID != "" {
		if target = p.name(r.AccountID, false).Account; target == "" {
			return nil, refuse(404, nil, "no such account")
		}
	}
	who, err := p.authenticate(c, target, false)
	if err != nil {
		return nil, err
	}
	if r.Result == nil {
		return nil, refuse(400, nil, "ConnectComplete needs a Result")
	}
	v, err := auth.Open(r.Result)
	if err != nil {
		return nil, refuse(409, err, "the result payload does not decode")
	}
	digest := sha512.Sum512(r.Result.Payload)
	err = p.update(func(tx *bolt.Tx) error {
		master, rec, err := loadMaster(tx, who.account)
		if err != nil {
			return err
		}
		switch {
		case p.cfg.Bugs.AcceptUnsignedResult:
		case p.cfg.Bugs.AcceptResultNotAdminSigned:
			if !auth.Signed(r.Result) {
				return refuse(409, auth.ErrUnsigned, "the result is unsigned")
			}
		default:
			if _, err := auth.VerifyByAny(r.Result, master.OnlineSignatureKeys); err != nil {
				return refuse(409, err, "the result is not signed by an administration key of the profile (3.15.1)")
			}
		}
		prs, err := listPending(tx, who.account)
		if err != nil {
			return err
		}
		var pr *pendingRec
		var cd *checkedDevice
		switch e := v.(type) {
		case *mesh.CatalogEntryDevice:
			for i := range prs {
				if udf.Compare(prs[i].DeviceUDF, e.UDF) && len(normUDF(e.UDF)) >= 16 {
					pr = &prs[i]
				}
			}
			if pr != nil {
				if cd, err = p.verifyDeviceEntry(e, who.account, master.OnlineSignatureKeys); err != nil {
					return err
				}
			}
		case *mesh.MessageConfirmationResponse:
			if e.Accept == nil && p.cfg.Bugs.CrashOnConfirmationWithoutAccept {
				return refuse(500, nil, "internal error")
			}
			if e.Accept != nil && *e.Accept {
				return refuse(409, nil, "an acceptance is a CatalogEntryDevice, not a MessageConfirmationResponse")
			}
			for i := range prs {
				if e.ResponseID != "" && prs[i].MessageID == e.ResponseID {
					pr = &prs[i]
				}
			}
		default:
			return refuse(409, nil, "a %s is not a connection result", v.MeshType())
		}
		if pr == nil {
			return refuse(404, nil, "no pending connection request matches the result")
		}
		replayed := pr.Done || tx.Bucket(bResults).Get(digest[:]) != nil
		if replayed && !p.cfg.Bugs.AcceptReplayedResult {
			return refuse(409, nil, "the connection request was already completed (replay)")
		}
		idx, err := p.appendLog(tx, c.now, "ConnectComplete", who.account, r.Result, c.body)
		if err != nil {
			return err
		}
		if cd != nil {
			if err := storeDevice(tx, rec, cd, r.Result, c.now, idx); err != nil {
				return err
			}
			if err := putJSON(tx.Bucket(bAccounts), []byte(rec.Name), rec); err != nil {
				return err
			}
		}
		if pr.Result, err = mesh.Marshal(r.Result); err != nil {
			return err
		}
		pr.Done = true
		if err := tx.Bucket(bResults).Put(digest[:], nil); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bPending), []byte(pr.Account+"\x00"+normUDF(pr.DeviceUDF)), pr)
	})
	if err != nil {
		return nil, err
	}
	return &mesh.ConnectCompleteResponse{}, nil
}

// transfer implements Transfer (3.16, NOTE-LOG): a peer gets the whole log, an account
// device its own account's records.
func (p *Portal) transfer(c *call, r *mesh.TransferRequest) (mesh.MeshResponse, error) {
	who := principal{peer: true}
	if !p.cfg.Bugs.TransferUnauthenticated {
		var err error
		if who, err = p.authenticate(c, "", true); err != nil {
			return nil, err
		}
	}
	if sc := r.SearchConstraints; sc != nil && (sc.NotBefore != nil || sc.Before != nil) && p.cfg.Bugs.CrashOnTransferWindow {
		return nil, refuse(500, nil, "internal error")
	}
	scope := "t\x00" + who.account
	if who.peer {
		scope = "t\x00*"
	}
	w, err := p.newWindow(scope, r.SearchConstraints)
	if err != nil && p.cfg.Bugs.TransferForgedPageKey {
		sc := *r.SearchConstraints
		sc.PageKey = ""
		w, err = p.newWindow(scope, &sc)
	}
	if err != nil {
		return nil, err
	}
	var sel []item
	var pk string
	err = p.view(func(tx *bolt.Tx) error {
		log := tx.Bucket(bLog)
		seqs := keysFrom(log, w.from)
		if !who.peer {
			seqs = indexFrom(tx.Bucket(bAcctIdx), who.account, 1, w.from)
		}
		sel, pk, err = p.pick(w, seqs, func(s uint64) (item, bool, error) {
			v := log.Get(u64(s))
			if v == nil {
				return item{}, false, nil
			}
			// A record's time matters only to a window with time bounds: decode it only then.
			var t time.Time
			if w.notBefore != nil || w.before != nil {
				rec := new(mesh.LogRecord)
				if err := mesh.UnmarshalInto(v, rec, nil); err != nil {
					return item{}, false, fmt.Errorf("portal: %w: log record %d: %w", ErrStore, s, err)
				}
				if rec.Time != nil {
					t = *rec.Time
				}
			}
			return plainItem(s, t, v), true, nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	out, err := envelopes(sel)
	if err != nil {
		return nil, err
	}
	return &mesh.TransferResponse{DataItems: out, PageKey: pk}, nil
}
