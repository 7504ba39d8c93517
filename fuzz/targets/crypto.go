package targets

import (
	"bytes"
	"errors"
	"slices"
	"strings"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/shamir"
	"github.com/meshconform/meshconform/reference/udf"
)

// UDF fuzzes udf.Parse: errors are *udf.ParseError wrapping one documented kind, at a
// position inside the input; an accepted presentation parses back from its canonical text to
// the same value, matches its input under Compare, and its whole characters are what Present
// writes for its bytes.
var UDF = register(&Target{
	Name:   "FuzzUDF",
	Parser: "udf.Parse",
	Check:  checkUDF,
	seeds:  udfSeeds,
})

var udfKinds = []error{udf.ErrEmpty, udf.ErrTooLong, udf.ErrAlphabet, udf.ErrDash, udf.ErrTooShort, udf.ErrUnknownType}

func checkUDF(data []byte) (Outcome, error) {
	const name = "FuzzUDF"
	s := string(data)
	p, err := udf.Parse(s)
	if err != nil {
		var pe *udf.ParseError
		if !errors.As(err, &pe) || !isOneOf(err, udfKinds) {
			return Rejected, violation(name, "errors are typed", "%T: %v", err, err)
		}
		if pe.Pos < -1 || pe.Pos >= len(s) {
			return Rejected, violation(name, "error positions lie in the input", "position %d of %d bytes", pe.Pos, len(s))
		}
		return Rejected, nil
	}
	again, err := udf.Parse(p.Text)
	if err != nil {
		return Accepted, violation(name, "decode-encode-decode is stable", "canonical %q of %q refused: %v", p.Text, s, err)
	}
	if again.Text != p.Text || again.Type != p.Type || again.Bits != p.Bits || !bytes.Equal(again.Bytes, p.Bytes) {
		return Accepted, violation(name, "decode-encode-decode is stable", "%q and its canonical %q parse differently", s, p.Text)
	}
	if p.Text != strings.ToUpper(p.Text) || p.Bytes[0] != p.Type || len(p.Bytes) != p.Bits/8 {
		return Accepted, violation(name, "the parsed form is consistent", "%q: text %q type %#x bits %d bytes %d", s, p.Text, p.Type, p.Bits, len(p.Bytes))
	}
	if !udf.Compare(s, p.Text) {
		return Accepted, violation(name, "an input matches its canonical form", "Compare(%q, %q) is false", s, p.Text)
	}
	// The characters fully determined by the bytes are what the writer produces for them.
	whole := 5 * (8 * len(p.Bytes) / 5)
	pres, err := udf.Present(p.Bytes, whole)
	if err != nil || !strings.HasPrefix(strings.ReplaceAll(p.Text, "-", ""), strings.ReplaceAll(pres, "-", "")) {
		return Accepted, violation(name, "Present agrees with Parse", "Present(%x, %d) = %q, %v; canonical %q", p.Bytes, whole, pres, err, p.Text)
	}
	return Accepted, nil
}

func isOneOf(err error, kinds []error) bool {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// Shamir fuzzes share parsing and recovery. The input is up to 16 lines, each a share
// presentation. Each share that parses re-presents and re-parses to itself, and reads back
// from its binary layout; errors are typed. The parsed shares are then recovered: errors are
// typed, a recovered secret has the shares' size, does not depend on the order of the
// shares, re-presents as a secret UDF that parses back to it, and splitting it again (with
// randomness drawn from the input) and recovering gives it back.
var Shamir = register(&Target{
	Name:   "FuzzShamir",
	Parser: "shamir.ParseShare / Recover",
	Check:  checkShamir,
	seeds:  shamirSeeds,
})

var shamirKinds = []error{shamir.ErrShare, shamir.ErrMismatch, shamir.ErrQuorum, shamir.ErrSecretSize}

func checkShamir(data []byte) (Outcome, error) {
	const name = "FuzzShamir"
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > 16 {
		lines = lines[:16]
	}
	var shares []shamir.Share
	for _, l := range lines {
		sh, err := shamir.ParseShare(string(l))
		if err != nil {
			if !errors.Is(err, shamir.ErrShare) {
				return Rejected, violation(name, "errors are typed", "ParseShare(%q): %T: %v", l, err, err)
			}
			continue
		}
		again, err := shamir.ParseShare(sh.String())
		if err != nil || !sameShare(sh, again) {
			return Rejected, violation(name, "decode-encode-decode is stable", "%q re-presented as %q: %v", l, sh.String(), err)
		}
		fromBytes, err := shamir.ShareFromBytes(sh.Bytes())
		if err != nil || !sameShare(sh, fromBytes) {
			return Rejected, violation(name, "the binary layout round-trips", "%q: %v", l, err)
		}
		shares = append(shares, sh)
	}
	if len(shares) == 0 {
		return Rejected, nil
	}
	secret, err := shamir.Recover(shares)
	if err != nil {
		if !isOneOf(err, shamirKinds) {
			return Rejected, violation(name, "errors are typed", "Recover: %T: %v", err, err)
		}
		return Rejected, nil
	}
	k := shares[0].Threshold
	if len(secret) != len(shares[0].Value) {
		return Accepted, violation(name, "the secret has the shares' size", "%d bytes from %d-byte shares", len(secret), len(shares[0].Value))
	}
	reversed := slices.Clone(shares[:k])
	slices.Reverse(reversed)
	if other, err := shamir.Recover(reversed); err != nil || !bytes.Equal(other, secret) {
		return Accepted, violation(name, "recovery does not depend on share order", "%x vs %x, %v", secret, other, err)
	}
	if back, err := shamir.ParseSecret(shamir.SecretUDF(secret)); err != nil || !bytes.Equal(back, secret) {
		return Accepted, violation(name, "the secret UDF round-trips", "%x -> %q -> %x, %v", secret, shamir.SecretUDF(secret), back, err)
	}
	n := min(k+1, shamir.MaxShares)
	split, err := shamir.Split(secret, n, k, bytes.NewReader(bytes.Repeat(data, 64)))
	if err != nil {
		// A reader that runs dry is the only acceptable failure here.
		if !errors.Is(err, shamir.ErrRandom) {
			return Accepted, violation(name, "errors are typed", "Split: %T: %v", err, err)
		}
		return Accepted, nil
	}
	if back, err := shamir.Recover(split[n-k:]); err != nil || !bytes.Equal(back, secret) {
		return Accepted, violation(name, "split then recover returns the secret", "%x -> %x, %v", secret, back, err)
	}
	return Accepted, nil
}

func sameShare(a, b shamir.Share) bool {
	return a.Threshold == b.Threshold && a.X == b.X && bytes.Equal(a.Value, b.Value)
}

// KeyFile fuzzes keys.ParseKeyFile: errors wrap a documented keys error (a decoding failure
// also carries a typed *mesh.DecodeError); an accepted key file re-marshals to a file that
// parses to the same key, and an accepted public key passes CheckPublic.
var KeyFile = register(&Target{
	Name:   "FuzzKeyFile",
	Parser: "keys.ParseKeyFile",
	Check:  checkKeyFile,
	seeds:  keyFileSeeds,
})

var keyKinds = []error{keys.ErrKeyFile, keys.ErrAlgorithm, keys.ErrKeySize, keys.ErrBadKey}

func checkKeyFile(data []byte) (Outcome, error) {
	const name = "FuzzKeyFile"
	kf, err := keys.ParseKeyFile(data)
	if err != nil {
		if !isOneOf(err, keyKinds) {
			return Rejected, violation(name, "errors are typed", "%T: %v", err, err)
		}
		if e := checkOptionalDecodeError(name, err, len(data)); e != nil {
			return Rejected, e
		}
		return Rejected, nil
	}
	if err := keys.CheckPublic(kf.Algorithm, kf.Public); err != nil {
		return Accepted, violation(name, "accepted public keys are valid", "%v", err)
	}
	var first []byte
	if kf.Private != nil {
		if !bytes.Equal(kf.Private.PublicBytes(), kf.Public) || kf.Private.Algorithm() != kf.Algorithm {
			return Accepted, violation(name, "the public half matches the private key", "%v", kf.Algorithm)
		}
		first, err = keys.MarshalPrivate(kf.Private)
	} else {
		first, err = keys.MarshalPublic(kf.Algorithm, kf.Public)
	}
	if err != nil {
		return Accepted, violation(name, "an accepted key file re-marshals", "%v", err)
	}
	again, err := keys.ParseKeyFile(first)
	if err != nil {
		return Accepted, violation(name, "decode-encode-decode is stable", "own file %q refused: %v", first, err)
	}
	if again.Algorithm != kf.Algorithm || !bytes.Equal(again.Public, kf.Public) || (again.Private == nil) != (kf.Private == nil) ||
		(kf.Private != nil && !bytes.Equal(again.Private.Seed(), kf.Private.Seed())) {
		return Accepted, violation(name, "decode-encode-decode is stable", "%q parses to another key", first)
	}
	var second []byte
	if again.Private != nil {
		second, _ = keys.MarshalPrivate(again.Private)
	} else {
		second, _ = keys.MarshalPublic(again.Algorithm, again.Public)
	}
	return Accepted, sameEncoding(name, first, second)
}

// checkOptionalDecodeError checks the typed cause when err carries a mesh decoding error.
func checkOptionalDecodeError(name string, err error, n int) error {
	if hasDecodeError(err) {
		return checkDecodeError(name, err, n)
	}
	return nil
}
