package dare

import (
	"bytes"
	"crypto/aes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	josecipher "github.com/go-jose/go-jose/v4/cipher"

	"github.com/meshconform/meshconform/reference/keys"
)

const examplePlaintext = "This is a test long enough to require multiple blocks"

func examples(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "external", "dare-message-examples.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// block returns the hex dump in the first ~~~~ fence after the text label.
func block(t testing.TB, text, label string) []byte {
	t.Helper()
	i := strings.Index(text, label)
	if i < 0 {
		t.Fatalf("label %q not found", label)
	}
	rest := text[i:]
	start := strings.Index(rest, "~~~~") + 4
	end := start + strings.Index(rest[start:], "~~~~")
	h := regexp.MustCompile(`[^0-9A-F]`).ReplaceAllString(rest[start:end], "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) == 0 {
		t.Fatalf("block %q: %v", label, err)
	}
	return b
}

// envelope returns the JSON in the first ~~~~ fence after the section heading.
func envelope(t testing.TB, text, heading string) []byte {
	t.Helper()
	i := strings.Index(text, heading)
	if i < 0 {
		t.Fatalf("heading %q not found", heading)
	}
	rest := text[i:]
	if k := strings.Index(rest, "The completed message is:"); k >= 0 && k < strings.Index(rest[1:], "\n## ") {
		rest = rest[k:]
	}
	j := strings.Index(rest, "~~~~\n{")
	start := j + 5
	end := start + strings.Index(rest[start:], "~~~~")
	return []byte(rest[start:end])
}

// TestExampleSymmetricChain reproduces every value of the published symmetric chain: KEK
// from the agreement value, wrapped master key, payload key, IV and ciphertext.
func TestExampleSymmetricChain(t *testing.T) {
	text := examples(t)
	master := block(t, text, "The creator generates a master session key:")
	agreement := block(t, text, "The key agreement value is calculated:")
	wantKEK := block(t, text, "to create the key used to wrap the master key:")
	wantWMK := block(t, text, "The wrapped master key is:")
	salt := block(t, text, "we first generate a unique salt value:")
	wantKey := block(t, text, "used to generate the payload encryption")
	wantIV := block(t, text, "we also require an initializarion vector:")
	wantCT := block(t, text, "The output sequence is the encrypted bytes:")

	k, err := kek(agreement)
	if err != nil || !bytes.Equal(k, wantKEK) {
		t.Fatalf("KEK %X want %X (%v)", k, wantKEK, err)
	}
	blk, err := aes.NewCipher(k)
	if err != nil {
		t.Fatal(err)
	}
	wmk, err := josecipher.KeyWrap(blk, master)
	if err != nil || !bytes.Equal(wmk, wantWMK) {
		t.Fatalf("wmk %X want %X", wmk, wantWMK)
	}
	key, iv, _ := payloadKeys(master, salt)
	if !bytes.Equal(key, wantKey) || !bytes.Equal(iv, wantIV) {
		t.Fatalf("key %X iv %X", key, iv)
	}
	ct, _ := encryptPayload(master, salt, []byte(examplePlaintext))
	if !bytes.Equal(ct, wantCT) {
		t.Fatalf("ciphertext %X want %X", ct, wantCT)
	}
	pt, err := decryptPayload(master, salt, ct)
	if err != nil || string(pt) != examplePlaintext {
		t.Fatalf("decrypt: %q %v", pt, err)
	}

	// The printed envelope (DareEnvelope tag, line-wrapped base64) carries the same values.
	env, err := Parse(envelope(t, text, "## Encrypted Message"), nil) // after "The completed message is:"
	if err != nil {
		t.Fatal(err)
	}
	h := env.Header
	if h.Enc != EncA256CBC || !bytes.Equal(h.Salt, salt) || len(h.Recipients) != 1 ||
		!bytes.Equal(h.Recipients[0].Wmk, wantWMK) || !bytes.Equal(env.Payload, wantCT) {
		t.Fatalf("parsed envelope differs: %+v", h)
	}
	// A key that is not a recipient is a key error, not a decryption error.
	other, _ := keys.Derive(keys.X25519, nil, "other")
	if _, err := Decrypt(env, other); !errors.Is(err, ErrKey) {
		t.Fatalf("decrypt with a stranger's key: %v", err)
	}
}

// TestExampleSignedEnvelopes parses the signed examples: "SHA2" is accepted as dig, the
// PayloadDigest is SHA-512 of the payload as sent, and a verifier that does not hold the
// signer's key gets a key error.
func TestExampleSignedEnvelopes(t *testing.T) {
	text := examples(t)
	for _, c := range []struct{ heading, plain string }{
		{"## Signed Message", examplePlaintext},
		{"## Signed and Encrypted Message", ""},
	} {
		t.Run(c.heading, func(t *testing.T) {
			env, err := Parse(envelope(t, text, c.heading), nil)
			if err != nil {
				t.Fatal(err)
			}
			if env.Header.Dig != DigSHA2 || env.Trailer == nil || len(env.Trailer.Signatures) != 1 {
				t.Fatalf("envelope %+v", env.Header)
			}
			d := sha512.Sum512(env.Payload)
			if !bytes.Equal(d[:], env.Trailer.PayloadDigest) {
				t.Fatal("PayloadDigest is not SHA-512 of the payload")
			}
			if c.plain != "" && string(env.Payload) != c.plain {
				t.Fatalf("payload %q", env.Payload)
			}
			k, _ := keys.Derive(keys.Ed25519, nil, "x")
			if err := Verify(env, k.Public()); !errors.Is(err, ErrKey) {
				t.Fatalf("verify with an unrelated key: %v", err)
			}
			env.Payload = append(env.Payload, 0)
			if err := Verify(env, k.Public()); !errors.Is(err, ErrDigest) {
				t.Fatalf("verify after tampering: %v", err)
			}
		})
	}
}

func TestExamplePlaintextEnvelopes(t *testing.T) {
	text := examples(t)
	for _, h := range []string{"## Plaintext Message\n", "## Plaintext Message with EDS"} {
		env, err := Parse(envelope(t, text, h), nil)
		if err != nil {
			t.Fatalf("%s: %v", h, err)
		}
		pt, err := Decrypt(env, nil)
		if err != nil || string(pt) != examplePlaintext {
			t.Fatalf("%s: %q %v", h, pt, err)
		}
		if err := Verify(env); !errors.Is(err, ErrNotSigned) {
			t.Fatalf("%s: verify unsigned: %v", h, err)
		}
	}
}
