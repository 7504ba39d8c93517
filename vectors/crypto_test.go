package vectors_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

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

func TestWitnessVectors(t *testing.T) {
	for _, tc := range load[vectors.WitnessTest](t, "witness.json") {
		t.Run(tc.TcID, func(t *testing.T) {
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

// TestEveryFileIsTested fails when a vector file has no test here.
func TestEveryFileIsTested(t *testing.T) {
	tested := map[string]bool{"udf-digest.json": true, "udf-authenticator.json": true, "udf-parse.json": true, "key-fingerprint.json": true, "witness.json": true, "dare.json": true, "shamir.json": true}
	for _, n := range vectors.Names() {
		if !tested[n] && !strings.HasPrefix(n, "structures-") && !strings.HasPrefix(n, "transactions-") {
			t.Errorf("vector file %s is not run against the reference", n)
		}
	}
}
