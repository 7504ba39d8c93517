package dare

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha3"
	"crypto/sha512"
	"errors"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

func seeded(s string) *sha3.SHAKE {
	h := sha3.NewSHAKE256()
	h.Write([]byte(s))
	return h
}

func key(t testing.TB, alg keys.Algorithm, label string) *keys.PrivateKey {
	k, err := keys.Derive(alg, []byte("dare-test"), label)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKindsOfEnvelope(t *testing.T) {
	alice, bob := key(t, keys.Ed448, "alice"), key(t, keys.Ed25519, "bob")
	carol, dave := key(t, keys.Ed448, "carol"), key(t, keys.X25519, "dave")
	payload := []byte("a payload of some length, not a multiple of sixteen")
	cases := []struct {
		name       string
		signers    []keys.Signer
		recipients []*keys.PrivateKey
	}{
		{"plain", nil, nil},
		{"signed", []keys.Signer{alice}, nil},
		{"signed twice", []keys.Signer{alice, bob}, nil},
		{"encrypted", nil, []*keys.PrivateKey{carol}},
		{"encrypted to two", nil, []*keys.PrivateKey{carol, dave}},
		{"signed and encrypted", []keys.Signer{bob}, []*keys.PrivateKey{dave, carol}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rcpts []Recipient
			for _, r := range c.recipients {
				rcpts = append(rcpts, r.Public())
			}
			env, err := Seal(payload, Options{Rand: seeded(c.name), Signers: c.signers, Recipients: rcpts, ContentType: "text/plain"})
			if err != nil {
				t.Fatal(err)
			}
			data, err := Marshal(env)
			if err != nil || !bytes.HasPrefix(data, []byte(`{"DareMessage":[`)) {
				t.Fatalf("marshal: %s %v", data, err)
			}
			again, _ := Seal(payload, Options{Rand: seeded(c.name), Signers: c.signers, Recipients: rcpts, ContentType: "text/plain"})
			if d2, _ := Marshal(again); !bytes.Equal(d2, data) {
				t.Fatal("a seeded envelope is not deterministic")
			}
			env, err = Parse(data, nil)
			if err != nil {
				t.Fatal(err)
			}
			trusted := []keys.PublicKey{alice.Public(), bob.Public()}
			if len(c.signers) > 0 {
				if env.Header.Dig != DigS512 || env.Trailer.Signatures[0].Alg != DigS512 {
					t.Fatalf("dig %q alg %q", env.Header.Dig, env.Trailer.Signatures[0].Alg)
				}
				if err := Verify(env, trusted...); err != nil {
					t.Fatal(err)
				}
				if len(c.signers) == 2 {
					// Trusting only one of two signers is a key error.
					if err := Verify(env, alice.Public()); !errors.Is(err, ErrKey) {
						t.Fatalf("half-trusted: %v", err)
					}
				}
			} else if err := Verify(env, trusted...); !errors.Is(err, ErrNotSigned) {
				t.Fatalf("verify unsigned: %v", err)
			}
			if len(c.recipients) == 0 {
				if !bytes.Equal(env.Payload, payload) {
					t.Fatal("plain payload changed")
				}
				return
			}
			if bytes.Contains(env.Payload, payload[:16]) {
				t.Fatal("payload not encrypted")
			}
			for _, r := range c.recipients {
				pt, err := Decrypt(env, r)
				if err != nil || !bytes.Equal(pt, payload) {
					t.Fatalf("recipient %s: %q %v", r.Fingerprint(), pt, err)
				}
			}
			if _, err := Decrypt(env, alice); !errors.Is(err, ErrKey) {
				t.Fatalf("non-recipient: %v", err)
			}
			if _, err := Decrypt(env, nil); !errors.Is(err, ErrKey) {
				t.Fatalf("no key: %v", err)
			}
		})
	}
}

// TestTamper flips one byte in each region of a signed and encrypted envelope and checks the
// class of the error; the classes must not mask one another.
func TestTamper(t *testing.T) {
	signer, rcpt := key(t, keys.Ed448, "signer"), key(t, keys.Ed448, "rcpt")
	env, err := Seal([]byte("tamper with me, if you can"), Options{Rand: seeded("tamper"), Signers: []keys.Signer{signer}, Recipients: []Recipient{rcpt.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := Marshal(env)
	b64 := func(v []byte) string { // the field as the encoder wrote it
		d, _ := mesh.Marshal(&mesh.DareTrailer{PayloadDigest: v})
		s := string(d)
		return s[strings.Index(s, `":"`)+3 : strings.LastIndex(s, `"`)]
	}
	flip := func(field string, at int) []byte {
		i := bytes.Index(data, []byte(field))
		if i < 0 {
			t.Fatalf("field %q not in %s", field, data)
		}
		out := bytes.Clone(data)
		c := out[i+at]
		// Swap to another alphabet character differing in a data bit.
		switch {
		case c >= 'A' && c <= 'Z':
			out[i+at] = 'A' + (c-'A'+13)%26
		case c >= 'a' && c <= 'z':
			out[i+at] = 'a' + (c-'a'+13)%26
		case c >= '0' && c <= '9':
			out[i+at] = '0' + (c-'0'+5)%10
		default:
			out[i+at] = 'Q'
		}
		return out
	}
	sig := env.Trailer.Signatures[0]
	cases := []struct {
		name      string
		data      []byte
		verify    error // nil: verification still passes
		decrypt   error
		plainSame bool
	}{
		{"untouched", data, nil, nil, true},
		{"header syntax", bytes.Replace(data, []byte(`"enc"`), []byte(`"enc`), 1), ErrParse, ErrParse, false},
		{"header dig", bytes.Replace(data, []byte(`"S512"`), []byte(`"S513"`), 1), ErrParse, ErrParse, false},
		{"header enc", bytes.Replace(data, []byte(`"A256CBC"`), []byte(`"A128CBC"`), 1), ErrParse, ErrParse, false},
		{"payload", flip(b64(env.Payload), 5), ErrDigest, ErrDigest, false},
		{"payload last char", flip(b64(env.Payload), len(b64(env.Payload))-2), ErrDigest, ErrDigest, false},
		{"digest", flip(b64(env.Trailer.PayloadDigest), 10), ErrDigest, ErrDigest, false},
		{"signature", flip(b64(sig.Signature), 7), ErrSignature, nil, true},
		{"signer kid", flip(`"kid":"`+sig.Kid, 9), ErrKey, nil, true},
		{"recipient wmk", flip(b64(env.Header.Recipients[0].Wmk), 3), nil, ErrDecrypt, false},
		{"recipient kid", flip(`"kid":"`+env.Header.Recipients[0].Kid, 9), nil, ErrKey, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := Parse(c.data, nil)
			if err != nil {
				if !errors.Is(err, ErrParse) || c.verify != ErrParse {
					t.Fatalf("parse: %v", err)
				}
				return
			}
			if err := Verify(e, signer.Public()); !errors.Is(err, c.verify) || (c.verify == nil) != (err == nil) {
				t.Fatalf("verify: %v want %v", err, c.verify)
			}
			pt, err := Decrypt(e, rcpt)
			if !errors.Is(err, c.decrypt) || (c.decrypt == nil) != (err == nil) {
				t.Fatalf("decrypt: %v want %v", err, c.decrypt)
			}
			if c.plainSame && string(pt) != "tamper with me, if you can" {
				t.Fatalf("plaintext %q", pt)
			}
		})
	}
}

// A payload changed together with a recomputed PayloadDigest passes the digest check and must
// then fail the signature: the attacker cannot re-sign.
func TestRecomputedDigestIsASignatureError(t *testing.T) {
	signer := key(t, keys.Ed25519, "s")
	env, _ := Seal([]byte("original"), Options{Signers: []keys.Signer{signer}})
	env.Payload = []byte("forged")
	d := sha512.Sum512(env.Payload)
	env.Trailer.PayloadDigest = d[:]
	if err := Verify(env, signer.Public()); !errors.Is(err, ErrSignature) {
		t.Fatalf("verify: %v", err)
	}
}

func TestBadEnvelopes(t *testing.T) {
	rcpt := key(t, keys.X448, "r")
	good, _ := Seal([]byte("x"), Options{Rand: seeded("b"), Recipients: []Recipient{rcpt.Public()}})
	mut := func(f func(e *mesh.DareMessage)) *mesh.DareMessage {
		d, _ := Marshal(good)
		e, _ := Parse(d, nil)
		f(e)
		return e
	}
	cases := []struct {
		name string
		env  *mesh.DareMessage
		want error
	}{
		{"nil", nil, ErrParse},
		{"no salt", mut(func(e *mesh.DareMessage) { e.Header.Salt = nil }), ErrParse},
		{"recipients without enc", mut(func(e *mesh.DareMessage) { e.Header.Enc = "" }), ErrParse},
		{"epk missing", mut(func(e *mesh.DareMessage) { e.Header.Recipients[0].Epk = nil }), ErrParse},
		{"epk on another curve", mut(func(e *mesh.DareMessage) {
			e.Header.Recipients[0].Epk = keys.ToPublicKeyECDH(keys.X25519, make([]byte, 32))
		}), ErrKey},
		{"short ciphertext", mut(func(e *mesh.DareMessage) { e.Payload = e.Payload[:15] }), ErrDecrypt},
		{"bad padding", mut(func(e *mesh.DareMessage) { e.Payload = append(e.Payload, make([]byte, 16)...) }), ErrDecrypt},
	}
	for _, c := range cases {
		if _, err := Decrypt(c.env, rcpt); !errors.Is(err, c.want) {
			t.Errorf("%s: %v want %v", c.name, err, c.want)
		}
	}
	for _, in := range []string{``, `[]`, `[{}]`, `{"DareMessage":{}}`, `{"Other":[{},""]}`, `[{},"",{},{}]`, `[{"enc":1},""]`} {
		if _, err := Parse([]byte(in), nil); !errors.Is(err, ErrParse) {
			t.Errorf("Parse(%s): %v", in, err)
		}
	}
	if _, err := Seal(nil, Options{Recipients: []Recipient{key(t, keys.Ed25519, "e").Public()}}); !errors.Is(err, ErrKey) {
		t.Errorf("Ed25519 recipient: %v", err)
	}
	if _, err := Seal(nil, Options{Rand: bytes.NewReader(nil), Recipients: []Recipient{rcpt.Public()}}); err == nil {
		t.Error("sealing without randomness succeeded")
	}
}

func TestStructures(t *testing.T) {
	signer := key(t, keys.Ed448, "profile")
	v := keys.ToPublicKeyECDH(keys.Ed448, signer.PublicBytes())
	env, err := SignStructure(v, signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenStructure(env, signer.Public())
	if err != nil || !mesh.Equal(got, v) {
		t.Fatalf("open: %v %v", got, err)
	}
	if _, err := OpenStructure(env, key(t, keys.Ed448, "other").Public()); !errors.Is(err, ErrKey) {
		t.Fatalf("untrusted: %v", err)
	}
	bad, _ := Seal([]byte("not json"), Options{Signers: []keys.Signer{signer}})
	if _, err := OpenStructure(bad, signer.Public()); !errors.Is(err, ErrParse) {
		t.Fatalf("non-structure payload: %v", err)
	}
	if _, err := SignStructure(v); !errors.Is(err, ErrKey) {
		t.Fatalf("no signer: %v", err)
	}
}

func TestRoundTripRapid(t *testing.T) {
	signers := []*keys.PrivateKey{key(t, keys.Ed448, "s0"), key(t, keys.Ed25519, "s1")}
	rcpts := []*keys.PrivateKey{key(t, keys.Ed448, "r0"), key(t, keys.X448, "r1"), key(t, keys.X25519, "r2")}
	rapid.Check(t, func(t *rapid.T) {
		payload := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "payload")
		ns := rapid.IntRange(0, 2).Draw(t, "signers")
		nr := rapid.IntRange(0, 3).Draw(t, "recipients")
		var opts Options
		opts.Rand = seeded(rapid.String().Draw(t, "seed"))
		var trusted []keys.PublicKey
		for _, s := range signers[:ns] {
			opts.Signers = append(opts.Signers, s)
			trusted = append(trusted, s.Public())
		}
		for _, r := range rcpts[:nr] {
			opts.Recipients = append(opts.Recipients, r.Public())
		}
		env, err := Seal(payload, opts)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := Marshal(env)
		env, err = Parse(data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ns > 0 {
			if err := Verify(env, trusted...); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range rcpts[:max(nr, 1)] {
			if nr == 0 {
				r = nil
			}
			pt, err := Decrypt(env, r)
			if err != nil || !bytes.Equal(pt, payload) {
				t.Fatalf("decrypt: %v", err)
			}
		}
	})
}

func FuzzParseVerify(f *testing.F) {
	signer, _ := keys.Derive(keys.Ed25519, nil, "fuzz")
	rcpt, _ := keys.Derive(keys.X25519, nil, "fuzz")
	env, _ := Seal([]byte("seed corpus"), Options{Rand: seeded("f"), Signers: []keys.Signer{signer}, Recipients: []Recipient{rcpt.Public()}})
	d, _ := Marshal(env)
	f.Add(d)
	f.Add(examplesSeed(f))
	f.Add([]byte(`[{},"AA"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse(data, nil)
		if err != nil {
			if !errors.Is(err, ErrParse) {
				t.Fatalf("untyped parse error %v", err)
			}
			return
		}
		classes := []error{ErrParse, ErrDigest, ErrKey, ErrNotSigned, ErrSignature, ErrDecrypt}
		check := func(err error) {
			if err == nil {
				return
			}
			for _, c := range classes {
				if errors.Is(err, c) {
					return
				}
			}
			t.Fatalf("error outside the classes: %v", err)
		}
		check(Verify(e, signer.Public()))
		_, err = Decrypt(e, rcpt)
		check(err)
	})
}

func examplesSeed(f *testing.F) []byte {
	return envelope(f, examples(f), "## Signed and Encrypted Message")
}

var benchPayload = bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB

// BenchmarkSealSignEncrypt1MiB is a full envelope: one Ed448 recipient (ephemeral key,
// Edwards agreement, HKDF, key wrap), AES-256-CBC, SHA-512, one Ed448 signature.
func BenchmarkSealSignEncrypt1MiB(b *testing.B) {
	signer := key(b, keys.Ed448, "bench-s")
	rcpt := key(b, keys.Ed448, "bench-r").Public()
	b.SetBytes(int64(len(benchPayload)))
	for b.Loop() {
		if _, err := Seal(benchPayload, Options{Signers: []keys.Signer{signer}, Recipients: []Recipient{rcpt}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareCBCSHA512Ed448_1MiB is what an envelope is made of, with nothing around it:
// PKCS#7 padding, AES-256-CBC, SHA-512 of the ciphertext and one Ed448 signature.
func BenchmarkBareCBCSHA512Ed448_1MiB(b *testing.B) {
	signer := key(b, keys.Ed448, "bench-s")
	k, iv := make([]byte, 32), make([]byte, 16)
	b.SetBytes(int64(len(benchPayload)))
	for b.Loop() {
		blk, err := aes.NewCipher(k)
		if err != nil {
			b.Fatal(err)
		}
		out := make([]byte, len(benchPayload)+16)
		copy(out, benchPayload)
		for i := len(benchPayload); i < len(out); i++ {
			out[i] = 16
		}
		cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, out)
		d := sha512.Sum512(out)
		if _, err := signer.Sign(d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func TestWithoutSignaturesAndResign(t *testing.T) {
	a, _ := keys.Generate(keys.Ed448, nil)
	b, _ := keys.Generate(keys.Ed448, nil)
	env, err := Seal([]byte("payload"), Options{Signers: []keys.Signer{a}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(env, a.Public()); err != nil {
		t.Fatal(err)
	}
	if err := Verify(WithoutSignatures(env), a.Public()); !errors.Is(err, ErrNotSigned) {
		t.Errorf("Verify of the stripped envelope = %v, want ErrNotSigned", err)
	}
	if err := Verify(env, a.Public()); err != nil {
		t.Errorf("WithoutSignatures changed the original: %v", err)
	}
	re, err := Resign(env, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(re, a.Public()); !errors.Is(err, ErrKey) {
		t.Errorf("Verify of the re-signed envelope against the old key = %v, want ErrKey", err)
	}
	if err := Verify(re, b.Public()); err != nil || string(re.Payload) != "payload" {
		t.Errorf("the re-signed envelope does not verify under its new key: %v", err)
	}
}

// TestParseUnwrapsOnlyBase64 checks the leniency for the 2019 writer's line-wrapped base64: a
// raw line break is taken out of the payload and the base64 members it wrapped, and nowhere
// else, so any other string with a raw line break stays invalid JSON, base64-looking or not.
func TestParseUnwrapsOnlyBase64(t *testing.T) {
	cases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"wrapped payload", "[{\"dig\":\"S512\"},\"eyJI\n   ZWxs\r\n  byI6MX0\"]", true},
		{"wrapped payload with padding", "[{\"dig\":\"S512\"},\"eyJIZWxsbyI6\n  MX0=\"]", true},
		{"raw break in a header string", "[{\"dig\":\"S5\n12\",\"cty\":\"text/\nplain\"},\"eyJIZWxsbyI6MX0\"]", false},
		{"raw break in a string with an escape", "[{\"dig\":\"S512\",\"cty\":\"a\\\"\nb\"},\"eyJIZWxsbyI6MX0\"]", false},
		{"raw break in a base64-looking header string", "[{\"dig\":\"S512\",\"cty\":\"text\nplain\"},\"eyJIZWxsbyI6MX0\"]", false},
		{"raw break in a base64-looking member name", "[{\"dig\":\"S512\",\"ct\ny\":\"x\"},\"eyJIZWxsbyI6MX0\"]", false},
		{"wrapped base64 below the tracked depth", strings.Repeat("[", 70) + "{\"dig\":\"S512\"},\"eyJI\nZWxs\"" + strings.Repeat("]", 70), false},
		{"wrapped payload after a null header", "[null,\"eyJIZWxs\n  byI6MX0\"]", true},
		{"wrapped trailer signature and digest", "[{\"dig\":\"S512\"},\"eyJIZWxsbyI6MX0\",{\"Signatures\":[{\"signature\":\"AAAA\n  AAAA\"}],\"PayloadDigest\":\"AAAA\n AAAA\"}]", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env, err := Parse([]byte(c.in), nil)
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				if string(env.Payload) != `{"Hello":1}` {
					t.Fatalf("payload %q", env.Payload)
				}
				return
			}
			if !errors.Is(err, ErrParse) {
				t.Fatalf("err = %v, want ErrParse", err)
			}
		})
	}
}

// TestKidlessSignatures: the 2019 reference wrote signatures with only a signature member (or
// with alg naming the digest). A verifier tries them with the keys it trusts; the bytes decide.
func TestKidlessSignatures(t *testing.T) {
	a, b := key(t, keys.Ed448, "kidless-a"), key(t, keys.Ed25519, "kidless-b")
	env, err := Seal([]byte("2019"), Options{Signers: []keys.Signer{a}})
	if err != nil {
		t.Fatal(err)
	}
	strip := func(alg string, spoil bool) *mesh.DareMessage {
		cp := *env
		tr := *env.Trailer
		tr.Signatures = []mesh.DareSignature{{Alg: alg, Signature: bytes.Clone(env.Trailer.Signatures[0].Signature)}}
		if spoil {
			tr.Signatures[0].Signature[5] ^= 1
		}
		cp.Trailer = &tr
		return &cp
	}
	cases := []struct {
		name    string
		env     *mesh.DareMessage
		trusted []keys.PublicKey
		want    error
	}{
		{"no kid, no alg, the one key", strip("", false), []keys.PublicKey{a.Public()}, nil},
		{"no kid, alg the digest name", strip("SHA2", false), []keys.PublicKey{a.Public()}, nil},
		{"no kid, among other keys", strip("", false), []keys.PublicKey{b.Public(), a.Public()}, nil},
		{"no kid, alg of another curve", strip("Ed25519", false), []keys.PublicKey{a.Public()}, ErrKey},
		{"no kid, a byte flipped", strip("", true), []keys.PublicKey{a.Public()}, ErrSignature},
		{"no kid, another key", strip("", false), []keys.PublicKey{b.Public()}, ErrSignature},
		{"no kid, no key", strip("", false), nil, ErrKey},
	}
	for _, c := range cases {
		err := Verify(c.env, c.trusted...)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}
