package targets

import (
	"bytes"
	"crypto/sha512"
	"errors"

	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

func hasDecodeError(err error) bool {
	var de *mesh.DecodeError
	return errors.As(err, &de)
}

// checkDareParseError requires a dare.Parse failure to be ErrParse around a typed decoding
// error.
func checkDareParseError(name string, err error, n int) error {
	if !errors.Is(err, dare.ErrParse) {
		return violation(name, "errors are typed", "Parse: %T is not dare.ErrParse: %v", err, err)
	}
	return checkDecodeError(name, err, n)
}

// unwrapped removes every raw line break and the blanks after it. dare.Parse reads the 2019
// writer's raw line breaks inside strings (illegal in JSON) by dropping them with the
// indentation that follows; outside strings they are white space, so dropping them there
// changes nothing. What dare.Parse accepts must be well formed once unwrapped so.
func unwrapped(data []byte) []byte {
	if !bytes.ContainsAny(data, "\r\n") {
		return data
	}
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		if data[i] != '\r' && data[i] != '\n' {
			out = append(out, data[i])
			continue
		}
		for i+1 < len(data) && (data[i+1] == ' ' || data[i+1] == '\t' || data[i+1] == '\r' || data[i+1] == '\n') {
			i++
		}
	}
	return out
}

// DareParse fuzzes dare.Parse (tagged, the later tag, or the bare array; lenient and strict):
// errors are dare.ErrParse around a typed decoding error; strict acceptance implies lenient
// acceptance; accepted input, once its raw line breaks are unwrapped, obeys the limits; an
// accepted envelope has a header and re-marshals stably.
var DareParse = register(&Target{
	Name:   "FuzzDareParse",
	Parser: "dare.Parse / Marshal",
	Check:  checkDareParse,
	seeds:  dareSeeds,
})

func checkDareParse(data []byte) (Outcome, error) {
	const name = "FuzzDareParse"
	env, err := dare.Parse(data, lenient)
	senv, serr := dare.Parse(data, strict)
	ok, strictToo, e := relateModes(name, len(data), err, serr, checkDareParseError)
	if !ok || e != nil {
		return outcome(ok), e
	}
	if strictToo && !mesh.Equal(env, senv) {
		return Accepted, violation(name, "strict and lenient agree", "envelopes differ")
	}
	if env.Header == nil {
		return Accepted, violation(name, "a parsed envelope has a header", "Header is nil")
	}
	if e := checkLimits(name, unwrapped(data), codecLimits); e != nil {
		return Accepted, e
	}
	first, err := dare.Marshal(env)
	if err != nil {
		return Accepted, violation(name, "an accepted envelope encodes", "%v", err)
	}
	again, err := dare.Parse(first, reread)
	if err != nil {
		return Accepted, violation(name, "decode-encode-decode is stable", "own encoding %q refused: %v", clip(first), err)
	}
	second, _ := dare.Marshal(again)
	return Accepted, sameEncoding(name, first, second)
}

var dareVerifyKinds = []error{dare.ErrParse, dare.ErrUnsupported, dare.ErrDigest, dare.ErrKey, dare.ErrNotSigned, dare.ErrSignature}

// DareVerify starts from valid signed envelopes (one signer, two signers, signed and
// encrypted, and one by an untrusted key) and verifies whatever the fuzzer makes of them
// against the trusted keys. Verification must fail unless what the signatures cover is
// unchanged: the payload bytes, the PayloadDigest, and signature values all made by the
// original signers over that payload. (The 2019 format signs only the payload digest: the
// header, the kid, alg and witness fields are not covered, and a kid may name its key by a
// prefix; see the report.) Errors belong to the documented classes and come in their order:
// a digest mismatch in a well-formed signed envelope is ErrDigest whatever else is wrong;
// an untrusted kid with a matching digest is ErrKey. Nothing verifies with no trusted key.
var DareVerify = register(&Target{
	Name:   "FuzzDareVerify",
	Parser: "dare.Verify of mutated signed envelopes",
	Check:  checkDareVerify,
	seeds:  dareSignedSeeds,
})

func checkDareVerify(data []byte) (Outcome, error) {
	const name = "FuzzDareVerify"
	env, err := dare.Parse(data, nil)
	if err != nil {
		return Rejected, checkDareParseError(name, err, len(data))
	}
	fx, err := dareFixtures()
	if err != nil {
		return Rejected, err
	}
	if dare.Verify(env) == nil {
		return Accepted, violation(name, "nothing verifies without a trusted key", "%q verified", clip(data))
	}
	verr := dare.Verify(env, fx.trusted...)
	if verr == nil {
		if !coveredByOriginal(env, fx.signed) {
			return Accepted, violation(name, "a mutated signed envelope never verifies", "%q verified but its payload or signatures are not an original's", clip(data))
		}
		return Accepted, nil
	}
	if !isOneOf(verr, dareVerifyKinds) {
		return Rejected, violation(name, "errors are typed", "Verify: %T: %v", verr, verr)
	}
	if signedShape(env) {
		digest := sha512.Sum512(env.Payload)
		if !bytes.Equal(digest[:], env.Trailer.PayloadDigest) {
			if !errors.Is(verr, dare.ErrDigest) {
				return Rejected, violation(name, "a digest mismatch is reported as such", "got %v", verr)
			}
		} else if untrustedKid(env, fx.trusted) && !errors.Is(verr, dare.ErrKey) {
			return Rejected, violation(name, "an untrusted kid is a key error, not a signature error", "got %v", verr)
		}
	}
	return Rejected, nil
}

// signedShape reports whether an envelope is well formed and signed as far as the checks
// before the digest go: known algorithms, a dig, signatures and a PayloadDigest.
func signedShape(env *mesh.DareMessage) bool {
	h := env.Header
	return h != nil && (h.Dig == dare.DigS512 || h.Dig == dare.DigSHA2) && (h.Enc == "" || h.Enc == dare.EncA256CBC) &&
		env.Trailer != nil && len(env.Trailer.Signatures) > 0 && env.Trailer.PayloadDigest != nil
}

func untrustedKid(env *mesh.DareMessage, trusted []keys.PublicKey) bool {
	for _, s := range env.Trailer.Signatures {
		found := false
		for _, k := range trusted {
			switch {
			case s.Kid != "" && matchesKid(s.Kid, k):
				found = true
			case s.Kid == "" && k.Algorithm.CanSign():
				// WIRE.md 5: a kid-less signature is tried with every trusted key of its alg,
				// of any when alg names no signature algorithm (the 2019 digest name).
				a, err := keys.ParseAlgorithm(s.Alg)
				found = found || err != nil || !a.CanSign() || a == k.Algorithm
			}
		}
		if !found {
			return true
		}
	}
	return false
}

// coveredByOriginal reports whether env's payload, digest and every signature value are
// those of one original envelope.
func coveredByOriginal(env *mesh.DareMessage, originals []*mesh.DareMessage) bool {
	for _, o := range originals {
		if !bytes.Equal(env.Payload, o.Payload) || !bytes.Equal(env.Trailer.PayloadDigest, o.Trailer.PayloadDigest) {
			continue
		}
		all := true
		for _, s := range env.Trailer.Signatures {
			ok := false
			for _, os := range o.Trailer.Signatures {
				if bytes.Equal(s.Signature, os.Signature) {
					ok = true
				}
			}
			all = all && ok
		}
		if all {
			return true
		}
	}
	return false
}

var dareDecryptKinds = []error{dare.ErrParse, dare.ErrUnsupported, dare.ErrDigest, dare.ErrKey, dare.ErrDecrypt}

// DareDecrypt starts from envelopes encrypted to a known recipient (unsigned, signed, to two
// recipients, and a plaintext one) and decrypts whatever the fuzzer makes of them. Errors
// belong to the documented classes, a digest mismatch first; a plaintext envelope decrypts to
// its payload; an encrypted one to fewer bytes than its ciphertext, a multiple of the block
// size; and when the ciphertext, salt and this recipient's entry are an original's, to the
// original plaintext. (AES-CBC without a MAC and an unsigned salt mean a mutated envelope can
// decrypt to garbage with valid padding: the 2019 design, noted in the report.)
var DareDecrypt = register(&Target{
	Name:   "FuzzDareDecrypt",
	Parser: "dare.Decrypt of mutated encrypted envelopes",
	Check:  checkDareDecrypt,
	seeds:  dareEncryptedSeeds,
})

func checkDareDecrypt(data []byte) (Outcome, error) {
	const name = "FuzzDareDecrypt"
	env, err := dare.Parse(data, nil)
	if err != nil {
		return Rejected, checkDareParseError(name, err, len(data))
	}
	fx, err := dareFixtures()
	if err != nil {
		return Rejected, err
	}
	pt, derr := dare.Decrypt(env, fx.recipient)
	h := env.Header
	structureOK := (h.Dig == "" || h.Dig == dare.DigS512 || h.Dig == dare.DigSHA2) && (h.Enc == "" || h.Enc == dare.EncA256CBC)
	if structureOK && env.Trailer != nil && env.Trailer.PayloadDigest != nil {
		digest := sha512.Sum512(env.Payload)
		if !bytes.Equal(digest[:], env.Trailer.PayloadDigest) && !errors.Is(derr, dare.ErrDigest) {
			return Rejected, violation(name, "a digest mismatch is reported as such", "got %v", derr)
		}
	}
	if derr != nil {
		if !isOneOf(derr, dareDecryptKinds) {
			return Rejected, violation(name, "errors are typed", "Decrypt: %T: %v", derr, derr)
		}
		return Rejected, nil
	}
	if h.Enc == "" {
		if !bytes.Equal(pt, env.Payload) {
			return Accepted, violation(name, "a plaintext envelope decrypts to its payload", "%q vs %q", clip(pt), clip(env.Payload))
		}
		return Accepted, nil
	}
	if len(env.Payload)%16 != 0 || len(pt) >= len(env.Payload) || len(env.Payload)-len(pt) > 16 {
		return Accepted, violation(name, "CBC plaintext fits its ciphertext", "%d bytes from %d", len(pt), len(env.Payload))
	}
	if o := fx.sameCiphertext(env); o != nil && !bytes.Equal(pt, o.plaintext) {
		return Accepted, violation(name, "an unchanged ciphertext decrypts to the original", "got %q", clip(pt))
	}
	return Accepted, nil
}
