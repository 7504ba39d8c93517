package witness

import (
	"bytes"
	"crypto/sha512"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/udf"
)

func TestWitnessComposition(t *testing.T) {
	m, _ := keys.Derive(keys.Ed448, nil, "master")
	d, _ := keys.Derive(keys.Ed448, nil, "device")
	sn, cn := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 16)
	got, err := FromKeys(keys.Ed448, m.PublicBytes(), sn, d.PublicBytes(), cn)
	if err != nil {
		t.Fatal(err)
	}
	// Recompute from the definition, independently of Binary's code path.
	mu, du := keys.FingerprintBinary(keys.Ed448, m.PublicBytes()), keys.FingerprintBinary(keys.Ed448, d.PublicBytes())
	h1 := sha512.Sum512(append(mu, sn...))
	h2 := sha512.Sum512(append(du, cn...))
	w := sha512.Sum512(append(h1[:], h2[:]...))
	want, _ := udf.Present(w[:], 140)
	if got != want || len(got) != 34 {
		t.Fatalf("witness %s want %s", got, want)
	}
	// Every input matters, and the roles are not symmetric.
	variants := map[string]func() (string, error){
		"swap keys":   func() (string, error) { return FromKeys(keys.Ed448, d.PublicBytes(), sn, m.PublicBytes(), cn) },
		"swap nonces": func() (string, error) { return FromKeys(keys.Ed448, m.PublicBytes(), cn, d.PublicBytes(), sn) },
		"server nonce bit": func() (string, error) {
			x := append([]byte(nil), sn...)
			x[15] ^= 1
			return FromKeys(keys.Ed448, m.PublicBytes(), x, d.PublicBytes(), cn)
		},
	}
	for name, f := range variants {
		v, err := f()
		if err != nil || v == got {
			t.Errorf("%s: %s %v", name, v, err)
		}
	}
}

func TestWitnessErrors(t *testing.T) {
	k, _ := keys.Derive(keys.Ed25519, nil, "k")
	n := make([]byte, 16)
	cases := []struct {
		name string
		err  error
	}{
		{"short nonce", second(FromKeys(keys.Ed25519, k.PublicBytes(), n[:15], k.PublicBytes(), n))},
		{"wrong key size", second(FromKeys(keys.Ed448, k.PublicBytes(), n, k.PublicBytes(), n))},
		{"short fingerprint", second(Binary(make([]byte, 63), n, make([]byte, 64), n))},
	}
	for _, c := range cases {
		if !errors.Is(c.err, ErrInput) {
			t.Errorf("%s: %v", c.name, c.err)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func TestPIN(t *testing.T) {
	t0 := time.Date(2019, 4, 1, 12, 0, 0, 0, time.UTC)
	pin, err := NewPIN(bytes.NewReader(bytes.Repeat([]byte{0x5a}, 16)), t0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pin.Value, "NB") || len(pin.Value) != 34 {
		t.Fatalf("PIN %s is not a 28-character nonce UDF", pin.Value)
	}
	cases := []struct {
		name string
		pin  PIN
		now  time.Time
		want error
	}{
		{"fresh", pin, t0, nil},
		{"just before expiry", pin, t0.Add(PINLifetime - time.Second), nil},
		{"at expiry", pin, t0.Add(PINLifetime), ErrPINExpired},
		{"a day later", pin, t0.Add(24 * time.Hour), ErrPINExpired},
		{"issued in the future", pin, t0.Add(-time.Second), ErrPINFuture},
		{"a secret, not a nonce", PIN{Value: "EALD-BHS4-SQXO-V7HJ-VPGX-36DA-JS2Q", Issued: t0}, t0, ErrPINFormat},
		{"too few bits", PIN{Value: pin.Value[:24], Issued: t0}, t0, ErrPINFormat},
		{"garbage", PIN{Value: "not a pin", Issued: t0}, t0, ErrPINFormat},
	}
	for _, c := range cases {
		if err := c.pin.Check(c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v want %v", c.name, err, c.want)
		}
	}
	if _, err := NewPIN(bytes.NewReader(nil), t0); err == nil {
		t.Error("PIN from no randomness")
	}
}
