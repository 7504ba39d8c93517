package client

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/witness"
)

func account(t *testing.T, seed string) *Account {
	t.Helper()
	m, err := NewMaster(keys.Ed448, []byte(seed+"m"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDevice(keys.Ed448, []byte(seed+"d"))
	if err != nil {
		t.Fatal(err)
	}
	return &Account{Name: "alice@example.com", Master: m, Device: d}
}

func TestDeterministicMaterial(t *testing.T) {
	a, b := account(t, "x"), account(t, "x")
	if a.Master.UDF() != b.Master.UDF() || a.Device.UDF() != b.Device.UDF() || a.Device.AuthUDF() == a.Device.UDF() {
		t.Fatal("material from one seed must be identical, and the device keys distinct")
	}
	r1, err := a.CreateRequest()
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := b.CreateRequest()
	if !mesh.Equal(r1, r2) {
		t.Fatal("CreateRequest is not deterministic")
	}
	if _, err := (&Account{Name: "x", Device: a.Device}).CreateRequest(); !errors.Is(err, ErrNotAdmin) {
		t.Fatalf("no master: %v", err)
	}
	rnd, _ := NewMaster(keys.Ed448, nil)
	if rnd.UDF() == a.Master.UDF() {
		t.Fatal("random material equals seeded material")
	}
}

func TestVerifyProfile(t *testing.T) {
	a, other := account(t, "a"), account(t, "b")
	good, err := a.Master.ProfileMesh(a.Name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyProfile(good, "ALICE"); err != nil {
		t.Fatalf("bare upper-case name: %v", err)
	}
	pm := must(auth.Open(good)).(*mesh.ProfileMesh)
	// A new version of the profile verifies too, and says when it was made.
	at := time.Unix(1_800_000_000, 0).UTC()
	updated, err := a.Master.ProfileMeshAt(a.Name, at)
	if err != nil {
		t.Fatal(err)
	}
	vp, err := VerifyProfile(updated, a.Name)
	if err != nil {
		t.Fatalf("updated profile: %v", err)
	}
	if u := must(auth.Open(updated)).(*mesh.ProfileMesh).Updated; u == nil || !u.Equal(at) || vp == nil {
		t.Errorf("updated profile: Updated %v, want %v", u, at)
	}
	forge := func(mod func(*mesh.ProfileMesh) mesh.Structure, signer keys.Signer) *mesh.DareMessage {
		cp := *pm
		return must(auth.SignStructure(mod(&cp), signer))
	}
	cases := map[string]*mesh.DareMessage{
		"signed by the MSK": forge(func(p *mesh.ProfileMesh) mesh.Structure { return p }, a.Master.MSK),
		"another master": forge(func(p *mesh.ProfileMesh) mesh.Structure {
			p.MasterProfile = must(other.Master.ProfileMaster())
			return p
		}, a.Master.OSK),
		"unsigned":      must(auth.SignStructure(pm)),
		"not a profile": must(auth.SignStructure(&mesh.Contact{}, a.Master.OSK)),
	}
	for name, env := range cases {
		if _, err := VerifyProfile(env, a.Name); !errors.Is(err, ErrForged) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := VerifyProfile(good, "bob@example.com"); !errors.Is(err, ErrForged) {
		t.Errorf("wrong account: %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestCheckPending(t *testing.T) {
	a := account(t, "admin")
	dev := must(NewDevice(keys.Ed448, []byte("dev")))
	cn := make([]byte, 16)
	sn := make([]byte, 16)
	sn[0] = 1
	mcr := &mesh.MessageConnectionRequest{MessageID: "m", DeviceProfile: must(dev.ProfileDevice()), ClientNonce: cn}
	env := must(auth.SignStructure(mcr, dev.DSK))
	w := must(Witness(a.Master.MSK.Algorithm(), a.Master.MSK.PublicBytes(), keys.Ed448, dev.DSK.PublicBytes(), sn, cn))
	ok := checkPending(env, mesh.ConnectionChallenge{ServerNonce: sn, Witness: w}, a.Master)
	if ok.Err != nil || ok.DeviceUDF != dev.UDF() {
		t.Fatalf("good request: %v", ok.Err)
	}
	if r := checkPending(env, mesh.ConnectionChallenge{ServerNonce: sn, Witness: "AAAA-" + w[5:]}, a.Master); !errors.Is(r.Err, ErrWitness) {
		t.Fatalf("wrong witness: %v", r.Err)
	}
	wrong := must(auth.SignStructure(mcr, a.Device.DSK))
	if r := checkPending(wrong, mesh.ConnectionChallenge{ServerNonce: sn, Witness: w}, a.Master); !errors.Is(r.Err, ErrForged) {
		t.Fatalf("wrong signer: %v", r.Err)
	}
}

func TestPinID(t *testing.T) {
	pin := must(witness.NewPIN(nil, time.Now()))
	a := must(PinID(pin.Value, "alice@example.com", "DEV1"))
	if a == must(PinID(pin.Value, "alice@example.com", "DEV2")) || a == must(PinID(pin.Value, "bob@example.com", "DEV1")) {
		t.Fatal("the PIN authenticator must bind the account and the device")
	}
}

// TestForgedPortal: a portal that answers with forged material gets typed errors.
func TestForgedPortal(t *testing.T) {
	a, other := account(t, "real"), account(t, "evil")
	forged := must(other.Master.ProfileMesh(a.Name))
	// A profile for alice whose mesh profile is signed by a device key, not an OSK.
	pm := must(auth.Open(forged))
	badChain := must(auth.SignStructure(pm, other.Device.DSK))
	answers := map[string]string{
		"GetResponse": string(must(mesh.EncodeResponse(&mesh.GetResponse{Entries: []mesh.DareMessage{*badChain}}))),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(answers["GetResponse"]))
	}))
	defer srv.Close()
	c := New(srv.URL)
	if _, err := c.FetchProfile(context.Background(), a.Name); !errors.Is(err, ErrForged) {
		t.Fatalf("forged profile: %v", err)
	}
	if _, err := c.StartConnection(context.Background(), a.Name, a.Device, ""); !errors.Is(err, ErrForged) {
		t.Fatalf("connection to a forged profile: %v", err)
	}
	// A non-JSON answer is a protocol error, a refused one a StatusError.
	answers["GetResponse"] = "<html>"
	if _, _, err := c.Get(context.Background(), &mesh.GetRequest{Account: "x"}); !errors.Is(err, ErrProtocol) {
		t.Fatalf("html: %v", err)
	}
	answers["GetResponse"] = `{"GetResponse":{"Status":404,"StatusDescription":"no"}}`
	var se *StatusError
	if _, _, err := c.Get(context.Background(), &mesh.GetRequest{Account: "x"}); !errors.As(err, &se) || se.Status != 404 {
		t.Fatalf("404: %v", err)
	}
}
