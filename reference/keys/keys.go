package keys

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha3"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cloudflare/circl/dh/x448"
	"github.com/cloudflare/circl/ecc/goldilocks"
	"github.com/cloudflare/circl/sign/ed448"

	"github.com/meshconform/meshconform/reference/internal/memo"
	"github.com/meshconform/meshconform/reference/udf"
)

// Algorithm is a key type, named on the wire by its curve ("crv").
type Algorithm int

// The algorithms of the 2019 reference. Ed448 is the default for signature, authentication
// and exchange.
const (
	Ed448 Algorithm = iota
	Ed25519
	X448
	X25519
)

// Algorithms lists every supported algorithm, for tables and property tests.
var Algorithms = []Algorithm{Ed448, Ed25519, X448, X25519}

// String returns the curve name used in the crv field.
func (a Algorithm) String() string {
	switch a {
	case Ed448:
		return "Ed448"
	case Ed25519:
		return "Ed25519"
	case X448:
		return "X448"
	case X25519:
		return "X25519"
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// ParseAlgorithm reads a crv name, case-insensitively.
func ParseAlgorithm(s string) (Algorithm, error) {
	for _, a := range Algorithms {
		if strings.EqualFold(s, a.String()) {
			return a, nil
		}
	}
	return 0, fmt.Errorf("keys: %w: %q", ErrAlgorithm, s)
}

// CanSign reports whether the algorithm is a signature algorithm.
func (a Algorithm) CanSign() bool { return a == Ed448 || a == Ed25519 }

// CanAgree reports whether this project performs key agreement with the algorithm. Ed25519
// cannot: the Edwards25519 group operations the 2019 reference used are exported by no
// library this project may use, so 25519 recipients use X25519 keys instead.
func (a Algorithm) CanAgree() bool { return a == Ed448 || a == X448 || a == X25519 }

// PublicSize is the length of the raw public key.
func (a Algorithm) PublicSize() int {
	switch a {
	case Ed448:
		return ed448.PublicKeySize
	case Ed25519:
		return ed25519.PublicKeySize
	case X448:
		return x448.Size
	case X25519:
		return 32
	}
	return 0
}

// SeedSize is the length of the private seed stored in key files (RFC 8032 / RFC 7748 form).
func (a Algorithm) SeedSize() int {
	switch a {
	case Ed448:
		return ed448.SeedSize
	case Ed25519:
		return ed25519.SeedSize
	case X448:
		return x448.Size
	case X25519:
		return 32
	}
	return 0
}

// SignatureSize is the length of a signature, 0 for agreement-only algorithms.
func (a Algorithm) SignatureSize() int {
	switch a {
	case Ed448:
		return ed448.SignatureSize
	case Ed25519:
		return ed25519.SignatureSize
	}
	return 0
}

// Errors callers branch on.
var (
	ErrAlgorithm    = errors.New("unsupported key algorithm")
	ErrKeySize      = errors.New("wrong key size")
	ErrBadKey       = errors.New("invalid public key")
	ErrBadSignature = errors.New("signature verification failed")
	ErrCannotSign   = errors.New("key cannot sign")
	ErrCannotAgree  = errors.New("key cannot perform key agreement")
	ErrCurveMatch   = errors.New("keys are on different curves")
)

// Signer is what the rest of the project signs with.
type Signer interface {
	Algorithm() Algorithm
	PublicBytes() []byte
	Sign(msg []byte) ([]byte, error)
}

// PrivateKey is a private key of any supported algorithm, kept as its seed so it can be
// written to a key file and rebuilt bit for bit.
type PrivateKey struct {
	alg  Algorithm
	seed []byte
	pub  []byte

	ed448Priv   ed448.PrivateKey
	ed25519Priv ed25519.PrivateKey
	x25519Priv  *ecdh.PrivateKey
	// scalar448 is the clamped Ed448 secret scalar, used for the Edwards agreement.
	scalar448 goldilocks.Scalar
}

var _ Signer = (*PrivateKey)(nil)

// Generate draws a seed from r (crypto/rand when nil) and builds the key. A deterministic r
// yields a deterministic key, which is how vectors are made.
func Generate(alg Algorithm, r io.Reader) (*PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	n := alg.SeedSize()
	if n == 0 {
		return nil, fmt.Errorf("keys: %w: %v", ErrAlgorithm, alg)
	}
	seed := make([]byte, n)
	if _, err := io.ReadFull(r, seed); err != nil {
		return nil, fmt.Errorf("keys: reading randomness: %w", err)
	}
	return FromSeed(alg, seed)
}

// Derive builds a key deterministically from an arbitrary-length seed and a label: the key
// seed is SHAKE-256(label || 0x00 || seed). Different labels give independent keys from one
// vector seed.
func Derive(alg Algorithm, seed []byte, label string) (*PrivateKey, error) {
	h := sha3.NewSHAKE256()
	h.Write([]byte(label))
	h.Write([]byte{0})
	h.Write(seed)
	return Generate(alg, h)
}

// FromSeed rebuilds a key from its seed (the Private field of a key file).
func FromSeed(alg Algorithm, seed []byte) (*PrivateKey, error) {
	n := alg.SeedSize()
	if n == 0 {
		return nil, fmt.Errorf("keys: %w: %v", ErrAlgorithm, alg)
	}
	if len(seed) != n {
		return nil, fmt.Errorf("keys: %w: %v seed of %d bytes, want %d", ErrKeySize, alg, len(seed), n)
	}
	k := &PrivateKey{alg: alg, seed: bytes.Clone(seed)}
	switch alg {
	case Ed448:
		k.ed448Priv = ed448.NewKeyFromSeed(k.seed)
		k.pub = bytes.Clone(k.ed448Priv[ed448.SeedSize:])
		// RFC 8032 5.2.5: s = clamp(SHAKE256(seed, 114)[0:57]); the 2019 agreement used s.
		h := make([]byte, 114)
		x := sha3.NewSHAKE256()
		x.Write(k.seed)
		x.Read(h)
		s := h[:57]
		s[0] &= 0xfc
		s[55] |= 0x80
		s[56] = 0
		k.scalar448.FromBytes(s)
	case Ed25519:
		k.ed25519Priv = ed25519.NewKeyFromSeed(k.seed)
		k.pub = bytes.Clone(k.ed25519Priv[ed25519.SeedSize:])
	case X448:
		var sec, pub x448.Key
		copy(sec[:], k.seed)
		x448.KeyGen(&pub, &sec)
		k.pub = pub[:]
	case X25519:
		p, err := ecdh.X25519().NewPrivateKey(k.seed)
		if err != nil {
			return nil, fmt.Errorf("keys: %w: %w", ErrKeySize, err)
		}
		k.x25519Priv = p
		k.pub = p.PublicKey().Bytes()
	}
	return k, nil
}

// Algorithm returns the key's algorithm.
func (k *PrivateKey) Algorithm() Algorithm { return k.alg }

// PublicBytes returns the raw public key (RFC 8032 / RFC 7748 encoding).
func (k *PrivateKey) PublicBytes() []byte { return bytes.Clone(k.pub) }

// Seed returns the private seed, the form stored in key files and escrowed.
func (k *PrivateKey) Seed() []byte { return bytes.Clone(k.seed) }

// Fingerprint returns the key's UDF at the default precision.
func (k *PrivateKey) Fingerprint() string { return Fingerprint(k.alg, k.pub) }

// Sign returns a pure EdDSA signature (RFC 8032, empty context) of msg.
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	switch k.alg {
	case Ed448:
		return ed448.Sign(k.ed448Priv, msg, ""), nil
	case Ed25519:
		return ed25519.Sign(k.ed25519Priv, msg), nil
	}
	return nil, fmt.Errorf("keys: %w: %v", ErrCannotSign, k.alg)
}

// Verify checks a pure EdDSA signature. Sizes are checked first so that malformed input is a
// typed error rather than a panic in the primitive.
func Verify(alg Algorithm, pub, msg, sig []byte) error {
	if !alg.CanSign() {
		return fmt.Errorf("keys: %w: %v", ErrCannotSign, alg)
	}
	if len(pub) != alg.PublicSize() {
		return fmt.Errorf("keys: %w: %v public key of %d bytes", ErrKeySize, alg, len(pub))
	}
	if len(sig) != alg.SignatureSize() {
		return fmt.Errorf("keys: %w: %v signature of %d bytes", ErrBadSignature, alg, len(sig))
	}
	ok := false
	switch alg {
	case Ed448:
		ok = ed448.Verify(ed448.PublicKey(pub), msg, sig, "")
	case Ed25519:
		ok = ed25519.Verify(ed25519.PublicKey(pub), msg, sig)
	}
	if !ok {
		return fmt.Errorf("keys: %w (%v)", ErrBadSignature, alg)
	}
	return nil
}

// Agree computes the key agreement value with a peer public key of the same algorithm: for
// Ed448 the RFC 8032 encoding of s x P on the Edwards curve (s the clamped secret scalar) as
// the 2019 reference did; for X448 and X25519 the RFC 7748 shared secret.
func (k *PrivateKey) Agree(peer []byte) ([]byte, error) {
	if !k.alg.CanAgree() {
		return nil, fmt.Errorf("keys: %w: %v", ErrCannotAgree, k.alg)
	}
	if len(peer) != k.alg.PublicSize() {
		return nil, fmt.Errorf("keys: %w: %v peer key of %d bytes", ErrKeySize, k.alg, len(peer))
	}
	switch k.alg {
	case Ed448:
		P, err := goldilocks.FromBytes(peer)
		if err != nil {
			return nil, fmt.Errorf("keys: %w: %w", ErrBadKey, err)
		}
		R := goldilocks.Curve{}.ScalarMult(&k.scalar448, P)
		if R.IsIdentity() {
			// A low-order peer point gives a predictable agreement; refuse it.
			return nil, fmt.Errorf("keys: %w: low-order Ed448 point", ErrBadKey)
		}
		out := make([]byte, ed448.PublicKeySize)
		if err := R.ToBytes(out); err != nil {
			return nil, fmt.Errorf("keys: encoding agreement: %w", err)
		}
		return out, nil
	case X448:
		var sec, pub, shared x448.Key
		copy(sec[:], k.seed)
		copy(pub[:], peer)
		if !x448.Shared(&shared, &sec, &pub) {
			return nil, fmt.Errorf("keys: %w: low-order X448 point", ErrBadKey)
		}
		return shared[:], nil
	default: // X25519
		p, err := ecdh.X25519().NewPublicKey(peer)
		if err != nil {
			return nil, fmt.Errorf("keys: %w: %w", ErrBadKey, err)
		}
		s, err := k.x25519Priv.ECDH(p)
		if err != nil {
			return nil, fmt.Errorf("keys: %w: %w", ErrBadKey, err)
		}
		return s, nil
	}
}

// CheckPublic validates a raw public key: size, and for Edwards keys a valid point encoding.
func CheckPublic(alg Algorithm, pub []byte) error {
	if alg.PublicSize() == 0 {
		return fmt.Errorf("keys: %w: %v", ErrAlgorithm, alg)
	}
	if len(pub) != alg.PublicSize() {
		return fmt.Errorf("keys: %w: %v public key of %d bytes, want %d", ErrKeySize, alg, len(pub), alg.PublicSize())
	}
	if alg == Ed448 {
		// Decoding a point costs a square root; a portal sees the same few keys in every
		// request, so valid encodings are remembered.
		if _, ok := validEd448.Get(string(pub)); ok {
			return nil
		}
		if _, err := goldilocks.FromBytes(pub); err != nil {
			return fmt.Errorf("keys: %w: %w", ErrBadKey, err)
		}
		validEd448.Put(string(pub), struct{}{})
	}
	return nil
}

// Memo tables of pure functions of a public key's bytes.
var (
	validEd448   = memo.New[string, struct{}](1 << 12)
	fingerprints = memo.New[string, string](1 << 12)
)

// keyInfoContentType is the content type of the 2019 key fingerprint.
const keyInfoContentType = "application/x509-keyinfo"

// keyInfo is the DER OCTET STRING holding the raw public key, the data the 2019 code
// fingerprinted. Every supported key is shorter than 128 bytes, so the length is one byte.
func keyInfo(pub []byte) []byte {
	return append([]byte{0x04, byte(len(pub))}, pub...)
}

// FingerprintBinary returns the 64-byte binary UDF of a public key: the type byte followed
// by the first 63 bytes of the SHA-2-512 content digest. The connection witness hashes this.
func FingerprintBinary(alg Algorithm, pub []byte) []byte {
	bin, _ := udf.DigestBinary(udf.SHA2, keyInfoContentType, keyInfo(pub)) // SHA2 cannot fail
	_ = alg                                                                // the 2019 fingerprint does not depend on the curve
	return bin[:64]
}

// Fingerprint returns the key's UDF (its kid) at the default 140-bit precision.
func Fingerprint(alg Algorithm, pub []byte) string {
	if s, ok := fingerprints.Get(string(pub)); ok {
		return s
	}
	s, _ := udf.Present(FingerprintBinary(alg, pub), udf.DefaultBits)
	fingerprints.Put(string(pub), s)
	return s
}

// PublicKey is a raw public key with its algorithm: what a verifier trusts or a sender
// encrypts to.
type PublicKey struct {
	Algorithm Algorithm
	Bytes     []byte
}

// Public returns the public half of a private key.
func (k *PrivateKey) Public() PublicKey { return PublicKey{Algorithm: k.alg, Bytes: k.PublicBytes()} }

// Fingerprint returns the key's UDF (its kid) at the default precision.
func (p PublicKey) Fingerprint() string { return Fingerprint(p.Algorithm, p.Bytes) }
