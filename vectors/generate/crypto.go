package generate

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/cloudflare/circl/dh/x448"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/shamir"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/reference/witness"
	"github.com/meshconform/meshconform/vectors"
)

// seeded returns the deterministic randomness of one topic: ChaCha8 keyed by the topic name.
func seeded(topic string) *rand.ChaCha8 {
	var seed [32]byte
	copy(seed[:], "meshconform/vectors/"+topic)
	return rand.NewChaCha8(seed)
}

// Published holds the values of testdata/external/udf-draft-examples.txt (its derived summary
// section); a test checks that each appears there, so they stay tied to the published source.
var Published = struct {
	Digests []struct {
		Text, ContentType, Alg string
		Bits                   int
		Udf                    string
	}
	MACs []struct{ Text, ContentType, Key, Udf string }
}{
	Digests: []struct {
		Text, ContentType, Alg string
		Bits                   int
		Udf                    string
	}{
		{"UDF Data Value", "text/plain", "sha2", 100, "MDDK-7N6A-727A-JZNO-STRX"},
		{"UDF Data Value", "text/plain", "sha2", 120, "MDDK-7N6A-727A-JZNO-STRX-XKS7"},
		{"UDF Data Value", "text/plain", "sha2", 140, "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF"},
		{"UDF Data Value", "text/plain", "sha2", 200, "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF-XI6O-ZSLU-2VOA"},
		{"UDF Data Value", "text/plain", "sha2", 260, "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF-XI6O-ZSLU-2VOA-TZQ6-JMHP-TSXP"},
		{"UDF Compressed Document 4187123", "text/plain", "sha2", 140, "MGHB-JWIZ-J3LA-EEWD-GCT3-WX6H-C5W2"},
		{"UDF Compressed Document 774665", "text/plain", "sha3", 140, "KEJI-Y225-BDUG-XX22-MXKE-5ITF-YVYM"},
		{"UDF Content Data", "text/plain", "sha2", 140, "MB5S-R4AJ-3FBT-7NHO-T26Z-2E6Y-WFH4"},
		{"UDF Content Data", "text/plain", "sha3", 140, "KCM5-7VB6-IJXJ-WKHX-NZQF-OKGZ-EWVN"},
	},
	MACs: []struct{ Text, ContentType, Key, Udf string }{
		{"Konrad is the traitor", "text/plain", "NDD7-6CMX-H2FW-ISAL-K4VB-DQ3E-PEDM", "ABGM-G76T-7GPF-FTYH-SB2F-HBDF-SW6B"},
		{"UDF Content Data", "text/plain", "NB2U-NLDC-ZBEJ-VPWS-AHWM-CA72-4AMA", "ACJJ-XRYN-VS32-PYSM-MX7W-64VQ-RNJX"},
	},
}

var cryptoNotes = map[string]vectors.Note{
	"Published":      {BugType: "BASIC", Description: "A value published by the Mesh reference implementation (testdata/external/udf-draft-examples.txt), recomputed independently."},
	"Generated":      {BugType: "BASIC", Description: "A value computed by the meshconform reference from a fixed seed."},
	"Compressed":     {BugType: "EDGE_CASE", Description: "The digest ends in 20 or more zero bits, so the type byte is the compressed one (+1)."},
	"Precision":      {BugType: "EDGE_CASE", Description: "A presentation precision other than the default 140 bits."},
	"PinID":          {BugType: "BASIC", Description: "The PinID a device puts in its connection request: a keyed UDF under the connection PIN (NOTE-PIN-CHECK)."},
	"Sha3":           {BugType: "BASIC", Description: "SHA-3-512 content digest (type 0x50)."},
	"EmptyData":      {BugType: "EDGE_CASE", Description: "Zero bytes of content."},
	"BadAlphabet":    {BugType: "MALFORMED", Description: "A character outside the Base32 alphabet."},
	"BadDash":        {BugType: "MALFORMED", Description: "Dashes not every four characters."},
	"TooShort":       {BugType: "MALFORMED", Description: "Fewer characters than the minimum presentation."},
	"UnknownType":    {BugType: "MALFORMED", Description: "A type byte no UDF kind has."},
	"LowerCase":      {BugType: "LEGACY", Description: "Lower case Base32, which comparison accepts case-insensitively."},
	"Undashed":       {BugType: "EDGE_CASE", Description: "A presentation without any dash."},
	"Plain":          {BugType: "BASIC", Description: "An unsigned, unencrypted envelope."},
	"Signed":         {BugType: "BASIC", Description: "An envelope signed over the SHA-512 PayloadDigest."},
	"MultiSigner":    {BugType: "EDGE_CASE", Description: "An envelope with more than one signature; every one must verify."},
	"Encrypted":      {BugType: "BASIC", Description: "An envelope encrypted under a master key wrapped to each recipient."},
	"MultiRecipient": {BugType: "EDGE_CASE", Description: "More than one recipient; each can decrypt."},
	"TamperHeader":   {BugType: "MODIFIED_PARAMETER", Description: "The header was changed after encryption (the content type), so decryption with the stated parameters fails or the content no longer matches."},
	"TamperPayload":  {BugType: "MODIFIED_PARAMETER", Description: "A payload byte changed: the PayloadDigest no longer matches.", Effect: "A verifier that trusts the digest without recomputing it accepts forged content."},
	"TamperDigest":   {BugType: "MODIFIED_PARAMETER", Description: "The PayloadDigest changed: it no longer matches the payload.", Effect: "A verifier that only checks the signature over the stated digest accepts forged content."},
	"TamperSig":      {BugType: "SIGNATURE_MALLEABILITY", Description: "A signature byte changed."},
	"TamperKid":      {BugType: "WRONG_KEY", Description: "The signature's kid names a key the verifier does not trust."},
	"WrongKey":       {BugType: "WRONG_KEY", Description: "Decryption with a key that is not a recipient."},
	"LegacyTag":      {BugType: "LEGACY", Description: "Tag DareEnvelope and dig SHA2, as the reference wrote after June 2019 (NOTE-DARE-TAG, NOTE-DARE-DIGEST)."},
	"Quorum":         {BugType: "BASIC", Description: "Exactly the threshold number of shares."},
	"AllShares":      {BugType: "BASIC", Description: "Every share of the split."},
	"BelowQuorum":    {BugType: "MISSING_STEP", Description: "One share fewer than the threshold: recovery must fail or give another secret."},
	"DuplicateShare": {BugType: "MALFORMED", Description: "The same share twice."},
	"MixedSplits":    {BugType: "MALFORMED", Description: "Shares of two different splits."},
	"NoKid":          {BugType: "LEGACY", Description: "A signature with only a signature member (no kid; no alg, or the digest name in it), as the 2019 reference wrote them: the verifier tries the keys it knows from context, and the key's curve is the algorithm (WIRE.md 5)."},
	"LogChain":       {BugType: "BASIC", Description: "Consecutive records of the log's hash chain (NOTE-LOG)."},
	"Rewritten":      {BugType: "MODIFIED_PARAMETER", Description: "A record's bytes changed after its Chain was computed.", Effect: "A verifier that trusts the served Chain without recomputing it accepts a rewritten history."},
	"Dropped":        {BugType: "MISSING_STEP", Description: "A record of the log left out."},
	"Reordered":      {BugType: "MODIFIED_PARAMETER", Description: "Records served out of Index order."},
	"Unlinked":       {BugType: "MISSING_STEP", Description: "A Chain that does not include the previous one, so the log binds no history."},
	"ChainNotLast":   {BugType: "MALFORMED", Description: "The Chain member is not the record's last, so the hashed bytes cannot be recovered from the served ones."},
	"Witness":        {BugType: "BASIC", Description: "The connection witness over both keys and both nonces (NOTE-WITNESS)."},
	"Session":        {BugType: "BASIC", Description: "A session of NOTE-AUTH-SESSION: the session key from the X448 agreement of the offer and the portal's key, and the digest and MAC of a request made in the session."},
	"LowOrderPoint":  {BugType: "MISSING_STEP", Description: "The portal's key in the grant is an X448 point of low order, so the agreement is all zero bytes: the client must refuse the grant (NOTE-AUTH-SESSION).", Effect: "A client that skips the check derives its session key from public values only, a key anyone who sees the exchange can compute."},
}

func hexOf(s string) string { return hex.EncodeToString([]byte(s)) }

func header(schema, topic string, lines ...string) vectors.Header {
	return vectors.Header{Schema: schema, SchemaVersion: vectors.SchemaVersion, Topic: topic, GeneratorVersion: Version, Description: lines, Notes: map[string]vectors.Note{}}
}

// finish fills the counts and the notes of the flags the tests use.
func finish[T any](h *vectors.Header, groups []vectors.Group[T], flagsOf func(T) []string) {
	for _, g := range groups {
		for _, t := range g.Tests {
			h.NumberOfTests++
			for _, f := range flagsOf(t) {
				n, ok := cryptoNotes[f]
				if !ok {
					panic("generate: flag without a note: " + f) // a generator bug, caught by its tests
				}
				h.Notes[f] = n
			}
		}
	}
}

func cryptoFiles() ([]file, error) {
	var out []file
	for _, g := range []func() (file, error){udfDigestFile, udfAuthenticatorFile, udfParseFile, keyFingerprintFile, witnessFile, dareFile, shamirFile, authSessionFile, logChainFile} {
		f, err := g()
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func udfDigestFile() (file, error) {
	pub := vectors.Group[vectors.UdfDigestTest]{Type: "UdfDigest", Source: vectors.Source{Name: "Mesh reference implementation (published examples)", Version: "4b16b2d6"}}
	for i, p := range Published.Digests {
		flags := []string{"Published"}
		if strings.Contains(p.Text, "Compressed") {
			flags = append(flags, "Compressed")
		}
		if p.Bits != udf.DefaultBits {
			flags = append(flags, "Precision")
		}
		if p.Alg == "sha3" {
			flags = append(flags, "Sha3")
		}
		pub.Tests = append(pub.Tests, vectors.UdfDigestTest{Test: vectors.Test{TcID: fmt.Sprintf("udf-digest/published-%d", i+1), Comment: fmt.Sprintf("%q as %s, %d bits", p.Text, p.ContentType, p.Bits), Flags: flags, Result: vectors.Valid, Section: "2.5.1", NoteID: "NOTE-UDF"},
			ContentType: p.ContentType, Alg: p.Alg, DataHex: hexOf(p.Text), Bits: p.Bits, Udf: p.Udf})
	}
	gen := vectors.Group[vectors.UdfDigestTest]{Type: "UdfDigest", Source: source}
	r := seeded("udf-digest")
	cases := []struct {
		name, ct string
		size     int
		alg      udf.Alg
		bits     int
	}{
		{"empty-sha2", "application/octet-stream", 0, udf.SHA2, 140},
		{"empty-sha3", "application/octet-stream", 0, udf.SHA3, 140},
		{"1k-sha2-100", "application/mmm", 1024, udf.SHA2, 100},
		{"1k-sha3-200", "application/mmm", 1024, udf.SHA3, 200},
		{"keyinfo-sha2-440", "application/x509-keyinfo", 57, udf.SHA2, 440},
		{"long-content-type", strings.Repeat("x", 300), 16, udf.SHA2, 140},
	}
	for _, c := range cases {
		data := make([]byte, c.size)
		_, _ = r.Read(data)
		u, err := udf.Digest(c.alg, c.ct, data, c.bits)
		if err != nil {
			return file{}, err
		}
		flags := []string{"Generated"}
		if c.size == 0 {
			flags = append(flags, "EmptyData")
		}
		if c.alg == udf.SHA3 {
			flags = append(flags, "Sha3")
		}
		if c.bits != udf.DefaultBits {
			flags = append(flags, "Precision")
		}
		gen.Tests = append(gen.Tests, vectors.UdfDigestTest{Test: vectors.Test{TcID: "udf-digest/" + c.name, Comment: fmt.Sprintf("%d seeded bytes as %.40s", c.size, c.ct), Flags: flags, Result: vectors.Valid, Section: "2.5.1", NoteID: "NOTE-UDF"},
			ContentType: c.ct, Alg: c.alg.String(), DataHex: hex.EncodeToString(data), Bits: c.bits, Udf: u})
	}
	f := vectors.File[vectors.Group[vectors.UdfDigestTest]]{Header: header("udf_digest_schema.json", "udf-digest",
		"Content-digest UDFs: D = H(UTF8(contentType) || ':' || H(data)), type byte || D, Base32 with dashes (WIRE.md 5).")}
	f.TestGroups = []vectors.Group[vectors.UdfDigestTest]{pub, gen}
	finish(&f.Header, f.TestGroups, func(t vectors.UdfDigestTest) []string { return t.Flags })
	return file{"udf-digest.json", f}, nil
}

func udfAuthenticatorFile() (file, error) {
	pub := vectors.Group[vectors.UdfAuthenticatorTest]{Type: "UdfAuthenticator", Source: vectors.Source{Name: "Mesh reference implementation (published examples)", Version: "4b16b2d6"}}
	for i, p := range Published.MACs {
		pub.Tests = append(pub.Tests, vectors.UdfAuthenticatorTest{Test: vectors.Test{TcID: fmt.Sprintf("udf-mac/published-%d", i+1), Comment: fmt.Sprintf("%q keyed with %s", p.Text, p.Key), Flags: []string{"Published"}, Result: vectors.Valid, Section: "2.5.1", NoteID: "NOTE-UDF"},
			Key: p.Key, ContentType: p.ContentType, DataHex: hexOf(p.Text), Bits: udf.DefaultBits, Udf: p.Udf})
	}
	gen := vectors.Group[vectors.UdfAuthenticatorTest]{Type: "UdfAuthenticator", Source: source}
	r := seeded("udf-mac")
	for i, bits := range []int{100, 140, 250} {
		key, err := udf.Secret(r, 128)
		if err != nil {
			return file{}, err
		}
		data := make([]byte, 32*(i+1))
		_, _ = r.Read(data)
		u, err := udf.Authenticator(key, "application/mmm", data, bits)
		if err != nil {
			return file{}, err
		}
		flags := []string{"Generated"}
		if bits != udf.DefaultBits {
			flags = append(flags, "Precision")
		}
		gen.Tests = append(gen.Tests, vectors.UdfAuthenticatorTest{Test: vectors.Test{TcID: fmt.Sprintf("udf-mac/generated-%d", bits), Comment: fmt.Sprintf("%d seeded bytes, %d bits", len(data), bits), Flags: flags, Result: vectors.Valid, Section: "2.5.1", NoteID: "NOTE-UDF"},
			Key: key, ContentType: "application/mmm", DataHex: hex.EncodeToString(data), Bits: bits, Udf: u})
	}
	// PinIDs (NOTE-PIN-CHECK): keyed by the PIN as issued, over the request's Account, a
	// newline and the device UDF; both forms of the account name, which give different PinIDs.
	pins := vectors.Group[vectors.UdfAuthenticatorTest]{Type: "UdfAuthenticator", Source: source}
	pr := seeded("pin-id")
	pin, err := witness.NewPIN(pr, time.Time{})
	if err != nil {
		return file{}, err
	}
	dev, err := keys.Derive(keys.Ed448, []byte("pin-id"), "device")
	if err != nil {
		return file{}, err
	}
	for i, account := range []string{"alice@example.com", "alice"} {
		data := account + "\n" + dev.Fingerprint()
		u, err := client.PinID(pin.Value, account, dev.Fingerprint())
		if err != nil {
			return file{}, err
		}
		pins.Tests = append(pins.Tests, vectors.UdfAuthenticatorTest{Test: vectors.Test{TcID: fmt.Sprintf("udf-mac/pin-id-%d", i+1), Comment: fmt.Sprintf("the PinID of device %s for account %q", dev.Fingerprint(), account), Flags: []string{"PinID", "Generated"}, Result: vectors.Valid, Section: "2.9.3", NoteID: "NOTE-PIN-CHECK"},
			Key: pin.Value, ContentType: client.PINContentType, DataHex: hex.EncodeToString([]byte(data)), Bits: udf.DefaultBits, Udf: u})
	}
	f := vectors.File[vectors.Group[vectors.UdfAuthenticatorTest]]{Header: header("udf_authenticator_schema.json", "udf-authenticator",
		"Keyed UDFs: k = HKDF-SHA-512(key, 'KeyedUDFMaster', 'KeyedUDFExpand'), MAC = HMAC-SHA-512(k, contentType ':' SHA-512(data)), type 0x00 (WIRE.md 5).",
		"PinID tests (NOTE-PIN-CHECK): key is the connection PIN as issued, contentType application/mmm-connection-pin, data UTF8(Account + \"\\n\" + device UDF).")}
	f.TestGroups = []vectors.Group[vectors.UdfAuthenticatorTest]{pub, gen, pins}
	finish(&f.Header, f.TestGroups, func(t vectors.UdfAuthenticatorTest) []string { return t.Flags })
	return file{"udf-authenticator.json", f}, nil
}

func udfParseFile() (file, error) {
	g := vectors.Group[vectors.UdfParseTest]{Type: "UdfParse", Source: source}
	add := func(id, comment, p string, result string, typ int, class string, flags ...string) {
		g.Tests = append(g.Tests, vectors.UdfParseTest{Test: vectors.Test{TcID: "udf-parse/" + id, Comment: comment, Flags: flags, Result: result, Section: "2.5.1", NoteID: "NOTE-UDF"}, Presentation: p, TypeByte: typ, ErrorClass: class})
	}
	add("digest", "a published SHA-2 digest", "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF", vectors.Valid, 0x60, "", "Published")
	add("compressed", "a published compressed SHA-2 digest", "MGHB-JWIZ-J3LA-EEWD-GCT3-WX6H-C5W2", vectors.Valid, 0x61, "", "Published", "Compressed")
	add("nonce", "a published nonce", "NB2U-NLDC-ZBEJ-VPWS-AHWM-CA72-4AMA", vectors.Valid, 0x68, "", "Published")
	add("authenticator", "a published authenticator", "ABGM-G76T-7GPF-FTYH-SB2F-HBDF-SW6B", vectors.Valid, 0x00, "", "Published")
	add("lower-case", "lower case is the same UDF", "mddk-7n6a-727a-jzno-strx-xks7-djaf", vectors.Acceptable, 0x60, "", "LowerCase")
	add("undashed", "no dashes at all", "MDDK7N6A727AJZNOSTRXXKS7DJAF", vectors.Acceptable, 0x60, "", "Undashed")
	add("bad-alphabet", "the digit 1 is not Base32", "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJA1", vectors.Invalid, 0, "alphabet", "BadAlphabet")
	add("bad-dash", "a dash after three characters", "MDD-K7N6A-727A-JZNO-STRX-XKS7-DJAF", vectors.Invalid, 0, "dash", "BadDash")
	add("too-short", "fewer than 20 characters", "MDDK-7N6A-727A", vectors.Invalid, 0, "too-short", "TooShort")
	add("unknown-type", "type byte 0xF8", "7AAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA", vectors.Invalid, 0, "unknown-type", "UnknownType")
	f := vectors.File[vectors.Group[vectors.UdfParseTest]]{Header: header("udf_parse_schema.json", "udf-parse", "Parsing and validating a presented UDF: type, length, alphabet, dashes (WIRE.md 5).")}
	f.TestGroups = []vectors.Group[vectors.UdfParseTest]{g}
	finish(&f.Header, f.TestGroups, func(t vectors.UdfParseTest) []string { return t.Flags })
	return file{"udf-parse.json", f}, nil
}

var algNames = map[keys.Algorithm]string{keys.Ed448: "Ed448", keys.Ed25519: "Ed25519", keys.X448: "X448", keys.X25519: "X25519"}

func keyFingerprintFile() (file, error) {
	g := vectors.Group[vectors.KeyFingerprintTest]{Type: "KeyFingerprint", Source: source}
	for _, alg := range []keys.Algorithm{keys.Ed448, keys.Ed25519, keys.X448, keys.X25519} {
		for i := 0; i < 2; i++ {
			k, err := keys.Derive(alg, []byte("key-fingerprint"), fmt.Sprintf("%s-%d", algNames[alg], i))
			if err != nil {
				return file{}, err
			}
			g.Tests = append(g.Tests, vectors.KeyFingerprintTest{Test: vectors.Test{TcID: fmt.Sprintf("key-fingerprint/%s-%d", strings.ToLower(algNames[alg]), i), Comment: "the UDF of a seeded " + algNames[alg] + " public key", Flags: []string{"Generated"}, Result: vectors.Valid, Section: "2.6.6", Requirement: "REQ-WIRE-DEVICE-IDENTITY"},
				Alg: algNames[alg], Public: wire.EncodeBase64(k.PublicBytes()), Fingerprint: k.Fingerprint()})
		}
	}
	f := vectors.File[vectors.Group[vectors.KeyFingerprintTest]]{Header: header("key_fingerprint_schema.json", "key-fingerprint", "The 2019 key fingerprint: SHA-2-512 UDF of the DER OCTET STRING of the raw public key, content type application/x509-keyinfo (WIRE.md 5).")}
	f.TestGroups = []vectors.Group[vectors.KeyFingerprintTest]{g}
	finish(&f.Header, f.TestGroups, func(t vectors.KeyFingerprintTest) []string { return t.Flags })
	return file{"key-fingerprint.json", f}, nil
}

func witnessFile() (file, error) {
	g := vectors.Group[vectors.WitnessTest]{Type: "Witness", Source: source}
	r := seeded("witness")
	for _, alg := range []keys.Algorithm{keys.Ed448, keys.Ed25519} {
		for i := 0; i < 2; i++ {
			master, err := keys.Derive(alg, []byte("witness"), fmt.Sprintf("master-%d", i))
			if err != nil {
				return file{}, err
			}
			device, err := keys.Derive(alg, []byte("witness"), fmt.Sprintf("device-%d", i))
			if err != nil {
				return file{}, err
			}
			sn, cn := make([]byte, 16), make([]byte, 16)
			_, _ = r.Read(sn)
			_, _ = r.Read(cn)
			w, err := witness.FromKeys(alg, master.PublicBytes(), sn, device.PublicBytes(), cn)
			if err != nil {
				return file{}, err
			}
			g.Tests = append(g.Tests, vectors.WitnessTest{Test: vectors.Test{TcID: fmt.Sprintf("witness/%s-%d", strings.ToLower(algNames[alg]), i), Comment: "witness over seeded keys and nonces", Flags: []string{"Witness", "Generated"}, Result: vectors.Valid, Section: "2.9.3", Requirement: "REQ-WIRE-WITNESS"},
				Alg: algNames[alg], MasterPublic: wire.EncodeBase64(master.PublicBytes()), ServerNonce: wire.EncodeBase64(sn), DevicePublic: wire.EncodeBase64(device.PublicBytes()), ClientNonce: wire.EncodeBase64(cn),
				MasterUDFBinary: hex.EncodeToString(keys.FingerprintBinary(alg, master.PublicBytes())), DeviceUDFBinary: hex.EncodeToString(keys.FingerprintBinary(alg, device.PublicBytes())), Witness: w})
		}
	}
	f := vectors.File[vectors.Group[vectors.WitnessTest]]{Header: header("witness_schema.json", "witness", "The connection witness of WIRE.md 5: SHA-512(SHA-512(UDFbin(master) || ServerNonce) || SHA-512(UDFbin(device) || ClientNonce)), first 140 bits in Base32 with dashes.",
		"UDFbin(key) (masterUdfBinary, deviceUdfBinary, hex) is the first 64 bytes of the key's binary UDF: type byte 0x60 (0x61 when the digest ends in 20 zero bits) || the first 63 bytes of SHA-512(UTF8(\"application/x509-keyinfo\") || ':' || SHA-512(DER OCTET STRING of the public key)) (NOTE-WITNESS).")}
	f.TestGroups = []vectors.Group[vectors.WitnessTest]{g}
	finish(&f.Header, f.TestGroups, func(t vectors.WitnessTest) []string { return t.Flags })
	return file{"witness.json", f}, nil
}

func keyRef(k *keys.PrivateKey, private bool) vectors.KeyRef {
	if private {
		return vectors.KeyRef{Alg: algNames[k.Algorithm()], Bytes: wire.EncodeBase64(k.Seed())}
	}
	return vectors.KeyRef{Alg: algNames[k.Algorithm()], Bytes: wire.EncodeBase64(k.PublicBytes())}
}

func dareFile() (file, error) {
	r := seeded("dare")
	mk := func(alg keys.Algorithm, label string) (*keys.PrivateKey, error) {
		return keys.Derive(alg, []byte("dare"), label)
	}
	alice, err := mk(keys.Ed448, "alice-sign")
	if err != nil {
		return file{}, err
	}
	bob, err := mk(keys.Ed25519, "bob-sign")
	if err != nil {
		return file{}, err
	}
	carol, err := mk(keys.Ed448, "carol-encrypt")
	if err != nil {
		return file{}, err
	}
	dave, err := mk(keys.X25519, "dave-encrypt")
	if err != nil {
		return file{}, err
	}
	mallory, err := mk(keys.Ed448, "mallory")
	if err != nil {
		return file{}, err
	}
	payload := []byte("This is a test long enough to require multiple blocks")
	g := vectors.Group[vectors.DareTest]{Type: "DareEnvelope", Source: source}
	add := func(id, comment, result string, env []byte, trusted []*keys.PrivateKey, dec *keys.PrivateKey, plain []byte, class string, flags ...string) {
		t := vectors.DareTest{Test: vectors.Test{TcID: "dare/" + id, Comment: comment, Flags: flags, Result: result, Section: "3.3", Requirement: "REQ-WIRE-DARE-SIGNATURE"}, Envelope: string(env), ErrorClass: class}
		if len(flags) > 0 && (flags[0] == "Plain" || flags[0] == "Encrypted" || flags[0] == "MultiRecipient" || flags[0] == "WrongKey") {
			t.Requirement, t.NoteID = "", "NOTE-DARE-TAG"
		}
		t.Trusted = []vectors.KeyRef{}
		for _, k := range trusted {
			t.Trusted = append(t.Trusted, keyRef(k, false))
		}
		if dec != nil {
			ref := keyRef(dec, true)
			t.DecryptionKey = &ref
		}
		if plain != nil {
			t.PayloadHex = hex.EncodeToString(plain)
		}
		g.Tests = append(g.Tests, t)
	}
	seal := func(o dare.Options) ([]byte, *mesh.DareMessage, error) {
		o.Rand = r
		env, err := dare.Seal(payload, o)
		if err != nil {
			return nil, nil, err
		}
		b, err := mesh.Marshal(env)
		return b, env, err
	}
	plain, _, err := seal(dare.Options{ContentType: "text/plain"})
	if err != nil {
		return file{}, err
	}
	add("plain", "an unsigned, unencrypted envelope", vectors.Valid, plain, nil, nil, payload, "", "Plain")
	signed, signedEnv, err := seal(dare.Options{Signers: []keys.Signer{alice}})
	if err != nil {
		return file{}, err
	}
	add("signed-ed448", "signed by one Ed448 key", vectors.Valid, signed, []*keys.PrivateKey{alice}, nil, payload, "", "Signed")
	legacy := bytes.Replace(bytes.Replace(signed, []byte(`{"DareMessage"`), []byte(`{"DareEnvelope"`), 1), []byte(`"dig":"S512"`), []byte(`"dig":"SHA2"`), 1)
	add("signed-legacy-names", "the later tag DareEnvelope and digest name SHA2", vectors.Acceptable, legacy, []*keys.PrivateKey{alice}, nil, payload, "", "Signed", "LegacyTag")
	two, _, err := seal(dare.Options{Signers: []keys.Signer{alice, bob}})
	if err != nil {
		return file{}, err
	}
	add("signed-two", "signed by an Ed448 and an Ed25519 key", vectors.Valid, two, []*keys.PrivateKey{alice, bob}, nil, payload, "", "Signed", "MultiSigner")
	enc, _, err := seal(dare.Options{Recipients: []dare.Recipient{carol.Public()}})
	if err != nil {
		return file{}, err
	}
	add("encrypted-ed448", "encrypted to one Ed448 recipient", vectors.Valid, enc, nil, carol, payload, "", "Encrypted")
	add("encrypted-wrong-key", "decrypted with a key that is not a recipient", vectors.Invalid, enc, nil, mallory, nil, "key", "WrongKey")
	encTwo, _, err := seal(dare.Options{Recipients: []dare.Recipient{carol.Public(), dave.Public()}})
	if err != nil {
		return file{}, err
	}
	add("encrypted-two-carol", "two recipients, decrypted by the first", vectors.Valid, encTwo, nil, carol, payload, "", "MultiRecipient")
	add("encrypted-two-dave", "two recipients, decrypted by the second (X25519)", vectors.Valid, encTwo, nil, dave, payload, "", "MultiRecipient")
	both, bothEnv, err := seal(dare.Options{Signers: []keys.Signer{alice}, Recipients: []dare.Recipient{carol.Public()}, ContentType: "text/plain"})
	if err != nil {
		return file{}, err
	}
	add("signed-encrypted", "signed over the ciphertext and encrypted", vectors.Valid, both, []*keys.PrivateKey{alice}, carol, payload, "", "Signed", "Encrypted")

	// Tampered variants of the signed envelope, one per byte class.
	tamper := func(base *mesh.DareMessage, change func(*mesh.DareMessage)) []byte {
		cp, _ := mesh.Marshal(base)
		v, _ := mesh.Unmarshal(cp, nil)
		env := v.(*mesh.DareMessage)
		change(env)
		out, _ := mesh.Marshal(env)
		return out
	}
	add("tamper-payload", "one payload byte flipped", vectors.Invalid, tamper(signedEnv, func(e *mesh.DareMessage) { e.Payload[3] ^= 1 }), []*keys.PrivateKey{alice}, nil, nil, "digest", "TamperPayload")
	add("tamper-digest", "one PayloadDigest byte flipped", vectors.Invalid, tamper(signedEnv, func(e *mesh.DareMessage) { e.Trailer.PayloadDigest[0] ^= 1 }), []*keys.PrivateKey{alice}, nil, nil, "digest", "TamperDigest")
	add("tamper-signature", "one signature byte flipped", vectors.Invalid, tamper(signedEnv, func(e *mesh.DareMessage) { e.Trailer.Signatures[0].Signature[10] ^= 1 }), []*keys.PrivateKey{alice}, nil, nil, "signature", "TamperSig")
	add("tamper-kid", "the signature names mallory's key", vectors.Invalid, tamper(signedEnv, func(e *mesh.DareMessage) { e.Trailer.Signatures[0].Kid = mallory.Fingerprint() }), []*keys.PrivateKey{alice}, nil, nil, "key", "TamperKid")
	add("untrusted-signer", "signed by a key the verifier does not trust", vectors.Invalid, signed, []*keys.PrivateKey{mallory}, nil, nil, "key", "WrongKey")
	// Signatures as the 2019 reference wrote them: no kid, and no alg or the digest name in it.
	kidless := func(alg string, spoil bool) []byte {
		return tamper(signedEnv, func(e *mesh.DareMessage) {
			e.Trailer.Signatures[0].Kid, e.Trailer.Signatures[0].Alg = "", alg
			if spoil {
				e.Trailer.Signatures[0].Signature[10] ^= 1
			}
		})
	}
	add("kidless", "a signature with neither kid nor alg, verified with the one key the verifier trusts", vectors.Valid, kidless("", false), []*keys.PrivateKey{alice}, nil, payload, "", "Signed", "NoKid")
	add("kidless-alg-sha2", "a signature without kid whose alg is the digest name SHA2, as the 2019 writer put it", vectors.Valid, kidless("SHA2", false), []*keys.PrivateKey{bob, alice}, nil, payload, "", "Signed", "NoKid")
	add("kidless-tamper", "a signature without kid or alg, one byte flipped", vectors.Invalid, kidless("", true), []*keys.PrivateKey{alice}, nil, nil, "signature", "NoKid", "TamperSig")
	add("kidless-other-key", "a signature without kid or alg, the verifier trusting another key", vectors.Invalid, kidless("", false), []*keys.PrivateKey{mallory}, nil, nil, "signature", "NoKid", "WrongKey")
	add("tamper-ciphertext", "one ciphertext byte flipped under a valid-looking signature", vectors.Invalid, tamper(bothEnv, func(e *mesh.DareMessage) { e.Payload[0] ^= 1 }), []*keys.PrivateKey{alice}, carol, nil, "digest", "TamperPayload")
	add("tamper-header-salt", "the header's Salt changed: the derived key and IV no longer decrypt", vectors.Invalid, tamper(bothEnv, func(e *mesh.DareMessage) { e.Header.Salt[0] ^= 1 }), nil, carol, nil, "decrypt", "TamperHeader")
	f := vectors.File[vectors.Group[vectors.DareTest]]{Header: header("dare_schema.json", "dare",
		"DARE envelopes (WIRE.md 5): verify every signature against the trusted keys (pure Ed448/Ed25519 over the SHA-512 PayloadDigest), decrypt with the decryption key when given.",
		"Error classes: parse, digest (PayloadDigest does not match), key (no trusted key or no matching recipient), signature, decrypt.",
		"A signature without kid is tried with every trusted key; without alg (or with the digest name in it) its algorithm is the curve of the key it verifies under.")}
	f.TestGroups = []vectors.Group[vectors.DareTest]{g}
	finish(&f.Header, f.TestGroups, func(t vectors.DareTest) []string { return t.Flags })
	return file{"dare.json", f}, nil
}

func shamirFile() (file, error) {
	r := seeded("shamir")
	g := vectors.Group[vectors.ShamirTest]{Type: "ShamirRecover", Source: source}
	add := func(id, comment, result string, k int, shares []shamir.Share, secret []byte, class string, flags ...string) {
		t := vectors.ShamirTest{Test: vectors.Test{TcID: "shamir/" + id, Comment: comment, Flags: flags, Result: result, Section: "7.1.4", Requirement: "CTL-ESCROW-MASTER", NoteID: ""}, Threshold: k, Secret: shamir.SecretUDF(secret), ErrorClass: class}
		t.Shares = []string{}
		for _, s := range shares {
			t.Shares = append(t.Shares, s.String())
		}
		g.Tests = append(g.Tests, t)
	}
	for _, c := range []struct{ n, k, size int }{{2, 2, 16}, {3, 2, 16}, {5, 3, 32}, {15, 15, 16}, {15, 1, 16}, {7, 4, 64}} {
		secret := make([]byte, c.size)
		_, _ = r.Read(secret)
		shares, err := shamir.Split(secret, c.n, c.k, r)
		if err != nil {
			return file{}, err
		}
		id := fmt.Sprintf("%d-of-%d-%dbit", c.k, c.n, c.size*8)
		add(id+"/all", "every share", vectors.Valid, c.k, shares, secret, "", "AllShares")
		add(id+"/quorum-last", "the last k shares", vectors.Valid, c.k, shares[c.n-c.k:], secret, "", "Quorum")
		if c.k > 1 {
			add(id+"/below-quorum", "k-1 shares", vectors.Invalid, c.k, shares[:c.k-1], secret, "wrong-secret", "BelowQuorum")
			dup := append([]shamir.Share{shares[0]}, shares[:c.k-1]...)
			add(id+"/duplicate", "a share repeated to make up the count", vectors.Invalid, c.k, dup, secret, "mismatch", "DuplicateShare")
		}
	}
	s1 := make([]byte, 16)
	_, _ = r.Read(s1)
	a, err := shamir.Split(s1, 3, 2, r)
	if err != nil {
		return file{}, err
	}
	s2 := make([]byte, 32)
	_, _ = r.Read(s2)
	b, err := shamir.Split(s2, 3, 2, r)
	if err != nil {
		return file{}, err
	}
	add("mixed-splits", "one share each of two splits of different secret sizes", vectors.Invalid, 2, []shamir.Share{a[0], b[1]}, s1, "mismatch", "MixedSplits")
	f := vectors.File[vectors.Group[vectors.ShamirTest]]{Header: header("shamir_schema.json", "shamir", "Shamir key escrow (WIRE.md 5, draft 7.1.4): recover the secret from the shares by Lagrange interpolation at 0 modulo the prime of the secret's size.")}
	f.TestGroups = []vectors.Group[vectors.ShamirTest]{g}
	finish(&f.Header, f.TestGroups, func(t vectors.ShamirTest) []string { return t.Flags })
	return file{"shamir.json", f}, nil
}

// authSessionFile makes the vectors of sessions (NOTE-AUTH-SESSION) through the public API of
// reference/auth, as a client computes them: NewOffer over a seeded scalar, OfferDigest for
// the signed request that carries the offer, Accept of a grant holding the portal's key for
// the session key, SessionDigest and MAC for a request in the session.
func authSessionFile() (file, error) {
	r := seeded("auth-session")
	draw := func(n int) []byte {
		b := make([]byte, n)
		_, _ = r.Read(b)
		return b
	}
	// Low-order X448 points (u-coordinates, little-endian): 0, 1 and p-1 = 2^448 - 2^224 - 2.
	zero, one, minusOne := make([]byte, x448.Size), make([]byte, x448.Size), bytes.Repeat([]byte{0xff}, x448.Size)
	one[0] = 1
	minusOne[0], minusOne[28] = 0xfe, 0xfe
	cases := []struct {
		id, comment   string
		alg           keys.Algorithm
		host, account string
		body          string
		lowOrder      []byte // the portal's key when it is a low-order point; nil draws a key pair
		flags         []string
	}{
		{"ed448-0", "a session of an Ed448 device and a request in it", keys.Ed448, "example.com", "alice@example.com", `{"PublishRequest":{}}`, nil, []string{"Session", "Generated"}},
		{"ed448-1-empty-body", "a session of an Ed448 device and a request with an empty body", keys.Ed448, "mesh.example.net", "bob@example.net", "", nil, []string{"Session", "Generated", "EmptyData"}},
		{"ed25519-0", "a session of an Ed25519 device and a request in it", keys.Ed25519, "example.com", "carol@example.com", `{"GetRequest":{}}`, nil, []string{"Session", "Generated"}},
		{"low-order-zero", "the portal's key is the X448 point 0", keys.Ed448, "example.com", "alice@example.com", `{"StatusRequest":{}}`, zero, []string{"LowOrderPoint", "Generated"}},
		{"low-order-one", "the portal's key is the X448 point 1", keys.Ed448, "example.com", "alice@example.com", `{"StatusRequest":{}}`, one, []string{"LowOrderPoint", "Generated"}},
		{"low-order-minus-one", "the portal's key is the X448 point p-1", keys.Ed448, "example.com", "alice@example.com", `{"StatusRequest":{}}`, minusOne, []string{"LowOrderPoint", "Generated"}},
	}
	base := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	g := vectors.Group[vectors.AuthSessionTest]{Type: "AuthSession", Source: source}
	for i, c := range cases {
		fail := func(format string, args ...any) (file, error) {
			return file{}, fmt.Errorf("generate: auth-session/%s: "+format, append([]any{c.id}, args...)...)
		}
		dak, err := keys.Generate(c.alg, r)
		if err != nil {
			return fail("%w", err)
		}
		scalar := draw(x448.Size)
		offer, err := auth.NewOffer(bytes.NewReader(scalar))
		if err != nil {
			return fail("%w", err)
		}
		var portalPrivate []byte
		portalPublic := c.lowOrder
		if portalPublic == nil {
			portalPrivate = draw(x448.Size)
			var priv, pub x448.Key
			copy(priv[:], portalPrivate)
			x448.KeyGen(&pub, &priv)
			portalPublic = pub[:]
		}
		nonceBytes, ticket := draw(auth.NonceSize), draw(16)
		now := base.Add(time.Duration(i) * 7 * time.Minute)
		tm, nonce, body := wire.FormatDateTime(now), wire.EncodeBase64(nonceBytes), []byte(c.body)
		offerB64 := wire.EncodeBase64(offer.Public[:])
		offerDigest := auth.OfferDigest(c.host, c.account, tm, nonce, offerB64, body)
		// The offer digest is what a signing client signs: SignOffer's signature verifies over it.
		hv, err := auth.SignOffer(dak, c.host, c.account, body, now, bytes.NewReader(nonceBytes), offer)
		if err != nil {
			return fail("%w", err)
		}
		h, err := auth.Parse(hv)
		if err != nil {
			return fail("%w", err)
		}
		if h.Time != tm || h.Nonce != nonce || h.Offer != offerB64 || keys.Verify(c.alg, dak.PublicBytes(), offerDigest, h.Sig) != nil {
			return fail("OfferDigest is not what SignOffer signs")
		}
		t := vectors.AuthSessionTest{Test: vectors.Test{TcID: "auth-session/" + c.id, Comment: c.comment, Flags: c.flags, Result: vectors.Valid, Section: "7.1.1.2", Requirement: "REQ-AUTH-SESSION-MAC", NoteID: "NOTE-AUTH-SESSION"},
			Alg: algNames[c.alg], DakPublic: wire.EncodeBase64(dak.PublicBytes()), Host: c.host, Account: c.account,
			OfferPrivate: wire.EncodeBase64(scalar), OfferPublic: offerB64, PortalPublic: wire.EncodeBase64(portalPublic),
			Time: tm, Nonce: nonce, BodyHex: hex.EncodeToString(body), OfferDigest: wire.EncodeBase64(offerDigest)}
		grant := fmt.Sprintf(`key="%s", ticket="%s", expires="%s"`, wire.EncodeBase64(portalPublic), wire.EncodeBase64(ticket), wire.FormatDateTime(now.Add(time.Hour)))
		s, err := offer.Accept(grant, c.host, c.account, c.alg, dak.PublicBytes(), now)
		if c.lowOrder != nil {
			if !errors.Is(err, auth.ErrGrant) {
				return fail("a grant of a low-order key was not refused: %v", err)
			}
			// REQ-AUTH-SESSION-GRANT rather than -MAC: the refusal is the client's check of the
			// grant it reads (Accept fails with ErrGrant) and comes before any MAC, since no
			// session key exists; -MAC is the portal's check of a MAC under a session key.
			t.Result, t.Requirement, t.ErrorClass = vectors.Invalid, "REQ-AUTH-SESSION-GRANT", "grant"
		} else {
			if err != nil {
				return fail("%w", err)
			}
			t.PortalPrivate = wire.EncodeBase64(portalPrivate)
			t.SessionKey = wire.EncodeBase64(s.Key)
			t.SessionDigest = wire.EncodeBase64(auth.SessionDigest(c.host, c.account, tm, nonce, body))
			t.Mac = wire.EncodeBase64(auth.MAC(s.Key, c.host, c.account, tm, nonce, body))
		}
		g.Tests = append(g.Tests, t)
	}
	f := vectors.File[vectors.Group[vectors.AuthSessionTest]]{Header: header("auth_session_schema.json", "auth-session",
		"Sessions of request authentication (NOTE-AUTH-SESSION, draft 7.1.1.2); every binary value is base64url, the body hex.",
		"The device signs a request carrying its offer: offerDigest = SHA-512(UTF8('Mesh-Request-Auth-1' LF host LF account LF time LF nonce LF offer LF) || SHA-512(body)), offer being offerPublic in base64url, offerPublic = X448(offerPrivate, 5).",
		"Z = X448(offerPrivate, portalPublic) = X448(portalPrivate, offerPublic); sessionKey = HKDF-SHA-512(IKM Z, salt offerPublic || portalPublic, info UTF8('Mesh-Session-Key-1' LF host LF account LF UDF of dakPublic), 64 bytes), the UDF being the key fingerprint of key-fingerprint.json.",
		"sessionDigest = SHA-512(UTF8('Mesh-Session-Auth-1' LF host LF account LF time LF nonce LF) || SHA-512(body)); mac = HMAC-SHA-512(sessionKey, sessionDigest). One time, nonce and body serve both digests here; a real session request has a nonce of its own.",
		"invalid: portalPublic is a low-order point, so Z is all zero bytes; the client must refuse the grant (errorClass grant).")}
	f.TestGroups = []vectors.Group[vectors.AuthSessionTest]{g}
	finish(&f.Header, f.TestGroups, func(t vectors.AuthSessionTest) []string { return t.Flags })
	return file{"auth-session.json", f}, nil
}
