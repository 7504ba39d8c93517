package vectors_test

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/circl/dh/x448"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/shamir"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/reference/witness"
	"github.com/meshconform/meshconform/vectors"
)

func load[T any](t *testing.T, name string) []T {
	t.Helper()
	f, err := vectors.Load[vectors.Group[T]](name)
	if err != nil {
		t.Fatal(err)
	}
	var out []T
	for _, g := range f.TestGroups {
		out = append(out, g.Tests...)
	}
	if len(out) != f.NumberOfTests || len(out) == 0 {
		t.Fatalf("%s: %d tests, numberOfTests %d", name, len(out), f.NumberOfTests)
	}
	return out
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := wire.DecodeBase64(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func alg(t *testing.T, name string) keys.Algorithm {
	t.Helper()
	a, err := keys.ParseAlgorithm(name)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestUdfDigestVectors(t *testing.T) {
	for _, tc := range load[vectors.UdfDigestTest](t, "udf-digest.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			a, err := udf.ParseAlg(tc.Alg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := udf.Digest(a, tc.ContentType, unhex(t, tc.DataHex), tc.Bits)
			if err != nil || got != tc.Udf {
				t.Fatalf("Digest = %q, %v; want %q", got, err, tc.Udf)
			}
		})
	}
}

func TestUdfAuthenticatorVectors(t *testing.T) {
	for _, tc := range load[vectors.UdfAuthenticatorTest](t, "udf-authenticator.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			got, err := udf.Authenticator(tc.Key, tc.ContentType, unhex(t, tc.DataHex), tc.Bits)
			if err != nil || got != tc.Udf {
				t.Fatalf("Authenticator = %q, %v; want %q", got, err, tc.Udf)
			}
		})
	}
}

// TestPinIDVectors recomputes the PinID vectors (NOTE-PIN-CHECK) with the standard library
// alone: the data is the Account, a newline and a device UDF; the authenticator is type 0x00 ||
// HMAC-SHA-512(HKDF-SHA-512(PIN, "KeyedUDFMaster", "KeyedUDFExpand"), content type ':'
// SHA-512(data)), presented at 140 bits.
func TestPinIDVectors(t *testing.T) {
	n := 0
	for _, tc := range load[vectors.UdfAuthenticatorTest](t, "udf-authenticator.json") {
		if !slices.Contains(tc.Flags, "PinID") {
			continue
		}
		n++
		account, device, ok := strings.Cut(string(unhex(t, tc.DataHex)), "\n")
		if !ok || account == "" || len(device) != 34 || tc.ContentType != "application/mmm-connection-pin" {
			t.Fatalf("%s: not a PinID's content: %q, %q", tc.TcID, tc.ContentType, unhex(t, tc.DataHex))
		}
		k, err := hkdf.Key(sha512.New, []byte(tc.Key), []byte("KeyedUDFMaster"), "KeyedUDFExpand", 64)
		if err != nil {
			t.Fatal(err)
		}
		d := sha512.Sum512(unhex(t, tc.DataHex))
		m := hmac.New(sha512.New, k)
		m.Write(append([]byte(tc.ContentType+":"), d[:]...))
		raw := base32.StdEncoding.EncodeToString(append([]byte{0x00}, m.Sum(nil)...))[:28]
		var parts []string
		for i := 0; i < len(raw); i += 4 {
			parts = append(parts, raw[i:i+4])
		}
		if got := strings.Join(parts, "-"); got != tc.Udf {
			t.Errorf("%s: the note's formula gives %s, the vector %s", tc.TcID, got, tc.Udf)
		}
	}
	if n == 0 {
		t.Fatal("no PinID vector")
	}
}

func TestUdfParseVectors(t *testing.T) {
	classes := map[string]error{"alphabet": udf.ErrAlphabet, "dash": udf.ErrDash, "too-short": udf.ErrTooShort, "unknown-type": udf.ErrUnknownType}
	for _, tc := range load[vectors.UdfParseTest](t, "udf-parse.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			p, err := udf.Parse(tc.Presentation)
			if tc.Result == vectors.Invalid {
				if err == nil {
					t.Fatalf("Parse accepted %q", tc.Presentation)
				}
				if !errors.Is(err, classes[tc.ErrorClass]) {
					t.Fatalf("Parse error %v, want class %s", err, tc.ErrorClass)
				}
				return
			}
			if err != nil || int(p.Type) != tc.TypeByte {
				t.Fatalf("Parse = %+v, %v; want type %#x", p, err, tc.TypeByte)
			}
		})
	}
}

func TestKeyFingerprintVectors(t *testing.T) {
	for _, tc := range load[vectors.KeyFingerprintTest](t, "key-fingerprint.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			if got := keys.Fingerprint(alg(t, tc.Alg), unb64(t, tc.Public)); got != tc.Fingerprint {
				t.Fatalf("Fingerprint = %q, want %q", got, tc.Fingerprint)
			}
		})
	}
}

// stdUDFBinary computes NOTE-WITNESS's UDFbin with the standard library alone: type byte
// 0x60 (0x61 when D ends in 20 zero bits) || the first 63 bytes of D = SHA-512(UTF8(content
// type) || ':' || SHA-512(DER OCTET STRING of the key)).
func stdUDFBinary(pub []byte) []byte {
	inner := sha512.Sum512(append([]byte{0x04, byte(len(pub))}, pub...))
	d := sha512.Sum512(append([]byte("application/x509-keyinfo:"), inner[:]...))
	typ := byte(0x60)
	if d[63] == 0 && d[62] == 0 && d[61]&0x0f == 0 {
		typ++
	}
	return append([]byte{typ}, d[:63]...)
}

func TestWitnessVectors(t *testing.T) {
	for _, tc := range load[vectors.WitnessTest](t, "witness.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			// The intermediate values, from the note's formula alone.
			mb, db := stdUDFBinary(unb64(t, tc.MasterPublic)), stdUDFBinary(unb64(t, tc.DevicePublic))
			if hex.EncodeToString(mb) != tc.MasterUDFBinary || hex.EncodeToString(db) != tc.DeviceUDFBinary {
				t.Fatalf("UDFbin: the note's formula gives %x and %x, the vector %s and %s", mb, db, tc.MasterUDFBinary, tc.DeviceUDFBinary)
			}
			s1 := sha512.Sum512(append(mb, unb64(t, tc.ServerNonce)...))
			s2 := sha512.Sum512(append(db, unb64(t, tc.ClientNonce)...))
			w := sha512.Sum512(append(s1[:], s2[:]...))
			if got, _ := udf.Present(w[:], 140); got != tc.Witness {
				t.Fatalf("witness from the UDFbin values = %q, want %q", got, tc.Witness)
			}
			got, err := witness.FromKeys(alg(t, tc.Alg), unb64(t, tc.MasterPublic), unb64(t, tc.ServerNonce), unb64(t, tc.DevicePublic), unb64(t, tc.ClientNonce))
			if err != nil || got != tc.Witness {
				t.Fatalf("witness = %q, %v; want %q", got, err, tc.Witness)
			}
		})
	}
}

func TestDareVectors(t *testing.T) {
	classes := map[string]error{"parse": dare.ErrParse, "digest": dare.ErrDigest, "key": dare.ErrKey, "signature": dare.ErrSignature, "decrypt": dare.ErrDecrypt, "not-signed": dare.ErrNotSigned}
	for _, tc := range load[vectors.DareTest](t, "dare.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			err := runDare(t, tc)
			if tc.Result == vectors.Invalid {
				if err == nil {
					t.Fatal("the reference accepted an invalid envelope")
				}
				if !errors.Is(err, classes[tc.ErrorClass]) {
					t.Fatalf("error %v, want class %s", err, tc.ErrorClass)
				}
				return
			}
			if err != nil {
				t.Fatalf("the reference refused a %s envelope: %v", tc.Result, err)
			}
		})
	}
}

func runDare(t *testing.T, tc vectors.DareTest) error {
	env, err := dare.Parse([]byte(tc.Envelope), nil)
	if err != nil {
		return err
	}
	var trusted []keys.PublicKey
	for _, k := range tc.Trusted {
		trusted = append(trusted, keys.PublicKey{Algorithm: alg(t, k.Alg), Bytes: unb64(t, k.Bytes)})
	}
	if len(trusted) > 0 {
		if err := dare.Verify(env, trusted...); err != nil {
			return err
		}
	}
	plain := env.Payload
	if tc.DecryptionKey != nil {
		k, err := keys.FromSeed(alg(t, tc.DecryptionKey.Alg), unb64(t, tc.DecryptionKey.Bytes))
		if err != nil {
			t.Fatal(err)
		}
		if plain, err = dare.Decrypt(env, k); err != nil {
			return err
		}
	}
	if tc.PayloadHex != "" && !bytes.Equal(plain, unhex(t, tc.PayloadHex)) {
		t.Fatalf("payload %x, want %s", plain, tc.PayloadHex)
	}
	return nil
}

func TestShamirVectors(t *testing.T) {
	classes := map[string]error{"mismatch": shamir.ErrMismatch, "quorum": shamir.ErrQuorum, "share": shamir.ErrShare}
	for _, tc := range load[vectors.ShamirTest](t, "shamir.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			var shares []shamir.Share
			for _, s := range tc.Shares {
				sh, err := shamir.ParseShare(s)
				if err != nil {
					t.Fatal(err)
				}
				shares = append(shares, sh)
			}
			secret, err := shamir.Recover(shares)
			want, perr := shamir.ParseSecret(tc.Secret)
			if perr != nil {
				t.Fatal(perr)
			}
			switch {
			case tc.Result == vectors.Valid:
				if err != nil || !bytes.Equal(secret, want) {
					t.Fatalf("Recover = %x, %v; want %x", secret, err, want)
				}
			case tc.ErrorClass == "wrong-secret":
				if err == nil && bytes.Equal(secret, want) {
					t.Fatal("below-quorum shares recovered the secret")
				}
			default:
				if !errors.Is(err, classes[tc.ErrorClass]) {
					t.Fatalf("Recover error %v, want class %s", err, tc.ErrorClass)
				}
			}
		})
	}
}

// TestAuthSessionVectors recomputes each session through the public API of reference/auth
// and, so that the file is not checked only against the code that wrote it, from the formulas
// of NOTE-AUTH-SESSION with the standard library and circl's X448.
func TestAuthSessionVectors(t *testing.T) {
	classes := map[string]error{"grant": auth.ErrGrant}
	for _, tc := range load[vectors.AuthSessionTest](t, "auth-session.json") {
		t.Run(tc.TcID, func(t *testing.T) {
			a := alg(t, tc.Alg)
			dak, body := unb64(t, tc.DakPublic), unhex(t, tc.BodyHex)
			scalar, offerPublic, portalPublic := unb64(t, tc.OfferPrivate), unb64(t, tc.OfferPublic), unb64(t, tc.PortalPublic)
			offer, err := auth.NewOffer(bytes.NewReader(scalar))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(offer.Public[:], offerPublic) {
				t.Fatalf("offer public %x, want %x", offer.Public, offerPublic)
			}
			// The signing side, which comes before the grant: valid and invalid cases alike.
			wantOffer := unb64(t, tc.OfferDigest)
			if got := auth.OfferDigest(tc.Host, tc.Account, tc.Time, tc.Nonce, wire.EncodeBase64(offer.Public[:]), body); !bytes.Equal(got, wantOffer) {
				t.Fatalf("OfferDigest = %x, want %x", got, wantOffer)
			}
			if got := noteDigest("Mesh-Request-Auth-1", body, tc.Host, tc.Account, tc.Time, tc.Nonce, tc.OfferPublic); !bytes.Equal(got, wantOffer) {
				t.Fatalf("offer digest by the note's formula %x, want %x", got, wantOffer)
			}
			now, err := wire.ParseDateTime(tc.Time)
			if err != nil {
				t.Fatal(err)
			}
			grant := fmt.Sprintf(`key="%s", ticket="%s", expires="%s"`, tc.PortalPublic, wire.EncodeBase64([]byte("an opaque ticket")), wire.FormatDateTime(now.Add(time.Hour)))
			s, err := offer.Accept(grant, tc.Host, tc.Account, a, dak, now)
			z, agreed := xShared(t, scalar, portalPublic)
			if tc.Result == vectors.Invalid {
				if !errors.Is(err, classes[tc.ErrorClass]) {
					t.Fatalf("Accept = %v, want an error of class %s", err, tc.ErrorClass)
				}
				if agreed {
					t.Fatalf("X448 agreement with the portal's key is %x, not all zero", z)
				}
				return
			}
			if err != nil {
				t.Fatalf("Accept refused a valid grant: %v", err)
			}
			if !agreed {
				t.Fatal("X448 agreement with the portal's key is all zero")
			}
			k := unb64(t, tc.SessionKey)
			if !bytes.Equal(s.Key, k) {
				t.Fatalf("session key %x, want %x", s.Key, k)
			}
			// The portal computes the same agreement from its half.
			var priv, pub x448.Key
			copy(priv[:], unb64(t, tc.PortalPrivate))
			x448.KeyGen(&pub, &priv)
			if !bytes.Equal(pub[:], portalPublic) {
				t.Fatalf("portal public %x, want %x", pub, portalPublic)
			}
			if zp, ok := xShared(t, priv[:], offerPublic); !ok || !bytes.Equal(zp, z) {
				t.Fatalf("the portal's agreement %x differs from the client's %x", zp, z)
			}
			info := "Mesh-Session-Key-1\n" + tc.Host + "\n" + tc.Account + "\n" + keys.Fingerprint(a, dak)
			salt := append(append([]byte{}, offerPublic...), portalPublic...)
			if kk, err := hkdf.Key(sha512.New, z, salt, info, 64); err != nil || !bytes.Equal(kk, k) {
				t.Fatalf("session key by the note's formula %x, %v; want %x", kk, err, k)
			}
			ds, mac := unb64(t, tc.SessionDigest), unb64(t, tc.Mac)
			if got := auth.SessionDigest(tc.Host, tc.Account, tc.Time, tc.Nonce, body); !bytes.Equal(got, ds) {
				t.Fatalf("SessionDigest = %x, want %x", got, ds)
			}
			if got := noteDigest("Mesh-Session-Auth-1", body, tc.Host, tc.Account, tc.Time, tc.Nonce); !bytes.Equal(got, ds) {
				t.Fatalf("session digest by the note's formula %x, want %x", got, ds)
			}
			if got := auth.MAC(s.Key, tc.Host, tc.Account, tc.Time, tc.Nonce, body); !bytes.Equal(got, mac) {
				t.Fatalf("MAC = %x, want %x", got, mac)
			}
			m := hmac.New(sha512.New, k)
			m.Write(ds)
			if got := m.Sum(nil); !bytes.Equal(got, mac) {
				t.Fatalf("HMAC-SHA-512(K, D_s) = %x, want %x", got, mac)
			}
		})
	}
}

// noteDigest is SHA-512(UTF8(label LF line LF ...) || SHA-512(body)), written from the note.
func noteDigest(label string, body []byte, lines ...string) []byte {
	bh := sha512.Sum512(body)
	h := sha512.New()
	h.Write([]byte(label + "\n" + strings.Join(lines, "\n") + "\n"))
	h.Write(bh[:])
	return h.Sum(nil)
}

// xShared is the X448 agreement of a scalar and a public key; false when it is all zero.
func xShared(t *testing.T, scalar, public []byte) ([]byte, bool) {
	t.Helper()
	if len(scalar) != x448.Size || len(public) != x448.Size {
		t.Fatalf("X448 values of %d and %d bytes", len(scalar), len(public))
	}
	var priv, pub, shared x448.Key
	copy(priv[:], scalar)
	copy(pub[:], public)
	ok := x448.Shared(&shared, &priv, &pub)
	return shared[:], ok
}

// TestEveryFileIsTested fails when a vector file has no test here.
func TestEveryFileIsTested(t *testing.T) {
	tested := map[string]bool{"udf-digest.json": true, "udf-authenticator.json": true, "udf-parse.json": true, "key-fingerprint.json": true, "witness.json": true, "dare.json": true, "shamir.json": true, "auth-session.json": true, "log-chain.json": true, vectors.ClientResponsesFile: true}
	for _, n := range vectors.Names() {
		if !tested[n] && !strings.HasPrefix(n, "structures-") && !strings.HasPrefix(n, "transactions-") {
			t.Errorf("vector file %s is not run against the reference", n)
		}
	}
}
