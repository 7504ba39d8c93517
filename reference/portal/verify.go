package portal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
)

// Refusal is a request the portal turns down with a payload Status and a reason.
type Refusal struct {
	Status int32
	Reason string
	Err    error
}

func (r *Refusal) Error() string {
	if r.Err != nil {
		return fmt.Sprintf("%d %s: %v", r.Status, r.Reason, r.Err)
	}
	return fmt.Sprintf("%d %s", r.Status, r.Reason)
}

func (r *Refusal) Unwrap() error { return r.Err }

func refuse(status int32, err error, format string, a ...any) *Refusal {
	return &Refusal{Status: status, Reason: fmt.Sprintf(format, a...), Err: err}
}

func asRefusal(err error) *Refusal {
	var r *Refusal
	if errors.As(err, &r) {
		return r
	}
	return &Refusal{Status: 500, Reason: "internal error", Err: err}
}

// openAs decodes an envelope's payload and checks its tag.
func openAs[T mesh.Structure](env *mesh.DareMessage, what string) (T, error) {
	var zero T
	if env == nil {
		return zero, refuse(400, nil, "%s is missing", what)
	}
	v, err := auth.Open(env)
	if err != nil {
		return zero, refuse(409, err, "%s payload does not decode", what)
	}
	t, ok := v.(T)
	if !ok {
		return zero, refuse(409, nil, "%s is a %s, not a %s", what, v.MeshType(), zero.MeshType())
	}
	return t, nil
}

// verifyMaster checks a ProfileMaster envelope signed by its own MasterSignatureKey (2.6).
func (p *Portal) verifyMaster(env *mesh.DareMessage) (*mesh.ProfileMaster, string, error) {
	pm, err := openAs[*mesh.ProfileMaster](env, "MasterProfile")
	if err != nil {
		return nil, "", err
	}
	alg, pub, err := p.publicKey(pm.MasterSignatureKey)
	if err != nil {
		return nil, "", refuse(409, err, "MasterSignatureKey is not a usable key")
	}
	if p.cfg.Bugs.RefuseHeaderSignatures && env.Header != nil && len(env.Header.Signatures) > 0 {
		return nil, "", refuse(409, nil, "signatures belong in the trailer")
	}
	if p.cfg.Bugs.RefuseKidlessSignatures && !kidNamed(env) {
		return nil, "", refuse(409, nil, "a signature names no key")
	}
	if err := auth.VerifyBy(env, alg, pub); err != nil && !p.cfg.Bugs.AcceptUnsignedProfile &&
		!(p.cfg.Bugs.SignatureBytesUnchecked && kidOnly(env, keys.Fingerprint(alg, pub))) {
		return nil, "", refuse(409, err, "ProfileMaster is not signed by its MasterSignatureKey")
	}
	if len(pm.OnlineSignatureKeys) == 0 {
		return nil, "", refuse(409, nil, "ProfileMaster has no OnlineSignatureKeys")
	}
	return pm, keys.Fingerprint(alg, pub), nil
}

// verifyMeshProfile checks a ProfileMesh envelope: its embedded master and its signature by an
// OnlineSignatureKey of that master (2.6, NOTE-CREATE-PROFILE).
func (p *Portal) verifyMeshProfile(env *mesh.DareMessage) (*mesh.ProfileMesh, *mesh.ProfileMaster, string, error) {
	pm, err := openAs[*mesh.ProfileMesh](env, "Profile")
	if err != nil && p.cfg.Bugs.CrashOnUndecodableProfile && env != nil {
		if _, derr := auth.Open(env); derr != nil {
			return nil, nil, "", refuse(500, derr, "the profile payload does not decode")
		}
	}
	if err != nil {
		return nil, nil, "", err
	}
	master, mfp, err := p.checkMeshProfile(env, pm)
	return pm, master, mfp, err
}

// checkMeshProfile is verifyMeshProfile for an envelope whose payload pm is already decoded.
func (p *Portal) checkMeshProfile(env *mesh.DareMessage, pm *mesh.ProfileMesh) (*mesh.ProfileMaster, string, error) {
	master, mfp, err := p.verifyMaster(pm.MasterProfile)
	if err != nil {
		return nil, "", err
	}
	switch {
	case p.cfg.Bugs.AcceptUnsignedProfile:
	case p.cfg.Bugs.AcceptMeshProfileNotSignedByOSK:
		if !auth.Signed(env) {
			return nil, "", refuse(409, auth.ErrUnsigned, "ProfileMesh is unsigned")
		}
	default:
		if _, err := auth.VerifyByAny(env, master.OnlineSignatureKeys); err != nil {
			return nil, "", refuse(409, err, "ProfileMesh is not signed by an OnlineSignatureKey of its master")
		}
	}
	return master, mfp, nil
}

// verifyDeviceProfile checks a ProfileDevice envelope signed by its own DeviceSignatureKey.
func (p *Portal) verifyDeviceProfile(env *mesh.DareMessage) (*mesh.ProfileDevice, keys.Algorithm, []byte, error) {
	pd, err := openAs[*mesh.ProfileDevice](env, "DeviceProfile")
	if err != nil {
		return nil, 0, nil, err
	}
	alg, pub, err := p.publicKey(pd.DeviceSignatureKey)
	if err != nil {
		return nil, 0, nil, refuse(409, err, "DeviceSignatureKey is not a usable key")
	}
	if _, _, err := p.publicKey(pd.DeviceAuthenticationKey); err != nil {
		return nil, 0, nil, refuse(409, err, "DeviceAuthenticationKey is not a usable key")
	}
	if err := auth.VerifyBy(env, alg, pub); err != nil && !p.cfg.Bugs.AcceptWrongDeviceSignature &&
		!(p.cfg.Bugs.AcceptUnsignedEntry && errors.Is(err, auth.ErrUnsigned)) {
		return nil, 0, nil, refuse(409, err, "ProfileDevice is not signed by its DeviceSignatureKey")
	}
	return pd, alg, pub, nil
}

// checkedDevice is a verified CatalogEntryDevice with its device profile.
type checkedDevice struct {
	entry     *mesh.CatalogEntryDevice
	profile   *mesh.ProfileDevice
	profEnv   *mesh.DareMessage
	deviceUDF string
	authUDF   string
}

// verifyDeviceEntry checks the contents of a CatalogEntryDevice (NOTE-CREATE-DEVICE): its
// ProfileMeshDevicePublicSigned is signed by one of admins (the OnlineSignatureKeys of the
// master: 7.1.5, the device credential is signed by an administration device), and its UDF and
// AuthUDF name the keys of the self-signed device profile it carries. The signature on the
// entry itself is checked by the caller. admins nil skips the nested check (no master known).
func (p *Portal) verifyDeviceEntry(e *mesh.CatalogEntryDevice, account string, admins []mesh.PublicKey) (*checkedDevice, error) {
	if e.ProfileMeshDevicePublicSigned == nil {
		return nil, refuse(409, nil, "CatalogEntryDevice has no ProfileMeshDevicePublicSigned")
	}
	if admins != nil && !p.cfg.Bugs.AcceptDeviceCredentialNotAdminSigned {
		if _, err := auth.VerifyByAny(e.ProfileMeshDevicePublicSigned, admins); err != nil {
			return nil, refuse(409, err, "ProfileMeshDevicePublicSigned is not signed by an OnlineSignatureKey of the master (7.1.5)")
		}
	}
	pub, err := openAs[*mesh.ProfileMeshDevicePublic](e.ProfileMeshDevicePublicSigned, "ProfileMeshDevicePublicSigned")
	if err != nil {
		return nil, err
	}
	pd, alg, dsk, err := p.verifyDeviceProfile(pub.DeviceProfile)
	if err != nil {
		return nil, err
	}
	dalg, dak, _ := p.publicKey(pd.DeviceAuthenticationKey)
	dfp, afp := keys.Fingerprint(alg, dsk), keys.Fingerprint(dalg, dak)
	if !udf.Compare(e.UDF, dfp) {
		return nil, refuse(409, nil, "CatalogEntryDevice.UDF is not the fingerprint of the DeviceSignatureKey")
	}
	if !udf.Compare(e.AuthUDF, afp) {
		return nil, refuse(409, nil, "CatalogEntryDevice.AuthUDF is not the fingerprint of the DeviceAuthenticationKey")
	}
	// The two Create knobs loosen this comparison too, or the entry would refuse what they let in.
	if e.Account != "" && !p.cfg.Bugs.CreateIgnoresProfileAccount {
		if c := p.name(e.Account, p.cfg.Bugs.CreateCaseSensitive); !c.Valid || c.Account != account {
			return nil, refuse(409, nil, "CatalogEntryDevice names account %q, not %q", e.Account, account)
		}
	}
	return &checkedDevice{entry: e, profile: pd, profEnv: pub.DeviceProfile, deviceUDF: dfp, authUDF: afp}, nil
}

// publicKey reads a PublicKey, refusing one whose UDF names another key (NOTE-PUBLIC-KEY-UDF)
// unless the ignore-public-key-udf knob is on.
func (p *Portal) publicKey(pk *mesh.PublicKey) (keys.Algorithm, []byte, error) {
	if p.cfg.Bugs.IgnorePublicKeyUDF && pk != nil {
		bare := *pk
		bare.UDF = ""
		pk = &bare
	}
	return keys.FromMeshPublicKey(pk)
}

// kidOnly is the signature-bytes-unchecked knob's test: some signature names the key, or
// names none.
func kidOnly(env *mesh.DareMessage, fp string) bool {
	for _, s := range auth.Signatures(env) {
		if s.Kid == "" || udf.Compare(s.Kid, fp) {
			return true
		}
	}
	return false
}

// staleRead is the stale-reads knob: a response cache keyed by transaction and request body
// that no write invalidates.
func (p *Portal) staleRead(c *call, read func() (mesh.MeshResponse, error)) (mesh.MeshResponse, error) {
	type answer struct {
		resp mesh.MeshResponse
		err  error
	}
	key := c.tx.Name + "\x00" + string(c.body)
	if v, ok := p.stale.Load(key); ok {
		a := v.(answer)
		return a.resp, a.err
	}
	resp, err := read()
	p.stale.Store(key, answer{resp, err})
	return resp, err
}

// laxAuthorization is the lax-authorization knob's parser: of a repeated parameter the last
// value wins, and the nonce, whatever its length, is swapped for one auth.Parse accepts (the
// original, returned beside the header, is restored before the signature is checked).
func laxAuthorization(hv string) (header, nonce string) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(hv), " ")
	var order []string
	vals := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if _, seen := vals[k]; !seen {
			order = append(order, k)
		}
		vals[k] = v
	}
	nonce = strings.Trim(vals["nonce"], `"`)
	vals["nonce"] = `"AAAAAAAAAAAAAAAAAAAAAA"`
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, k+"="+vals[k])
	}
	return scheme + " " + strings.Join(parts, ", "), nonce
}

// kidNamed is the refuse-kidless-signatures knob's test: every signature has a kid.
func kidNamed(env *mesh.DareMessage) bool {
	for _, s := range auth.Signatures(env) {
		if s.Kid == "" {
			return false
		}
	}
	return true
}
