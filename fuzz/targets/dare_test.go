package targets

import (
	"bytes"
	"crypto/sha512"
	"testing"

	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/mesh"
)

// cloneEnv deep-copies an envelope through the codec, so that a test can mutate it.
func cloneEnv(t *testing.T, e *mesh.DareMessage) *mesh.DareMessage {
	t.Helper()
	b, err := dare.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dare.Parse(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDareVerifyMutations pins what FuzzDareVerify concludes about hand-made mutations of a
// signed envelope: each is either refused with the right class or, where the 2019 format
// does not sign the field, verifies and is recognised as carrying the original signature.
func TestDareVerifyMutations(t *testing.T) {
	fx, err := dareFixtures()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		mutate func(e *mesh.DareMessage)
		want   Outcome
	}{
		{"unchanged", func(*mesh.DareMessage) {}, Accepted},
		{"payload changed", func(e *mesh.DareMessage) { e.Payload[0] ^= 1 }, Rejected},
		{"payload and digest changed together", func(e *mesh.DareMessage) {
			e.Payload = append(e.Payload, '!')
			d := sha512.Sum512(e.Payload)
			e.Trailer.PayloadDigest = d[:]
		}, Rejected},
		{"signature bit flipped", func(e *mesh.DareMessage) { e.Trailer.Signatures[0].Signature[3] ^= 0x10 }, Rejected},
		{"kid of another key", func(e *mesh.DareMessage) { e.Trailer.Signatures[0].Kid = "MAAA-AAAA-AAAA-AAAA" }, Rejected},
		{"signature dropped", func(e *mesh.DareMessage) { e.Trailer.Signatures = nil }, Rejected},
		// Not covered by the 2019 signature: verifies, and carries the original signature.
		{"content type changed", func(e *mesh.DareMessage) { e.Header.Cty = "text/evil" }, Accepted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := cloneEnv(t, fx.signed[0])
			c.mutate(e)
			data, err := dare.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DareVerify.Check(data)
			if err != nil || got != c.want {
				t.Fatalf("got %v, %v; want %v", got, err, c.want)
			}
		})
	}
}

// TestCoveredByOriginal checks the oracle of FuzzDareVerify itself: it must reject an
// envelope whose payload or signature is not an original's, which is what would flag a
// verifier that accepted a forgery.
func TestCoveredByOriginal(t *testing.T) {
	fx, err := dareFixtures()
	if err != nil {
		t.Fatal(err)
	}
	orig := cloneEnv(t, fx.signed[1])
	if !coveredByOriginal(orig, fx.signed) {
		t.Fatal("an original is not covered by itself")
	}
	for name, mutate := range map[string]func(e *mesh.DareMessage){
		"payload":   func(e *mesh.DareMessage) { e.Payload = []byte("forged") },
		"digest":    func(e *mesh.DareMessage) { e.Trailer.PayloadDigest[0] ^= 1 },
		"signature": func(e *mesh.DareMessage) { e.Trailer.Signatures[1].Signature = bytes.Repeat([]byte{1}, 64) },
	} {
		e := cloneEnv(t, orig)
		mutate(e)
		if coveredByOriginal(e, fx.signed) {
			t.Errorf("%s changed, still covered", name)
		}
	}
}

// TestSameCiphertext checks the oracle of FuzzDareDecrypt: an unchanged ciphertext is found
// with its plaintext, and a changed salt or wrapped key is not.
func TestSameCiphertext(t *testing.T) {
	fx, err := dareFixtures()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range fx.encrypted {
		e := cloneEnv(t, o.env)
		if len(e.Header.Recipients) == 0 {
			continue
		}
		if got := fx.sameCiphertext(e); got == nil || !bytes.Equal(got.plaintext, o.plaintext) {
			t.Fatalf("unchanged envelope not matched to its original")
		}
		e.Header.Salt = append(e.Header.Salt, 0)
		if fx.sameCiphertext(e) != nil {
			t.Error("changed salt still matched")
		}
		e = cloneEnv(t, o.env)
		for i := range e.Header.Recipients {
			e.Header.Recipients[i].Wmk[0] ^= 1
		}
		if fx.sameCiphertext(e) != nil {
			t.Error("changed wrapped key still matched")
		}
		pt, err := dare.Decrypt(cloneEnv(t, o.env), fx.recipient)
		if err != nil || !bytes.Equal(pt, o.plaintext) {
			t.Errorf("fixture does not decrypt: %v", err)
		}
	}
}
