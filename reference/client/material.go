package client

import (
	"fmt"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Master holds the keys of a master profile: the MasterSignatureKey (MSK) that signs the
// ProfileMaster and an OnlineSignatureKey (OSK) that signs everything administrative.
type Master struct {
	MSK, OSK *keys.PrivateKey
}

// Device holds the keys of a device: signature (DSK), authentication (DAK), encryption (DEK).
type Device struct {
	DSK, DAK, DEK *keys.PrivateKey
}

func gen(alg keys.Algorithm, seed []byte, label string) (*keys.PrivateKey, error) {
	if seed == nil {
		return keys.Generate(alg, nil)
	}
	return keys.Derive(alg, seed, label)
}

// NewMaster makes master keys: deterministic from seed, or from crypto/rand when seed is nil.
func NewMaster(alg keys.Algorithm, seed []byte) (*Master, error) {
	msk, err := gen(alg, seed, "meshclient MSK")
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	osk, err := gen(alg, seed, "meshclient OSK")
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &Master{MSK: msk, OSK: osk}, nil
}

// NewDevice makes device keys: deterministic from seed, or from crypto/rand when seed is nil.
func NewDevice(alg keys.Algorithm, seed []byte) (*Device, error) {
	var ks [3]*keys.PrivateKey
	for i, label := range []string{"meshclient DSK", "meshclient DAK", "meshclient DEK"} {
		k, err := gen(alg, seed, label)
		if err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
		ks[i] = k
	}
	return &Device{DSK: ks[0], DAK: ks[1], DEK: ks[2]}, nil
}

func pub(k *keys.PrivateKey) *mesh.PublicKey {
	return keys.ToMeshPublicKey(k.Algorithm(), k.PublicBytes())
}

// UDF is the master's identity: the fingerprint of its MasterSignatureKey.
func (m *Master) UDF() string { return m.MSK.Fingerprint() }

// UDF is the device's identity: the fingerprint of its DeviceSignatureKey (2.6.6).
func (d *Device) UDF() string { return d.DSK.Fingerprint() }

// AuthUDF is the fingerprint of the DeviceAuthenticationKey.
func (d *Device) AuthUDF() string { return d.DAK.Fingerprint() }

// ProfileMaster returns the ProfileMaster signed by the MSK.
func (m *Master) ProfileMaster() (*mesh.DareMessage, error) {
	return auth.SignStructure(&mesh.ProfileMaster{Names: []string{m.UDF()}, MasterSignatureKey: pub(m.MSK),
		OnlineSignatureKeys: []mesh.PublicKey{*pub(m.OSK)}}, m.MSK)
}

// ProfileMesh returns the account's ProfileMesh, embedding the signed ProfileMaster, signed
// by the OSK (NOTE-CREATE-PROFILE).
func (m *Master) ProfileMesh(account string) (*mesh.DareMessage, error) {
	return m.profileMesh(account, nil)
}

// ProfileMeshAt is ProfileMesh marked Updated at the given time: a new version of the profile,
// signed anew.
func (m *Master) ProfileMeshAt(account string, updated time.Time) (*mesh.DareMessage, error) {
	return m.profileMesh(account, &updated)
}

func (m *Master) profileMesh(account string, updated *time.Time) (*mesh.DareMessage, error) {
	mp, err := m.ProfileMaster()
	if err != nil {
		return nil, err
	}
	return auth.SignStructure(&mesh.ProfileMesh{Names: []string{m.UDF()}, Account: account, MasterProfile: mp,
		Updated: updated}, m.OSK)
}

// ProfileDevice returns the device profile signed by its own DSK (2.6).
func (d *Device) ProfileDevice() (*mesh.DareMessage, error) {
	return auth.SignStructure(&mesh.ProfileDevice{Names: []string{d.UDF()}, DeviceSignatureKey: pub(d.DSK),
		DeviceAuthenticationKey: pub(d.DAK), DeviceEncryptionKey: pub(d.DEK)}, d.DSK)
}

// CatalogEntry returns the CatalogEntryDevice that authorises a device with the given signed
// device profile, signed by the OSK (NOTE-CREATE-DEVICE, NOTE-SIGNED-CONNECTION-RESULT).
func (m *Master) CatalogEntry(account string, deviceProfile *mesh.DareMessage) (*mesh.DareMessage, error) {
	v, err := auth.Open(deviceProfile)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	pd, ok := v.(*mesh.ProfileDevice)
	if !ok {
		return nil, fmt.Errorf("client: %w: %s is not a ProfileDevice", ErrForged, v.MeshType())
	}
	dalg, dsk, err := keys.FromMeshPublicKey(pd.DeviceSignatureKey)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	aalg, dak, err := keys.FromMeshPublicKey(pd.DeviceAuthenticationKey)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	pubSigned, err := auth.SignStructure(&mesh.ProfileMeshDevicePublic{DeviceProfile: deviceProfile}, m.OSK)
	if err != nil {
		return nil, err
	}
	return auth.SignStructure(&mesh.CatalogEntryDevice{Account: account, UDF: keys.Fingerprint(dalg, dsk),
		AuthUDF: keys.Fingerprint(aalg, dak), ProfileMeshDevicePublicSigned: pubSigned}, m.OSK)
}

// Account is what a device knows of its account: the name, its device keys and, on an
// administration device, the master keys.
type Account struct {
	Name   string
	Master *Master // nil on a device that cannot administer
	Device *Device
	// Sessions, when set, is where the account's requests keep their session
	// (NOTE-AUTH-SESSION); nil signs every request.
	Sessions *Sessions
}

// CreateRequest builds everything CreateAccount needs.
func (a *Account) CreateRequest() (*mesh.CreateRequest, error) {
	if a.Master == nil {
		return nil, fmt.Errorf("client: %w", ErrNotAdmin)
	}
	prof, err := a.Master.ProfileMesh(a.Name)
	if err != nil {
		return nil, err
	}
	dp, err := a.Device.ProfileDevice()
	if err != nil {
		return nil, err
	}
	dev, err := a.Master.CatalogEntry(a.Name, dp)
	if err != nil {
		return nil, err
	}
	return &mesh.CreateRequest{Account: a.Name, Profile: prof, Device: dev}, nil
}

// Auth returns the authentication of requests made by this device for its account.
func (a *Account) Auth() *Auth {
	return &Auth{Signer: a.Device.DAK, Account: a.Name, Sessions: a.Sessions}
}
