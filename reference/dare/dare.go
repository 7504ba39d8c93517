package dare

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"strings"

	josecipher "github.com/go-jose/go-jose/v4/cipher"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
)

// Algorithm identifiers on the wire.
const (
	EncA256CBC = "A256CBC"
	// DigS512 is the 2019 name of SHA-2-512, emitted in dig and in each signature's alg as
	// the 2019 code did; DigSHA2 is the later name, accepted on input.
	DigS512 = "S512"
	DigSHA2 = "SHA2"
)

const (
	masterKeySize = 32 // 256-bit master key
	saltSize      = 16 // the 2019 reference drew 128-bit salts
)

// Error classes. Every error returned by this package wraps exactly one of them, and they
// are checked in this order so that a lower class never masks a higher one: a malformed
// envelope is ErrParse whatever else is wrong; a payload that does not match its digest is
// ErrDigest even under a signature that looks valid; a signature by no trusted key, or a
// recipient list without the decryption key, is ErrKey; only then is a signature checked.
var (
	ErrParse = errors.New("malformed DARE envelope")
	// ErrUnsupported is a parse error too: an envelope in an unknown algorithm cannot be read.
	ErrUnsupported = fmt.Errorf("%w: unsupported algorithm", ErrParse)
	ErrDigest      = errors.New("payload digest mismatch")
	ErrKey         = errors.New("no suitable key")
	ErrNotSigned   = errors.New("envelope is not signed")
	ErrSignature   = errors.New("bad signature")
	ErrDecrypt     = errors.New("decryption failed")
)

// Recipient is a public key an envelope is encrypted to (Ed448, X448 or X25519).
type Recipient = keys.PublicKey

// Options say how to build an envelope.
type Options struct {
	// Rand supplies the master key, salt and ephemeral keys; crypto/rand when nil. A
	// deterministic reader gives a deterministic envelope, for vectors.
	Rand io.Reader
	// ContentType goes in the header's cty when not empty.
	ContentType string
	// Signers each sign the payload digest; none gives an unsigned envelope.
	Signers []keys.Signer
	// Recipients each get a wrapped master key; none gives a plaintext envelope.
	Recipients []Recipient
}

// Seal builds an envelope of payload: encrypted when there are recipients, then signed over
// the payload as sent (the ciphertext) when there are signers.
func Seal(payload []byte, opts Options) (*mesh.DareMessage, error) {
	r := opts.Rand
	if r == nil {
		r = rand.Reader
	}
	env := &mesh.DareMessage{Header: &mesh.DareHeader{Cty: opts.ContentType}, Payload: payload}
	if len(opts.Recipients) > 0 {
		if err := encrypt(env, r, opts.Recipients); err != nil {
			return nil, err
		}
	}
	if len(opts.Signers) > 0 {
		env.Header.Dig = DigS512
		digest := sha512.Sum512(env.Payload)
		env.Trailer = &mesh.DareTrailer{PayloadDigest: digest[:]}
		for _, s := range opts.Signers {
			sig, err := s.Sign(digest[:])
			if err != nil {
				return nil, fmt.Errorf("dare: signing: %w: %w", ErrKey, err)
			}
			env.Trailer.Signatures = append(env.Trailer.Signatures, mesh.DareSignature{
				Alg: DigS512, Kid: keys.Fingerprint(s.Algorithm(), s.PublicBytes()), Signature: sig,
			})
		}
	}
	return env, nil
}

// payloadKeys derives the AES key and IV from the master key and salt (HKDF-SHA-256).
func payloadKeys(master, salt []byte) (key, iv []byte, err error) {
	if key, err = hkdf.Key(sha256.New, master, salt, "encrypt", 32); err != nil {
		return nil, nil, err
	}
	if iv, err = hkdf.Key(sha256.New, master, salt, "iv", 16); err != nil {
		return nil, nil, err
	}
	return key, iv, nil
}

// kek derives the key-encryption key from an agreement value (HKDF-SHA-512, no salt).
func kek(agreement []byte) ([]byte, error) {
	return hkdf.Key(sha512.New, agreement, nil, "master", 32)
}

func encrypt(env *mesh.DareMessage, r io.Reader, recipients []Recipient) error {
	master := make([]byte, masterKeySize)
	salt := make([]byte, saltSize)
	if _, err := io.ReadFull(r, master); err != nil {
		return fmt.Errorf("dare: reading randomness: %w", err)
	}
	if _, err := io.ReadFull(r, salt); err != nil {
		return fmt.Errorf("dare: reading randomness: %w", err)
	}
	for _, rc := range recipients {
		if !rc.Algorithm.CanAgree() {
			return fmt.Errorf("dare: recipient: %w: %w", ErrKey, keys.ErrCannotAgree)
		}
		eph, err := keys.Generate(rc.Algorithm, r)
		if err != nil {
			return fmt.Errorf("dare: ephemeral key: %w", err)
		}
		wmk, err := wrapFor(eph, rc.Bytes, master)
		if err != nil {
			return err
		}
		env.Header.Recipients = append(env.Header.Recipients, mesh.DareRecipient{
			Kid: rc.Fingerprint(), Epk: keys.ToPublicKeyECDH(rc.Algorithm, eph.PublicBytes()), Wmk: wmk,
		})
	}
	ct, err := encryptPayload(master, salt, env.Payload)
	if err != nil {
		return err
	}
	env.Header.Enc, env.Header.Salt, env.Payload = EncA256CBC, salt, ct
	return nil
}

// wrapFor wraps master for the holder of peer, using the ephemeral key eph.
func wrapFor(eph *keys.PrivateKey, peer, master []byte) ([]byte, error) {
	z, err := eph.Agree(peer)
	if err != nil {
		return nil, fmt.Errorf("dare: recipient key: %w: %w", ErrKey, err)
	}
	k, err := kek(z)
	if err != nil {
		return nil, fmt.Errorf("dare: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("dare: key wrap: %w", err)
	}
	wmk, err := josecipher.KeyWrap(block, master)
	if err != nil {
		return nil, fmt.Errorf("dare: key wrap: %w", err)
	}
	return wmk, nil
}

// encryptPayload is AES-256-CBC with PKCS#7 padding under the derived key and IV.
func encryptPayload(master, salt, plain []byte) ([]byte, error) {
	key, iv, err := payloadKeys(master, salt)
	if err != nil {
		return nil, fmt.Errorf("dare: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("dare: %w", err)
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	out := make([]byte, len(plain)+pad)
	copy(out, plain)
	for i := len(plain); i < len(out); i++ {
		out[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, out)
	return out, nil
}

func decryptPayload(master, salt, ct []byte) ([]byte, error) {
	key, iv, err := payloadKeys(master, salt)
	if err != nil {
		return nil, fmt.Errorf("dare: %w: %w", ErrDecrypt, err)
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("dare: %w: ciphertext of %d bytes", ErrDecrypt, len(ct))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("dare: %w: %w", ErrDecrypt, err)
	}
	out := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, ct)
	plain, ok := unpad(out)
	if !ok {
		return nil, fmt.Errorf("dare: %w: bad padding", ErrDecrypt)
	}
	return plain, nil
}

// unpad removes PKCS#7 padding from b (whole blocks, at least one) in time that depends only on
// len(b): the padding check of CBC decryption must not tell by its timing which byte was wrong.
func unpad(b []byte) ([]byte, bool) {
	n := len(b)
	if n < aes.BlockSize {
		return nil, false
	}
	pad := int(b[n-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	for i := 1; i <= aes.BlockSize; i++ {
		// The i-th byte from the end must equal pad when it lies inside the padding.
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		good &= subtle.ConstantTimeSelect(inPad, subtle.ConstantTimeByteEq(b[n-i], byte(pad)), 1)
	}
	if good != 1 {
		return nil, false
	}
	return b[:n-pad], true
}

// checkStructure rejects envelopes no reader can interpret.
func checkStructure(env *mesh.DareMessage) error {
	if env == nil || env.Header == nil {
		return fmt.Errorf("dare: %w: no header", ErrParse)
	}
	switch env.Header.Dig {
	case "", DigS512, DigSHA2:
	default:
		return fmt.Errorf("dare: %w: dig %q", ErrUnsupported, env.Header.Dig)
	}
	switch env.Header.Enc {
	case "", EncA256CBC:
	default:
		return fmt.Errorf("dare: %w: enc %q", ErrUnsupported, env.Header.Enc)
	}
	return nil
}

// checkDigest compares the trailer's PayloadDigest with the payload, when there is one.
func checkDigest(env *mesh.DareMessage) error {
	if env.Trailer == nil || env.Trailer.PayloadDigest == nil {
		return nil
	}
	d := sha512.Sum512(env.Payload)
	if subtle.ConstantTimeCompare(d[:], env.Trailer.PayloadDigest) != 1 {
		return fmt.Errorf("dare: %w", ErrDigest)
	}
	return nil
}

// Verify checks an envelope's PayloadDigest and every signature against the trusted keys.
// Each signature must verify under a trusted key: a verifier that accepted unknown signers
// would let anyone add a signature next to a valid one. A kid names the key; a signature
// without one, as the 2019 reference wrote them, is tried with every trusted signature key
// (the keys the caller knows from context: one given key, a profile's own key), and one
// without alg is of the algorithm of the key it verifies under (WIRE.md 5).
func Verify(env *mesh.DareMessage, trusted ...keys.PublicKey) error {
	if err := checkStructure(env); err != nil {
		return err
	}
	if env.Trailer == nil || len(env.Trailer.Signatures) == 0 {
		return fmt.Errorf("dare: %w", ErrNotSigned)
	}
	if env.Header.Dig == "" {
		return fmt.Errorf("dare: %w: signed envelope without dig", ErrParse)
	}
	if env.Trailer.PayloadDigest == nil {
		return fmt.Errorf("dare: %w: signed envelope without PayloadDigest", ErrParse)
	}
	if err := checkDigest(env); err != nil {
		return err
	}
	// Resolve every kid before checking any signature, so that a key error is never
	// reported as a signature error.
	signers := make([][]keys.PublicKey, len(env.Trailer.Signatures))
	for i, s := range env.Trailer.Signatures {
		signers[i] = candidates(s, trusted)
		if len(signers[i]) == 0 {
			return fmt.Errorf("dare: signature %d: %w: kid %q is not trusted", i, ErrKey, s.Kid)
		}
	}
	for i, s := range env.Trailer.Signatures {
		var err error
		for _, k := range signers[i] {
			if err = keys.Verify(k.Algorithm, k.Bytes, env.Trailer.PayloadDigest, s.Signature); err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("dare: signature %d (%s): %w: %w", i, s.Kid, ErrSignature, err)
		}
	}
	return nil
}

// signatureAlg reports whether alg names a signature algorithm. The 2019 writer put the
// digest name (SHA2) in alg: such an alg, or none, says nothing of the key's curve.
func signatureAlg(alg string) bool {
	a, err := keys.ParseAlgorithm(alg)
	return err == nil && a.CanSign()
}

// candidates returns the trusted keys a signature may be by: the one its kid names, or,
// without a kid, every trusted signature key of its alg (of any, when alg names no
// signature algorithm).
func candidates(s mesh.DareSignature, trusted []keys.PublicKey) []keys.PublicKey {
	if s.Kid != "" {
		if k, ok := findKey(s.Kid, trusted); ok {
			return []keys.PublicKey{k}
		}
		return nil
	}
	var out []keys.PublicKey
	for _, k := range trusted {
		if k.Algorithm.CanSign() && (!signatureAlg(s.Alg) || strings.EqualFold(s.Alg, k.Algorithm.String())) {
			out = append(out, k)
		}
	}
	return out
}

// findKey returns the trusted signature key a kid names. An empty kid names nothing.
func findKey(kid string, trusted []keys.PublicKey) (keys.PublicKey, bool) {
	for _, k := range trusted {
		if k.Algorithm.CanSign() && kid != "" && udf.Compare(kid, k.Fingerprint()) {
			return k, true
		}
	}
	return keys.PublicKey{}, false
}

// Decrypt returns the plaintext of an envelope: the payload itself when it is not
// encrypted. When the trailer carries a PayloadDigest, it is checked first.
func Decrypt(env *mesh.DareMessage, key *keys.PrivateKey) ([]byte, error) {
	if err := checkStructure(env); err != nil {
		return nil, err
	}
	if err := checkDigest(env); err != nil {
		return nil, err
	}
	h := env.Header
	if h.Enc == "" {
		if len(h.Recipients) > 0 {
			return nil, fmt.Errorf("dare: %w: recipients without enc", ErrParse)
		}
		return bytes.Clone(env.Payload), nil
	}
	if len(h.Salt) == 0 {
		return nil, fmt.Errorf("dare: %w: encrypted envelope without Salt", ErrParse)
	}
	if key == nil {
		return nil, fmt.Errorf("dare: %w: no decryption key", ErrKey)
	}
	kid := key.Fingerprint()
	for i, rc := range h.Recipients {
		if rc.Kid == "" || !udf.Compare(rc.Kid, kid) {
			continue
		}
		alg, epk, err := keys.FromKey(rc.Epk)
		if err != nil {
			return nil, fmt.Errorf("dare: recipient %d: %w: epk: %w", i, ErrParse, err)
		}
		if alg != key.Algorithm() {
			return nil, fmt.Errorf("dare: recipient %d: %w: epk is %v, key is %v", i, ErrKey, alg, key.Algorithm())
		}
		z, err := key.Agree(epk)
		if err != nil {
			return nil, fmt.Errorf("dare: recipient %d: %w: %w", i, ErrDecrypt, err)
		}
		k, err := kek(z)
		if err != nil {
			return nil, fmt.Errorf("dare: %w: %w", ErrDecrypt, err)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, fmt.Errorf("dare: recipient %d: %w: %w", i, ErrDecrypt, err)
		}
		master, err := josecipher.KeyUnwrap(block, rc.Wmk)
		if err != nil {
			return nil, fmt.Errorf("dare: recipient %d: %w: key unwrap: %w", i, ErrDecrypt, err)
		}
		if len(master) != masterKeySize {
			return nil, fmt.Errorf("dare: recipient %d: %w: master key of %d bytes", i, ErrDecrypt, len(master))
		}
		return decryptPayload(master, h.Salt, env.Payload)
	}
	return nil, fmt.Errorf("dare: %w: no recipient entry for %s", ErrKey, kid)
}

// Open verifies an envelope against the trusted keys, then decrypts it with key (which may
// be nil for a plaintext envelope).
func Open(env *mesh.DareMessage, key *keys.PrivateKey, trusted ...keys.PublicKey) ([]byte, error) {
	if err := Verify(env, trusted...); err != nil {
		return nil, err
	}
	return Decrypt(env, key)
}

// Parse reads an envelope: a tagged document ({"DareMessage": [...]} or the later
// {"DareEnvelope": [...]}) or the bare array. Base64 may be line-wrapped. opts may be nil.
func Parse(data []byte, opts *mesh.DecodeOptions) (*mesh.DareMessage, error) {
	data = unwrapStrings(data)
	env := new(mesh.DareMessage)
	var err error
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		err = mesh.UnmarshalBare(data, env, opts)
	} else {
		err = mesh.UnmarshalInto(data, env, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("dare: %w: %w", ErrParse, err)
	}
	if env.Header == nil {
		env.Header = &mesh.DareHeader{}
	}
	return env, nil
}

// Marshal writes the envelope as a tagged DareMessage document.
func Marshal(env *mesh.DareMessage) ([]byte, error) { return mesh.Marshal(env) }

// SignStructure signs the tagged encoding of v: the form profiles and signed entries take.
func SignStructure(v mesh.Structure, signers ...keys.Signer) (*mesh.DareMessage, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("dare: %w: no signer", ErrKey)
	}
	payload, err := mesh.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("dare: encoding payload: %w", err)
	}
	return Seal(payload, Options{Signers: signers})
}

// OpenStructure verifies a signed structure, then decodes its payload. A payload that is not
// a schema structure is a parse error, reported only after the signature checked out.
func OpenStructure(env *mesh.DareMessage, trusted ...keys.PublicKey) (mesh.Structure, error) {
	if err := Verify(env, trusted...); err != nil {
		return nil, err
	}
	if env.Header.Enc != "" {
		return nil, fmt.Errorf("dare: %w: encrypted structure", ErrUnsupported)
	}
	v, err := mesh.Unmarshal(env.Payload, nil)
	if err != nil {
		return nil, fmt.Errorf("dare: payload: %w: %w", ErrParse, err)
	}
	return v, nil
}

// unwrapStrings removes the raw line breaks, and the indentation after them, that the 2019
// writer put inside long base64 strings. A raw CR or LF is illegal inside a JSON string, so
// this changes only input that would otherwise be rejected, and only where the 2019 writer
// wrapped (testdata/external): the envelope's payload (the array element after the header),
// the elements of Annotations, and the values of wrappedMembers, when they hold nothing but
// base64url characters and that whitespace. Any other string with a raw line break (a content
// type, an account name, a member name) is left for the codec to refuse, even when its
// characters look like base64.
func unwrapStrings(data []byte) []byte {
	if !bytes.ContainsAny(data, "\r\n") {
		return data
	}
	var w wrapScanner
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); {
		if data[i] != '"' {
			w.byte(data[i])
			out = append(out, data[i])
			i++
			continue
		}
		end := stringEnd(data, i+1)
		s := data[i:end]
		base64 := w.str(s)
		if base64 && bytes.ContainsAny(s, "\r\n") && wrappedBase64(s[1:]) {
			out = append(out, '"')
			for _, c := range s[1:] {
				if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
					out = append(out, c)
				}
			}
		} else {
			out = append(out, s...)
		}
		i = end
	}
	return out
}

// wrappedMembers are the DARE members whose values are base64 and which the 2019 writer
// wrapped: signature and witness of a signature, PayloadDigest of the trailer, Salt of the
// header, wmk of a recipient.
var wrappedMembers = map[string]bool{"signature": true, "witness": true, "PayloadDigest": true, "Salt": true, "wmk": true}

// wrapScanner follows the JSON structure around the strings unwrapStrings meets, enough to
// tell where a string sits: a member name, a member's value, or an array element.
type wrapScanner struct {
	stack []wrapLevel
	deep  int    // levels opened beyond maxWrapDepth, not tracked: bounded memory on any input
	name  string // the member name just read, owner of the value that follows
}

// maxWrapDepth bounds the levels wrapScanner tracks; an envelope nests a few levels, and the
// codec refuses deeper input anyway.
const maxWrapDepth = 64

type wrapLevel struct {
	array   bool
	owner   string // for an array: the member it is the value of
	key     bool   // for an object: the next string is a member name
	member  string // for an object: the member whose value comes next
	index   int    // for an array: the element being read
	first   byte   // for an array: how element 0 began ('{', 'n', '"', ...)
	started bool   // for an array: the current element has begun
}

func (w *wrapScanner) top() *wrapLevel {
	if len(w.stack) == 0 {
		return nil
	}
	return &w.stack[len(w.stack)-1]
}

// element notes that an array element begins with c.
func (w *wrapScanner) element(c byte) {
	if t := w.top(); t != nil && t.array && !t.started {
		t.started = true
		if t.index == 0 {
			t.first = c
		}
	}
}

func (w *wrapScanner) byte(c byte) {
	t := w.top()
	switch c {
	case '{', '[':
		w.element(c)
		if len(w.stack) >= maxWrapDepth {
			w.deep++
			return
		}
		owner := ""
		if t != nil && !t.array {
			owner = t.member
		}
		w.stack = append(w.stack, wrapLevel{array: c == '[', owner: owner, key: c == '{'})
	case '}', ']':
		if w.deep > 0 {
			w.deep--
			return
		}
		if len(w.stack) > 0 {
			w.stack = w.stack[:len(w.stack)-1]
		}
	case ',':
		if t != nil && t.array {
			t.index++
			t.started = false
		} else if t != nil {
			t.key, t.member = true, ""
		}
	case ':':
		if t != nil && !t.array {
			t.key, t.member = false, w.name
		}
	case ' ', '\t', '\r', '\n':
	default:
		w.element(c)
	}
}

// str notes a string and reports whether it sits where wrapped base64 may.
func (w *wrapScanner) str(s []byte) bool {
	t := w.top()
	switch {
	case t == nil || w.deep > 0:
		return false
	case !t.array && t.key:
		w.name = string(bytes.TrimSuffix(s[1:], []byte{'"'}))
		return false
	case !t.array:
		return wrappedMembers[t.member]
	}
	w.element('"')
	return t.owner == "Annotations" || (t.index == 1 && (t.first == '{' || t.first == 'n'))
}

// stringEnd returns the index just past the closing quote of the string whose contents start
// at i (len(data) when it is not closed).
func stringEnd(data []byte, i int) int {
	for ; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(data)
}

// wrappedBase64 reports whether s (a string's contents and closing quote) is base64url
// characters, padding and whitespace only.
func wrappedBase64(s []byte) bool {
	for _, c := range bytes.TrimSuffix(s, []byte{'"'}) {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '=', c == ' ', c == '\t', c == '\r', c == '\n':
		default:
			return false
		}
	}
	return true
}

// WithoutSignatures returns a copy of env with every signature removed (header and trailer):
// the unsigned twin of a signed envelope, which a verifier must refuse.
func WithoutSignatures(env *mesh.DareMessage) *mesh.DareMessage {
	cp := *env
	if cp.Header != nil {
		h := *cp.Header
		h.Signatures = nil
		cp.Header = &h
	}
	if cp.Trailer != nil {
		tr := *cp.Trailer
		tr.Signatures = nil
		cp.Trailer = &tr
	}
	return &cp
}

// Resign returns a new envelope of env's payload signed by signers instead of its own signers:
// the same content under a wrong key, which a verifier trusting other keys must refuse.
func Resign(env *mesh.DareMessage, signers ...keys.Signer) (*mesh.DareMessage, error) {
	return Seal(env.Payload, Options{Signers: signers})
}
