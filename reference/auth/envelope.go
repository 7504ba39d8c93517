package auth

import (
	"bytes"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/internal/memo"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
)

// These helpers serve the portal and client: signing goes through package dare; verification
// here answers a different question than dare.Verify ("is this envelope signed by this one
// key?", with a cache of verified signatures for the portal's hot path) rather than "is every
// signature by a trusted key?".

// Errors of signed envelopes.
var (
	ErrEnvelope  = errors.New("malformed envelope")
	ErrUnsigned  = errors.New("envelope carries no signature")
	ErrNotSigned = errors.New("envelope not signed by the expected key")
	ErrPayload   = errors.New("envelope payload does not decode")
)

// Signature is one signature found in an envelope.
type Signature struct {
	Alg string
	Kid string
	Sig []byte
}

// SignStructure returns a DARE envelope whose payload is the tagged structure v, signed by
// every signer (PayloadDigest = SHA-512(payload); each signature pure EdDSA over it).
func SignStructure(v mesh.Structure, signers ...keys.Signer) (*mesh.DareMessage, error) {
	payload, err := mesh.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return SignPayload(payload, signers...)
}

// SignPayload signs raw payload bytes into an envelope, with the one DARE signing code of
// package dare (PayloadDigest = SHA-512(payload); each signature pure EdDSA over it).
func SignPayload(payload []byte, signers ...keys.Signer) (*mesh.DareMessage, error) {
	if len(signers) == 0 {
		return &mesh.DareMessage{Header: &mesh.DareHeader{Dig: dare.DigS512}, Payload: payload}, nil
	}
	env, err := dare.Seal(payload, dare.Options{Signers: signers})
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return env, nil
}

// PlainEnvelope wraps a tagged structure without signatures (Full Get entries, Transfer items).
func PlainEnvelope(v mesh.Structure) (*mesh.DareMessage, error) {
	payload, err := mesh.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return &mesh.DareMessage{Header: &mesh.DareHeader{}, Payload: payload}, nil
}

// Open decodes the payload of an envelope as a tagged structure.
func Open(env *mesh.DareMessage) (mesh.Structure, error) {
	if env == nil {
		return nil, fmt.Errorf("auth: %w: missing", ErrEnvelope)
	}
	if env.Header != nil && (env.Header.Enc != "" || len(env.Header.Recipients) > 0) {
		return nil, fmt.Errorf("auth: %w: encrypted payload where a signed structure was expected", ErrEnvelope)
	}
	v, err := mesh.Unmarshal(env.Payload, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: %w: %w", ErrPayload, err)
	}
	return v, nil
}

// Signatures lists the header and trailer signatures of an envelope.
func Signatures(env *mesh.DareMessage) []Signature {
	var out []Signature
	if env == nil {
		return nil
	}
	add := func(ss []mesh.DareSignature) {
		for _, s := range ss {
			out = append(out, Signature{Alg: s.Alg, Kid: s.Kid, Sig: s.Signature})
		}
	}
	if env.Header != nil {
		add(env.Header.Signatures)
	}
	if env.Trailer != nil {
		add(env.Trailer.Signatures)
	}
	return out
}

// VerifyBy checks that env carries a valid signature by the given key over SHA-512 of its
// payload, and that a PayloadDigest, when present, is that digest.
func VerifyBy(env *mesh.DareMessage, alg keys.Algorithm, pub []byte) error {
	if env == nil {
		return fmt.Errorf("auth: %w: missing", ErrEnvelope)
	}
	d := sha512.Sum512(env.Payload)
	if env.Trailer != nil && len(env.Trailer.PayloadDigest) > 0 && !bytes.Equal(env.Trailer.PayloadDigest, d[:]) {
		return fmt.Errorf("auth: %w: PayloadDigest is not SHA-512 of the payload", ErrEnvelope)
	}
	sigs := Signatures(env)
	if len(sigs) == 0 {
		return fmt.Errorf("auth: %w", ErrUnsigned)
	}
	fp := keys.Fingerprint(alg, pub)
	for _, s := range sigs {
		// A kid, when present, must name the key; the signature itself decides.
		if s.Kid != "" && !udf.Compare(s.Kid, fp) {
			continue
		}
		if verifyCached(alg, pub, d[:], s.Sig) {
			return nil
		}
	}
	return fmt.Errorf("auth: %w: %s", ErrNotSigned, fp)
}

// VerifyByAny returns the index of the first key of ks that signed env.
func VerifyByAny(env *mesh.DareMessage, ks []mesh.PublicKey) (int, error) {
	if len(Signatures(env)) == 0 {
		return -1, fmt.Errorf("auth: %w", ErrUnsigned)
	}
	var last error = fmt.Errorf("auth: %w: no candidate key", ErrNotSigned)
	for i := range ks {
		alg, pub, err := keys.FromMeshPublicKey(&ks[i])
		if err != nil {
			last = err
			continue
		}
		if err := VerifyBy(env, alg, pub); err != nil {
			last = err
			continue
		}
		return i, nil
	}
	return -1, last
}

// Signed reports whether env carries any signature at all, checked or not.
func Signed(env *mesh.DareMessage) bool { return len(Signatures(env)) > 0 }

// verifiedSigs remembers signatures that verified, so that material a portal sees again and
// again (the ProfileMaster embedded in every ProfileMesh, a re-published profile) costs one
// hash instead of an Ed448 verification. Only successes are remembered, keyed by a hash of
// everything verified, so a hit is exactly as strong as a verification.
var verifiedSigs = memo.New[[64]byte, struct{}](1 << 14)

func verifyCached(alg keys.Algorithm, pub, digest, sig []byte) bool {
	h := sha512.New()
	h.Write([]byte(alg.String()))
	for _, b := range [][]byte{pub, digest, sig} {
		h.Write([]byte{byte(len(b) >> 8), byte(len(b))})
		h.Write(b)
	}
	var k [64]byte
	h.Sum(k[:0])
	if _, ok := verifiedSigs.Get(k); ok {
		return true
	}
	if keys.Verify(alg, pub, digest, sig) != nil {
		return false
	}
	verifiedSigs.Put(k, struct{}{})
	return true
}
