package targets

import (
	"bytes"
	"crypto/sha3"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/shamir"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/wire"
)

// seedLabel makes every seed key deterministic: seed corpora are the same in every run, so a
// saved crasher always replays against the same fixtures.
const seedLabel = "meshconform-fuzz-seeds"

func stream(label string) *sha3.SHAKE {
	h := sha3.NewSHAKE256()
	h.Write([]byte(seedLabel + "/" + label))
	return h
}

// originalEnv is an envelope built for the DARE targets, with what went into it.
type originalEnv struct {
	env       *mesh.DareMessage
	plaintext []byte
}

// fixtures are the keys and valid envelopes the DARE targets start from.
type fixtures struct {
	trusted   []keys.PublicKey    // signers whose signatures verify
	signed    []*mesh.DareMessage // envelopes signed only by trusted keys
	signedAll []*mesh.DareMessage // the above plus one signed by an untrusted key
	recipient *keys.PrivateKey    // the decryption key of FuzzDareDecrypt
	encrypted []originalEnv       // envelopes FuzzDareDecrypt starts from
}

var (
	fixOnce sync.Once
	fix     *fixtures
	fixErr  error
)

func dareFixtures() (*fixtures, error) {
	fixOnce.Do(func() { fix, fixErr = buildFixtures() })
	return fix, fixErr
}

func buildFixtures() (*fixtures, error) {
	derive := func(alg keys.Algorithm, label string) (*keys.PrivateKey, error) {
		return keys.Derive(alg, []byte(seedLabel), label)
	}
	a, err := derive(keys.Ed448, "signer-a")
	if err != nil {
		return nil, err
	}
	b, err := derive(keys.Ed25519, "signer-b")
	if err != nil {
		return nil, err
	}
	c, err := derive(keys.Ed448, "untrusted-c")
	if err != nil {
		return nil, err
	}
	r, err := derive(keys.Ed448, "recipient-r")
	if err != nil {
		return nil, err
	}
	other, err := derive(keys.X25519, "recipient-other")
	if err != nil {
		return nil, err
	}
	profile, err := mesh.Marshal(&mesh.ProfileMesh{Account: "alice@example.com", Names: []string{"MB2G-K7XQ-D3TD"}})
	if err != nil {
		return nil, err
	}
	f := &fixtures{trusted: []keys.PublicKey{a.Public(), b.Public()}, recipient: r}
	seal := func(label string, payload []byte, signers []keys.Signer, rcpts []keys.PublicKey) (*mesh.DareMessage, error) {
		return dare.Seal(payload, dare.Options{Rand: stream(label), ContentType: "application/mmm", Signers: signers, Recipients: rcpts})
	}
	for _, s := range []struct {
		label   string
		payload []byte
		signers []keys.Signer
		rcpts   []keys.PublicKey
		trusted bool
	}{
		{"signed-a", profile, []keys.Signer{a}, nil, true},
		{"signed-ab", []byte("a payload signed by two keys"), []keys.Signer{a, b}, nil, true},
		{"signed-encrypted", []byte("secret and signed"), []keys.Signer{b}, []keys.PublicKey{r.Public()}, true},
		{"signed-untrusted", profile, []keys.Signer{c}, nil, false},
	} {
		env, err := seal(s.label, s.payload, s.signers, s.rcpts)
		if err != nil {
			return nil, fmt.Errorf("sealing %s: %w", s.label, err)
		}
		if s.trusted {
			f.signed = append(f.signed, env)
		}
		f.signedAll = append(f.signedAll, env)
		if len(s.rcpts) > 0 {
			f.encrypted = append(f.encrypted, originalEnv{env, s.payload})
		}
	}
	for _, s := range []struct {
		label   string
		payload []byte
		signers []keys.Signer
		rcpts   []keys.PublicKey
	}{
		{"encrypted", []byte("a plaintext of more than one block, to the recipient"), nil, []keys.PublicKey{r.Public()}},
		{"encrypted-two", []byte("to two recipients, signed"), []keys.Signer{a}, []keys.PublicKey{other.Public(), r.Public()}},
		{"encrypted-empty", nil, nil, []keys.PublicKey{r.Public()}},
		{"plain", []byte("not encrypted at all"), nil, nil},
	} {
		env, err := seal(s.label, s.payload, s.signers, s.rcpts)
		if err != nil {
			return nil, fmt.Errorf("sealing %s: %w", s.label, err)
		}
		f.encrypted = append(f.encrypted, originalEnv{env, s.payload})
	}
	return f, nil
}

// sameCiphertext returns the original whose ciphertext, salt and entry for the recipient
// env carries unchanged, or nil.
func (f *fixtures) sameCiphertext(env *mesh.DareMessage) *originalEnv {
	mine := recipientEntry(env, f.recipient.Fingerprint())
	if mine == nil {
		return nil
	}
	for i := range f.encrypted {
		o := &f.encrypted[i]
		theirs := recipientEntry(o.env, f.recipient.Fingerprint())
		if theirs == nil || !bytes.Equal(env.Payload, o.env.Payload) || !bytes.Equal(env.Header.Salt, o.env.Header.Salt) ||
			!bytes.Equal(mine.Wmk, theirs.Wmk) || mine.Epk == nil || !mesh.Equal(mine.Epk, theirs.Epk) {
			continue
		}
		return o
	}
	return nil
}

// recipientEntry is the entry Decrypt uses: the first whose kid names the key.
func recipientEntry(env *mesh.DareMessage, kid string) *mesh.DareRecipient {
	for i, rc := range env.Header.Recipients {
		if rc.Kid != "" && udf.Compare(rc.Kid, kid) {
			return &env.Header.Recipients[i]
		}
	}
	return nil
}

// matchesKid is the kid rule of the 2019 reference: a signature key named by its UDF,
// case-insensitively, a shorter presentation matching as a prefix.
func matchesKid(kid string, k keys.PublicKey) bool {
	return k.Algorithm.CanSign() && udf.Compare(kid, k.Fingerprint())
}

// sampleTime is the DateTime every sample carries.
var sampleTime = time.Date(2019, 4, 1, 12, 30, 45, 0, time.UTC)

// sample returns a value of the structure with every field set: strings, binaries, numbers,
// times, nested and tagged structures, and real signed envelopes where a DareMessage goes.
func sample(tag string) (mesh.Structure, error) {
	v, ok := mesh.New(tag)
	if !ok {
		return nil, fmt.Errorf("no structure %q", tag)
	}
	fx, err := dareFixtures()
	if err != nil {
		return nil, err
	}
	fill(reflect.ValueOf(v).Elem(), fx, 0)
	return v, nil
}

var (
	dareType      = reflect.TypeOf(mesh.DareMessage{})
	timeType      = reflect.TypeOf(time.Time{})
	structureType = reflect.TypeOf((*mesh.Structure)(nil)).Elem()
)

func fill(v reflect.Value, fx *fixtures, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == dareType {
			v.Set(reflect.ValueOf(*fx.signed[0]))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			if !f.CanSet() {
				continue
			}
			if f.Kind() == reflect.String {
				f.SetString(sampleString(v.Type().Field(i).Name))
				continue
			}
			fill(f, fx, depth+1)
		}
	case reflect.Pointer:
		if depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), fx, depth)
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte{0x60, 0x01, 0x02, 0xfe, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50, 0x61, 0x72})
			return
		}
		if depth > 4 {
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			if s.Index(i).Kind() == reflect.String {
				s.Index(i).SetString(fmt.Sprintf("item-%d", i))
				continue
			}
			fill(s.Index(i), fx, depth+1)
		}
		v.Set(s)
	case reflect.Interface:
		// An abstract structure: the first concrete structure that implements it.
		if depth > 4 || !v.Type().Implements(structureType) {
			return
		}
		for _, tag := range sortedTags {
			c, _ := mesh.New(tag)
			if reflect.TypeOf(c).Implements(v.Type()) {
				fill(reflect.ValueOf(c).Elem(), fx, depth+1)
				v.Set(reflect.ValueOf(c))
				return
			}
		}
	case reflect.Int32:
		v.SetInt(201)
	case reflect.Bool:
		v.SetBool(true)
	}
	if v.Type() == timeType {
		v.Set(reflect.ValueOf(sampleTime))
	}
}

// sampleString gives fields recognisable values, with a few that exercise escaping.
func sampleString(field string) string {
	switch field {
	case "Account":
		return "alice@example.com"
	case "Portal":
		return "example.com"
	case "Crv":
		return "Ed448"
	case "Description", "StatusDescription":
		return "Operation completed \"successfully\"\n\u00e9\u2028"
	}
	return "sample-" + strings.ToLower(field)
}

func requestSeeds() ([][]byte, error) {
	var out [][]byte
	for _, t := range mesh.Transactions() {
		full, err := sample(t.Request)
		if err != nil {
			return nil, err
		}
		empty, _ := mesh.NewRequest(t.Name)
		for _, r := range []mesh.MeshRequest{full.(mesh.MeshRequest), empty} {
			for _, form := range []mesh.RequestForm{mesh.TransactionTag, mesh.ClassTag} {
				b, err := mesh.EncodeRequestAs(r, form)
				if err != nil {
					return nil, err
				}
				out = append(out, b)
			}
		}
	}
	return out, nil
}

func responseSeeds() ([][]byte, error) {
	var out [][]byte
	for _, t := range mesh.Transactions() {
		full, err := sample(t.Response)
		if err != nil {
			return nil, err
		}
		minimal, _ := mesh.NewResponse(t.Name)
		minimal.SetStatus(404, "Not found")
		for _, r := range []mesh.MeshResponse{full.(mesh.MeshResponse), minimal} {
			b, err := mesh.EncodeResponse(r)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
	}
	return out, nil
}

func taggedSeeds() ([][]byte, error) {
	var out [][]byte
	for _, tag := range sortedTags {
		v, err := sample(tag)
		if err != nil {
			return nil, err
		}
		b, err := mesh.Marshal(v)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	fx, _ := dareFixtures()
	b, _ := mesh.Marshal(fx.signed[0])
	return append(out, bytes.Replace(b, []byte("DareMessage"), []byte("DareEnvelope"), 1)), nil
}

func bareSeeds() ([][]byte, error) {
	var out [][]byte
	for i, tag := range sortedTags {
		v, err := sample(tag)
		if err != nil {
			return nil, err
		}
		b, err := mesh.MarshalBare(v)
		if err != nil {
			return nil, err
		}
		out = append(out, append([]byte{byte(i)}, b...))
	}
	return out, nil
}

func base64Seeds() ([][]byte, error) {
	var out [][]byte
	for _, b := range [][]byte{nil, {0}, {0xff, 0xfe}, []byte("any carnal pleas"), bytes.Repeat([]byte{0xfb, 0xef}, 40)} {
		e := wire.EncodeBase64(b)
		out = append(out, []byte(e))
		// The reference writer's line wrapping, and padding.
		var w strings.Builder
		for i := 0; i < len(e); i += 16 {
			w.WriteString(e[i:min(i+16, len(e))])
			w.WriteString("\n  ")
		}
		out = append(out, []byte(w.String()), []byte(e+"=="))
	}
	return out, nil
}

func dateTimeSeeds() ([][]byte, error) {
	return [][]byte{
		[]byte("2019-04-01T12:30:45Z"),
		[]byte("2019-04-01T12:30:45.123456789+02:00"),
		[]byte("0001-01-01T00:00:00Z"),
		[]byte("9999-12-31T23:59:59Z"),
		[]byte("2016-12-31T23:59:60Z"),
		// The ends of the four-digit years, with an offset: boundaries are where
		// conversions to UTC go wrong.
		[]byte("0001-01-01T00:00:00+00:00"),
		[]byte("9999-12-31T23:59:59-00:00"),
	}, nil
}

func scannerSeeds() ([][]byte, error) {
	return [][]byte{
		[]byte(`{"a":[1,-2.5e+3,{"b":null}],"c":"\u00e9\ud83d\ude00\n","d":true,"e":false}`),
		[]byte(`[[[[[ "deep" ]]]]]`),
		[]byte(`"` + strings.Repeat("x", 32) + `"`),
		[]byte(`[1,2,3,4,5,6,7,8]`),
		[]byte(` {"ValidateAccount": {"Account": "alice@example.com"}} `),
		[]byte(`12345678901234567890123456789012345678901234567890123456789012345`),
	}, nil
}

func udfSeeds() ([][]byte, error) {
	var out [][]byte
	add := func(s string, err error) error {
		if err != nil {
			return err
		}
		out = append(out, []byte(s), []byte(strings.ToLower(strings.ReplaceAll(s, "-", ""))))
		return nil
	}
	for _, bits := range []int{100, 125, 140, 200, 260, 512} {
		if err := add(udf.Digest(udf.SHA2, "text/plain", []byte("Hello World"), bits)); err != nil {
			return nil, err
		}
		if err := add(udf.Digest(udf.SHA3, "text/plain", []byte("Hello World"), bits)); err != nil {
			return nil, err
		}
	}
	if err := add(udf.Authenticator("NDSD-Y5DC-WDHX-SFFS-KUSM-ADE2-O26I", "text/plain", []byte("Hello World"), 140)); err != nil {
		return nil, err
	}
	if err := add(udf.Nonce(stream("nonce"), 128)); err != nil {
		return nil, err
	}
	if err := add(udf.Secret(stream("secret"), 256)); err != nil {
		return nil, err
	}
	return out, nil
}

func shamirSeeds() ([][]byte, error) {
	var out [][]byte
	for _, c := range []struct{ size, n, k int }{{16, 5, 3}, {32, 3, 3}, {4, 2, 1}, {64, 15, 15}} {
		secret := make([]byte, c.size)
		stream(fmt.Sprint("shamir", c.size)).Read(secret)
		shares, err := shamir.Split(secret, c.n, c.k, stream(fmt.Sprint("split", c.size)))
		if err != nil {
			return nil, err
		}
		lines := make([]string, len(shares))
		for i, s := range shares {
			lines[i] = s.String()
		}
		out = append(out, []byte(strings.Join(lines, "\n")))
	}
	return out, nil
}

func keyFileSeeds() ([][]byte, error) {
	var out [][]byte
	for _, alg := range keys.Algorithms {
		k, err := keys.Derive(alg, []byte(seedLabel), "key-file")
		if err != nil {
			return nil, err
		}
		priv, err := keys.MarshalPrivate(k)
		if err != nil {
			return nil, err
		}
		pub, err := keys.MarshalPublic(alg, k.PublicBytes())
		if err != nil {
			return nil, err
		}
		out = append(out, priv, pub)
	}
	return out, nil
}

// envelopeSeeds writes each envelope tagged, and the first one also bare and under the later
// DareEnvelope tag.
func envelopeSeeds(envs []*mesh.DareMessage) ([][]byte, error) {
	var out [][]byte
	for i, e := range envs {
		b, err := dare.Marshal(e)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		if i == 0 {
			bare, _ := mesh.MarshalBare(e)
			out = append(out, bare, bytes.Replace(b, []byte("DareMessage"), []byte("DareEnvelope"), 1))
		}
	}
	return out, nil
}

func dareSignedSeeds() ([][]byte, error) {
	fx, err := dareFixtures()
	if err != nil {
		return nil, err
	}
	return envelopeSeeds(fx.signedAll)
}

func dareEncryptedSeeds() ([][]byte, error) {
	fx, err := dareFixtures()
	if err != nil {
		return nil, err
	}
	envs := make([]*mesh.DareMessage, len(fx.encrypted))
	for i, o := range fx.encrypted {
		envs[i] = o.env
	}
	return envelopeSeeds(envs)
}

func dareSeeds() ([][]byte, error) {
	s, err := dareSignedSeeds()
	if err != nil {
		return nil, err
	}
	e, err := dareEncryptedSeeds()
	return append(s, e...), err
}
