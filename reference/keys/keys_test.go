package keys

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cloudflare/circl/ecc/goldilocks"
	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/udf"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Published vectors: RFC 8032 7.4 "-----Blank" (Ed448) and RFC 7748 6.1/6.2 (X25519, X448).
func TestKnownVectors(t *testing.T) {
	t.Run("Ed448 RFC 8032 blank", func(t *testing.T) {
		k, err := FromSeed(Ed448, mustHex(t, "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b"))
		if err != nil {
			t.Fatal(err)
		}
		wantPub := mustHex(t, "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180")
		if !bytes.Equal(k.PublicBytes(), wantPub) {
			t.Fatalf("pub %x", k.PublicBytes())
		}
		sig, _ := k.Sign(nil)
		wantSig := mustHex(t, "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600")
		if !bytes.Equal(sig, wantSig) {
			t.Fatalf("sig %x", sig)
		}
		if err := Verify(Ed448, wantPub, nil, wantSig); err != nil {
			t.Fatal(err)
		}
	})
	dh := []struct {
		alg                         Algorithm
		aPriv, aPub, bPriv, bPub, z string
	}{
		{X25519,
			"77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
			"8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
			"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
			"de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
		{X448,
			"9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
			"9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
			"1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
			"3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
			"07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"},
	}
	for _, c := range dh {
		t.Run(c.alg.String()+" RFC 7748", func(t *testing.T) {
			a, err := FromSeed(c.alg, mustHex(t, c.aPriv))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := FromSeed(c.alg, mustHex(t, c.bPriv))
			if !bytes.Equal(a.PublicBytes(), mustHex(t, c.aPub)) || !bytes.Equal(b.PublicBytes(), mustHex(t, c.bPub)) {
				t.Fatalf("public keys %x %x", a.PublicBytes(), b.PublicBytes())
			}
			z1, err1 := a.Agree(b.PublicBytes())
			z2, err2 := b.Agree(a.PublicBytes())
			if err1 != nil || err2 != nil || !bytes.Equal(z1, mustHex(t, c.z)) || !bytes.Equal(z2, z1) {
				t.Fatalf("agreement %x %x (%v %v)", z1, z2, err1, err2)
			}
		})
	}
}

// The Edwards agreement scalar must be the RFC 8032 secret scalar: s x B is then the public key.
func TestEd448AgreementScalarIsSigningScalar(t *testing.T) {
	for i := range 4 {
		k, err := Derive(Ed448, []byte{byte(i)}, "scalar")
		if err != nil {
			t.Fatal(err)
		}
		P := goldilocks.Curve{}.ScalarBaseMult(&k.scalar448)
		enc := make([]byte, 57)
		if err := P.ToBytes(enc); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, k.PublicBytes()) {
			t.Fatalf("s x B = %x, public %x", enc, k.PublicBytes())
		}
	}
}

func TestAgreementSymmetricRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alg := rapid.SampledFrom([]Algorithm{Ed448, X448, X25519}).Draw(t, "alg")
		sa := rapid.SliceOfN(rapid.Byte(), 1, 16).Draw(t, "a")
		sb := rapid.SliceOfN(rapid.Byte(), 1, 16).Draw(t, "b")
		a, _ := Derive(alg, sa, "a")
		b, _ := Derive(alg, sb, "b")
		z1, err1 := a.Agree(b.PublicBytes())
		z2, err2 := b.Agree(a.PublicBytes())
		if err1 != nil || err2 != nil || !bytes.Equal(z1, z2) || len(z1) != alg.PublicSize() {
			t.Fatalf("%v: %x vs %x (%v %v)", alg, z1, z2, err1, err2)
		}
	})
}

func TestSignVerifyRapid(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		alg := rapid.SampledFrom([]Algorithm{Ed448, Ed25519}).Draw(t, "alg")
		msg := rapid.SliceOfN(rapid.Byte(), 0, 200).Draw(t, "msg")
		k, _ := Derive(alg, []byte("rapid"), alg.String())
		sig, err := k.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(alg, k.PublicBytes(), msg, sig); err != nil {
			t.Fatal(err)
		}
		bit := rapid.IntRange(0, 8*len(sig)-1).Draw(t, "bit")
		sig[bit/8] ^= 1 << (bit % 8)
		if err := Verify(alg, k.PublicBytes(), msg, sig); !errors.Is(err, ErrBadSignature) {
			t.Fatalf("flipped bit %d: %v", bit, err)
		}
	})
}

func TestErrors(t *testing.T) {
	ed, _ := Derive(Ed448, nil, "e")
	ed25, _ := Derive(Ed25519, nil, "e")
	x, _ := Derive(X448, nil, "x")
	sig, _ := ed.Sign([]byte("m"))
	identity := make([]byte, 57)
	identity[0] = 1 // y = 1, x = 0: the neutral point
	notOnCurve := bytes.Repeat([]byte{0xff}, 57)
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"verify short pub", Verify(Ed448, ed.PublicBytes()[:56], []byte("m"), sig), ErrKeySize},
		{"verify short sig", Verify(Ed448, ed.PublicBytes(), []byte("m"), sig[:113]), ErrBadSignature},
		{"verify other message", Verify(Ed448, ed.PublicBytes(), []byte("n"), sig), ErrBadSignature},
		{"verify other key", Verify(Ed448, x.PublicBytes()[:0], []byte("m"), sig), ErrKeySize},
		{"verify X448", Verify(X448, x.PublicBytes(), nil, sig), ErrCannotSign},
		{"verify garbage key", Verify(Ed448, notOnCurve, []byte("m"), sig), ErrBadSignature},
		{"sign X448", second(x.Sign(nil)), ErrCannotSign},
		{"agree Ed25519", second(ed25.Agree(ed25.PublicBytes())), ErrCannotAgree},
		{"agree wrong size", second(ed.Agree(x.PublicBytes())), ErrKeySize},
		{"agree not on curve", second(ed.Agree(notOnCurve)), ErrBadKey},
		{"agree identity", second(ed.Agree(identity)), ErrBadKey},
		{"agree X448 zero", second(x.Agree(make([]byte, 56))), ErrBadKey},
		{"seed size", second(FromSeed(Ed448, make([]byte, 32))), ErrKeySize},
		{"unknown algorithm", second(FromSeed(Algorithm(9), nil)), ErrAlgorithm},
		{"parse algorithm", second(ParseAlgorithm("P-256")), ErrAlgorithm},
		{"check public", CheckPublic(Ed448, notOnCurve), ErrBadKey},
		{"check public size", CheckPublic(X25519, make([]byte, 31)), ErrKeySize},
		{"short randomness", second(Generate(Ed448, bytes.NewReader(make([]byte, 10)))), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.want == nil {
				if c.err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if !errors.Is(c.err, c.want) {
				t.Fatalf("err = %v want %v", c.err, c.want)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

func TestFingerprint(t *testing.T) {
	k, _ := Derive(Ed448, []byte("fp"), "fp")
	pub := k.PublicBytes()
	fp := Fingerprint(Ed448, pub)
	bin := FingerprintBinary(Ed448, pub)
	if len(bin) != 64 || (bin[0] != udf.TypeDigestSHA2 && bin[0] != udf.TypeDigestSHA2Comp) {
		t.Fatalf("binary %x", bin)
	}
	// The fingerprint is the SHA-2-512 UDF of the DER OCTET STRING 04 39 || key.
	want, _ := udf.Digest(udf.SHA2, "application/x509-keyinfo", append([]byte{0x04, 57}, pub...), udf.DefaultBits)
	if fp != want || fp != k.Fingerprint() || len(fp) != 34 {
		t.Fatalf("fingerprint %s want %s", fp, want)
	}
	pub[10] ^= 1
	if Fingerprint(Ed448, pub) == fp {
		t.Fatal("fingerprint ignores a flipped key bit")
	}
}

func TestDeriveAndAlgorithms(t *testing.T) {
	for _, alg := range Algorithms {
		a1, _ := Derive(alg, []byte("s"), "l1")
		a2, _ := Derive(alg, []byte("s"), "l1")
		b, _ := Derive(alg, []byte("s"), "l2")
		if !bytes.Equal(a1.PublicBytes(), a2.PublicBytes()) || bytes.Equal(a1.PublicBytes(), b.PublicBytes()) {
			t.Fatalf("%v: derivation not deterministic or labels collide", alg)
		}
		r, err := FromSeed(alg, a1.Seed())
		if err != nil || !bytes.Equal(r.PublicBytes(), a1.PublicBytes()) || r.Algorithm() != alg {
			t.Fatalf("%v: seed round trip: %v", alg, err)
		}
		p, err := ParseAlgorithm(strings.ToLower(alg.String()))
		if err != nil || p != alg {
			t.Fatalf("ParseAlgorithm(%v) = %v, %v", alg, p, err)
		}
		if len(a1.PublicBytes()) != alg.PublicSize() {
			t.Fatalf("%v public size", alg)
		}
	}
}

func FuzzAgreeAndVerify(f *testing.F) {
	k, _ := Derive(Ed448, nil, "fuzz")
	sig, _ := k.Sign([]byte("m"))
	f.Add(k.PublicBytes(), sig)
	f.Add(make([]byte, 57), make([]byte, 114))
	f.Add([]byte{1}, []byte{})
	f.Fuzz(func(t *testing.T, pub, sig []byte) {
		for _, alg := range Algorithms {
			_ = CheckPublic(alg, pub)
			_ = Verify(alg, pub, []byte("m"), sig)
		}
		z, err := k.Agree(pub)
		if err == nil && len(z) != 57 {
			t.Fatalf("agreement of %d bytes", len(z))
		}
	})
}

func BenchmarkEd448Verify(b *testing.B) {
	k, _ := Derive(Ed448, nil, "bench")
	msg := bytes.Repeat([]byte{7}, 64)
	sig, _ := k.Sign(msg)
	pub := k.PublicBytes()
	for b.Loop() {
		if err := Verify(Ed448, pub, msg, sig); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEd448Sign(b *testing.B) {
	k, _ := Derive(Ed448, nil, "bench")
	msg := bytes.Repeat([]byte{7}, 64)
	for b.Loop() {
		k.Sign(msg)
	}
}

// TestMemoisedAnswersAgree checks that the memo tables behind CheckPublic and Fingerprint
// never change an answer: random encodings (about half of them not points) are checked twice
// and against the curve directly, and fingerprints twice and against the uncached digest.
func TestMemoisedAnswersAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := range 200 {
		pub := make([]byte, 57)
		for j := range pub {
			pub[j] = byte(r.Uint32())
		}
		_, direct := goldilocks.FromBytes(pub)
		first, second := CheckPublic(Ed448, pub), CheckPublic(Ed448, pub)
		if (direct == nil) != (first == nil) || (first == nil) != (second == nil) {
			t.Fatalf("key %d: curve says %v, CheckPublic %v then %v", i, direct, first, second)
		}
		want, _ := udf.Present(FingerprintBinary(Ed448, pub), udf.DefaultBits)
		if a, b := Fingerprint(Ed448, pub), Fingerprint(Ed448, pub); a != want || b != want {
			t.Fatalf("key %d: fingerprints %s, %s; want %s", i, a, b, want)
		}
	}
}
