package udf

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
)

// Type bytes of the 2019 reference (WIRE.md section 5). The type byte is the first byte of
// every binary UDF and so fixes the first two presentation characters.
const (
	TypeAuthenticatorSHA2 byte = 0x00 // HMAC-SHA-2-512 authenticator
	TypeAuthenticatorSHA3 byte = 0x01 // HMAC-SHA-3-512 authenticator (recognised, not produced)
	TypeSecret            byte = 0x20 // secret / encryption key
	TypeDigestSHA3        byte = 0x50 // SHA-3-512 content digest
	TypeDigestSHA3Comp    byte = 0x51 // SHA-3-512 digest ending in >= 20 zero bits
	TypeDigestSHA2        byte = 0x60 // SHA-2-512 content digest
	TypeDigestSHA2Comp    byte = 0x61 // SHA-2-512 digest ending in >= 20 zero bits
	TypeNonce             byte = 0x68 // nonce
	TypeShare             byte = 0x90 // Shamir share
)

// DefaultBits is the default presentation precision: 28 characters. The drafts label it
// "125 bit" but print 140 bits; the printed value is what interoperates.
const DefaultBits = 140

// MinChars is the shortest presentation Parse accepts (100 bits). Shorter strings carry too
// little of the fingerprint to identify anything and are almost always truncation accidents.
// Compare still accepts any prefix, as the drafts allow.
const MinChars = 20

// MaxChars bounds Parse's input so that a hostile string cannot cost unbounded memory:
// enough for a type byte plus a 512-bit digest and a 64-byte share value with room to spare.
const MaxChars = 1024

// Alg selects the digest of a content fingerprint.
type Alg int

// The two digest algorithms of the 2019 reference.
const (
	SHA2 Alg = iota // SHA-2-512, type 0x60
	SHA3            // SHA-3-512, type 0x50
)

// String names the algorithm as the CLI spells it.
func (a Alg) String() string {
	switch a {
	case SHA2:
		return "sha2"
	case SHA3:
		return "sha3"
	}
	return fmt.Sprintf("Alg(%d)", int(a))
}

// ParseAlg reads "sha2" or "sha3" (case-insensitive, "sha2-512"/"sha3-512" too).
func ParseAlg(s string) (Alg, error) {
	switch strings.ToLower(s) {
	case "sha2", "sha2-512", "sha-2-512", "sha512", "":
		return SHA2, nil
	case "sha3", "sha3-512", "sha-3-512":
		return SHA3, nil
	}
	return 0, fmt.Errorf("udf: %w: %q", ErrAlgorithm, s)
}

func (a Alg) newHash() (hash.Hash, byte, error) {
	switch a {
	case SHA2:
		return sha512.New(), TypeDigestSHA2, nil
	case SHA3:
		return sha3.New512(), TypeDigestSHA3, nil
	}
	return nil, 0, fmt.Errorf("udf: %w: %d", ErrAlgorithm, int(a))
}

// b32 is RFC 4648 Base32 without padding; the presentation truncates it anyway.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// ContentDigest returns D = H(UTF8(contentType) || ':' || H(data)) with the same H twice.
func ContentDigest(alg Alg, contentType string, data []byte) ([]byte, error) {
	h, _, err := alg.newHash()
	if err != nil {
		return nil, err
	}
	h.Write(data)
	inner := h.Sum(nil)
	h.Reset()
	io.WriteString(h, contentType)
	h.Write([]byte{':'})
	h.Write(inner)
	return h.Sum(nil), nil
}

// compressed reports whether D ends in at least 20 zero bits, the first compression level.
// Higher levels are deliberately not implemented: the 2019 code is inconsistent there.
func compressed(d []byte) bool {
	n := len(d)
	return n >= 3 && d[n-1] == 0 && d[n-2] == 0 && d[n-3]&0x0f == 0
}

// DigestBinary returns the binary UDF of content: type byte || D (65 bytes). The type byte
// is 0x60/0x50, plus one when D ends in 20 zero bits.
func DigestBinary(alg Alg, contentType string, data []byte) ([]byte, error) {
	_, typ, err := alg.newHash()
	if err != nil {
		return nil, err
	}
	d, err := ContentDigest(alg, contentType, data)
	if err != nil {
		return nil, err
	}
	if compressed(d) {
		typ++
	}
	return append([]byte{typ}, d...), nil
}

// Digest returns the presentation of the content digest UDF at the given precision.
func Digest(alg Alg, contentType string, data []byte, bits int) (string, error) {
	bin, err := DigestBinary(alg, contentType, data)
	if err != nil {
		return "", err
	}
	return Present(bin, bits)
}

// AuthenticatorKey derives the HMAC key of a keyed UDF: HKDF-SHA-512 with the key string as
// IKM, salt "KeyedUDFMaster", info "KeyedUDFExpand", 512 bits.
func AuthenticatorKey(key string) ([]byte, error) {
	k, err := hkdf.Key(sha512.New, []byte(key), []byte("KeyedUDFMaster"), "KeyedUDFExpand", 64)
	if err != nil {
		return nil, fmt.Errorf("udf: authenticator key: %w", err)
	}
	return k, nil
}

// AuthenticatorBinary returns 0x00 || HMAC-SHA-512(k, UTF8(contentType) || ':' || SHA-512(data)).
// Authenticators are never compressed.
func AuthenticatorBinary(key, contentType string, data []byte) ([]byte, error) {
	k, err := AuthenticatorKey(key)
	if err != nil {
		return nil, err
	}
	inner := sha512.Sum512(data)
	m := hmac.New(sha512.New, k)
	io.WriteString(m, contentType)
	m.Write([]byte{':'})
	m.Write(inner[:])
	return append([]byte{TypeAuthenticatorSHA2}, m.Sum(nil)...), nil
}

// Authenticator returns the presentation of the keyed UDF at the given precision.
func Authenticator(key, contentType string, data []byte, bits int) (string, error) {
	bin, err := AuthenticatorBinary(key, contentType, data)
	if err != nil {
		return "", err
	}
	return Present(bin, bits)
}

// FromBytes returns the presentation of typ || value with all its bits, the form the
// reference uses for nonces, secrets and shares.
func FromBytes(typ byte, value []byte) string {
	bin := append([]byte{typ}, value...)
	s, _ := Present(bin, 8*len(bin)) // cannot fail: bits is positive and within the buffer
	return s
}

// Random returns typ || bits/8 random bytes from r (crypto/rand when nil), presented with
// all its bits.
func Random(r io.Reader, typ byte, bits int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	if bits <= 0 || bits%8 != 0 || bits > 8*512 {
		return "", fmt.Errorf("udf: %w: random value of %d bits (a positive multiple of 8 up to 4096)", ErrPrecision, bits)
	}
	v := make([]byte, bits/8)
	if _, err := io.ReadFull(r, v); err != nil {
		return "", fmt.Errorf("udf: reading randomness: %w", err)
	}
	return FromBytes(typ, v), nil
}

// Nonce returns a fresh nonce UDF (type 0x68) of the given number of random bits.
func Nonce(r io.Reader, bits int) (string, error) { return Random(r, TypeNonce, bits) }

// Secret returns a fresh secret UDF (type 0x20) of the given number of random bits.
func Secret(r io.Reader, bits int) (string, error) { return Random(r, TypeSecret, bits) }

// Present renders bin as upper-case Base32 truncated to ceil(bits/5) characters with a dash
// every four characters. bits may not exceed what bin holds.
func Present(bin []byte, bits int) (string, error) {
	if bits <= 0 || bits > 8*len(bin) {
		return "", fmt.Errorf("udf: %w: %d bits from a %d-bit value", ErrPrecision, bits, 8*len(bin))
	}
	chars := (bits + 4) / 5
	// Encode only the bytes the characters need; Base32 is a prefix code on 5-byte groups,
	// so the prefix of the encoding of the prefix is the prefix of the whole encoding.
	need := min((chars*5+7)/8, len(bin))
	raw := b32.EncodeToString(bin[:need])[:chars]
	return Dashes(raw), nil
}

// Dashes inserts a dash every four characters.
func Dashes(raw string) string {
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/4)
	for i := 0; i < len(raw); i++ {
		if i > 0 && i%4 == 0 {
			b.WriteByte('-')
		}
		b.WriteByte(raw[i])
	}
	return b.String()
}

// Compare reports whether two presentations name the same value: case-insensitive, dashes
// ignored, and the shorter one matching as a prefix of the longer. Empty strings match
// nothing, so that a missing value never passes as a match.
func Compare(a, b string) bool {
	na, nb := normalize(a), normalize(b)
	if na == "" || nb == "" {
		return false
	}
	if len(na) > len(nb) {
		na, nb = nb, na
	}
	return strings.HasPrefix(nb, na)
}

func normalize(s string) string {
	return strings.ToUpper(strings.ReplaceAll(s, "-", ""))
}

// Errors callers branch on. A ParseError wraps exactly one of the Err* kinds.
var (
	ErrAlgorithm   = errors.New("unknown digest algorithm")
	ErrPrecision   = errors.New("bad precision")
	ErrEmpty       = errors.New("empty UDF")
	ErrTooLong     = errors.New("UDF too long")
	ErrAlphabet    = errors.New("character outside the Base32 alphabet")
	ErrDash        = errors.New("misplaced dash")
	ErrTooShort    = errors.New("UDF too short")
	ErrUnknownType = errors.New("unknown UDF type byte")
)
