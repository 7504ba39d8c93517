package witness

import (
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/udf"
)

// NonceSize is the size of the server and client nonces: 128 bits.
const NonceSize = 16

// FingerprintSize is the size of the binary UDF the witness hashes.
const FingerprintSize = 64

// Errors callers branch on.
var (
	ErrInput      = errors.New("bad witness input")
	ErrPINFormat  = errors.New("not a connection PIN")
	ErrPINExpired = errors.New("connection PIN expired")
	ErrPINFuture  = errors.New("connection PIN issued in the future")
)

// Binary returns SHA-512(SHA-512(masterUDF || serverNonce) || SHA-512(deviceUDF || clientNonce)),
// where the UDFs are the 64-byte binary fingerprints of the master profile signature key and
// of the device signature key.
func Binary(masterUDF, serverNonce, deviceUDF, clientNonce []byte) ([]byte, error) {
	for _, c := range []struct {
		name string
		v    []byte
		n    int
	}{{"master UDF", masterUDF, FingerprintSize}, {"server nonce", serverNonce, NonceSize},
		{"device UDF", deviceUDF, FingerprintSize}, {"client nonce", clientNonce, NonceSize}} {
		if len(c.v) != c.n {
			return nil, fmt.Errorf("witness: %w: %s of %d bytes, want %d", ErrInput, c.name, len(c.v), c.n)
		}
	}
	s1 := sha512.Sum512(append(append([]byte(nil), masterUDF...), serverNonce...))
	s2 := sha512.Sum512(append(append([]byte(nil), deviceUDF...), clientNonce...))
	w := sha512.Sum512(append(s1[:], s2[:]...))
	return w[:], nil
}

// Present shows a binary witness as its first 140 bits in Base32 with dashes, no type byte.
func Present(w []byte) (string, error) { return udf.Present(w, udf.DefaultBits) }

// FromKeys computes the presented witness from the two raw signature public keys.
func FromKeys(alg keys.Algorithm, masterPublic, serverNonce, devicePublic, clientNonce []byte) (string, error) {
	for _, pub := range [][]byte{masterPublic, devicePublic} {
		if err := keys.CheckPublic(alg, pub); err != nil {
			return "", fmt.Errorf("witness: %w: %w", ErrInput, err)
		}
	}
	w, err := Binary(keys.FingerprintBinary(alg, masterPublic), serverNonce,
		keys.FingerprintBinary(alg, devicePublic), clientNonce)
	if err != nil {
		return "", err
	}
	return Present(w)
}

// PINLifetime is how long a connection PIN stays valid.
const PINLifetime = 4 * time.Hour

// PIN is a connection PIN and the moment it was issued.
type PIN struct {
	Value  string
	Issued time.Time
}

// NewPIN issues a PIN: a nonce UDF of 128 random bits (28 characters, which the drafts call
// "125 bit").
func NewPIN(r io.Reader, now time.Time) (PIN, error) {
	v, err := udf.Nonce(r, 128)
	if err != nil {
		return PIN{}, fmt.Errorf("witness: %w", err)
	}
	return PIN{Value: v, Issued: now}, nil
}

// Expires returns the end of the PIN's validity.
func (p PIN) Expires() time.Time { return p.Issued.Add(PINLifetime) }

// Check accepts the PIN at time now: a nonce UDF of at least 125 bits, issued no later than
// now and less than four hours before it.
func (p PIN) Check(now time.Time) error {
	parsed, err := udf.Parse(p.Value)
	if err != nil {
		return fmt.Errorf("witness: %w: %w", ErrPINFormat, err)
	}
	if parsed.Type != udf.TypeNonce || parsed.Bits < 125 {
		return fmt.Errorf("witness: %w: type %#x, %d bits", ErrPINFormat, parsed.Type, parsed.Bits)
	}
	if now.Before(p.Issued) {
		return fmt.Errorf("witness: %w: issued %s, now %s", ErrPINFuture, p.Issued.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if !now.Before(p.Expires()) {
		return fmt.Errorf("witness: %w at %s", ErrPINExpired, p.Expires().UTC().Format(time.RFC3339))
	}
	return nil
}
