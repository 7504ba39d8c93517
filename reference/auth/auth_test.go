package auth

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

func key(t testing.TB, alg keys.Algorithm, label string) *keys.PrivateKey {
	t.Helper()
	k, err := keys.Derive(alg, []byte("auth test"), label)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

type zero struct{}

func (zero) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestSignParseVerify(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	body := []byte(`{"DeleteAccount":{"Account":"alice@example.com"}}`)
	for _, alg := range []keys.Algorithm{keys.Ed448, keys.Ed25519} {
		k := key(t, alg, "dak")
		hv, err := Sign(k, "example.com", "alice@example.com", body, now, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, err := Parse(hv)
		if err != nil {
			t.Fatalf("%v: %v", alg, err)
		}
		if h.Fingerprint() != k.Fingerprint() || h.Account != "alice@example.com" || h.Time != "2026-01-02T03:04:05Z" {
			t.Fatalf("%v: parsed %+v", alg, h)
		}
		if err := h.Verify("example.com", body); err != nil {
			t.Fatalf("%v: %v", alg, err)
		}
		// Everything the signature binds: body, host, account.
		tampered := []struct {
			name string
			host string
			body []byte
			acct string
		}{
			{"other body", "example.com", append(bytes.Clone(body), ' '), h.Account},
			{"other portal", "evil.example", body, h.Account},
			{"other account", "example.com", body, "bob@example.com"},
		}
		for _, c := range tampered {
			h2 := *h
			h2.Account = c.acct
			if err := h2.Verify(c.host, c.body); !errors.Is(err, ErrSignature) {
				t.Errorf("%v %s: got %v, want ErrSignature", alg, c.name, err)
			}
		}
		if err := h.CheckTime(now.Add(299*time.Second), MaxSkew); err != nil {
			t.Errorf("inside the window: %v", err)
		}
		for _, d := range []time.Duration{301 * time.Second, -301 * time.Second} {
			if err := h.CheckTime(now.Add(d), MaxSkew); !errors.Is(err, ErrStale) {
				t.Errorf("%v off: got %v, want ErrStale", d, err)
			}
		}
	}
}

func TestParseMalformed(t *testing.T) {
	k := key(t, keys.Ed448, "dak")
	good, err := Sign(k, "h", "a@h", nil, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"empty":        "",
		"other scheme": strings.Replace(good, "Mesh ", "Bearer ", 1),
		"no sig":       good[:strings.Index(good, ", sig=")],
		"bad alg":      strings.Replace(good, `alg="Ed448"`, `alg="X448"`, 1),
		"short key":    strings.Replace(good, `key="`, `key="AA`, 1),
		"bad time":     strings.Replace(good, `time="`, `time="x`, 1),
		"unquoted":     strings.Replace(good, `nonce="`, `nonce=`, 1),
		"duplicate":    good + `, sig="AAAA"`,
		"huge":         good + strings.Repeat(" ", 5000),
	}
	for name, v := range cases {
		if _, err := Parse(v); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: got %v, want ErrMalformed", name, err)
		}
	}
}

func TestReplayCache(t *testing.T) {
	k := key(t, keys.Ed448, "dak")
	now := time.Now()
	hv, _ := Sign(k, "h", "a@h", nil, now, zero{})
	h, _ := Parse(hv)
	c := NewReplayCache(MaxSkew, 2)
	if err := c.Check(h, now); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(h, now.Add(time.Minute)); !errors.Is(err, ErrReplay) {
		t.Fatalf("replay inside the window: %v", err)
	}
	if err := c.Check(h, now.Add(time.Hour)); err != nil {
		t.Fatalf("after the window the pair is forgotten: %v", err)
	}
	// Bounded: two fresh pairs fill it, a third is refused rather than evicting a live one.
	h2 := *h
	h2.Nonce = "AQEBAQEBAQEBAQEBAQEBAQ"
	h3 := *h
	h3.Nonce = "AgICAgICAgICAgICAgICAg"
	later := now.Add(time.Hour)
	if err := c.Check(&h2, later); err != nil {
		t.Fatal(err)
	}
	if err := c.Check(&h3, later); !errors.Is(err, ErrFull) {
		t.Fatalf("full cache: %v", err)
	}
	if c.Len() != 2 {
		t.Fatalf("len %d", c.Len())
	}
}

// TestReplayCacheGenerations: a pair stays a replay until it expires even when its generation
// is retired, and a retired generation's places come back, all at once, when its last pair
// expires.
func TestReplayCacheGenerations(t *testing.T) {
	k := key(t, keys.Ed448, "dak")
	t0 := time.Now()
	pair := func(nonce string) *Header {
		hv, _ := Sign(k, "h", "a@h", nil, t0, zero{})
		h, _ := Parse(hv)
		h.Nonce = nonce
		return h
	}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	c := NewReplayCache(time.Second, 3) // pairs live 2 s; a generation turns every 2 s
	steps := []struct {
		nonce string
		at    time.Duration
		want  error
	}{
		{"a", 0, nil},
		{"b", 1900 * time.Millisecond, nil},       // lives until 3.9 s
		{"c", 2100 * time.Millisecond, nil},       // a and b are now the previous generation
		{"b", 2200 * time.Millisecond, ErrReplay}, // still live there
		// a has expired, but keeps its place until its generation goes whole (3 places, 3 held).
		{"a", 2300 * time.Millisecond, ErrFull},
		{"a", 3900 * time.Millisecond, nil},       // b expired too: the generation went
		{"c", 4000 * time.Millisecond, ErrReplay}, // c lives until 4.1 s
		{"c", 4100 * time.Millisecond, nil},
	}
	for i, s := range steps {
		if err := c.Check(pair(s.nonce), at(s.at)); !errors.Is(err, s.want) {
			t.Fatalf("step %d (%s at %v): %v, want %v", i, s.nonce, s.at, err, s.want)
		}
	}
}

func TestEnvelope(t *testing.T) {
	signer, other := key(t, keys.Ed448, "a"), key(t, keys.Ed25519, "b")
	v := &mesh.MessageConfirmationResponse{ResponseID: "r1", Accept: mesh.Bool(false)}
	env, err := SignStructure(v, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyBy(env, signer.Algorithm(), signer.PublicBytes()); err != nil {
		t.Fatal(err)
	}
	if err := VerifyBy(env, other.Algorithm(), other.PublicBytes()); !errors.Is(err, ErrNotSigned) {
		t.Fatalf("wrong key: %v", err)
	}
	got, err := Open(env)
	if err != nil || !mesh.Equal(got, v) {
		t.Fatalf("open: %v %v", got, err)
	}
	ks := []mesh.PublicKey{*keys.ToMeshPublicKey(other.Algorithm(), other.PublicBytes()), *keys.ToMeshPublicKey(signer.Algorithm(), signer.PublicBytes())}
	if i, err := VerifyByAny(env, ks); err != nil || i != 1 {
		t.Fatalf("VerifyByAny: %d %v", i, err)
	}
	cases := map[string]func(e *mesh.DareMessage){
		"payload changed": func(e *mesh.DareMessage) { e.Payload = append(e.Payload, ' ') },
		"unsigned":        func(e *mesh.DareMessage) { e.Trailer = nil },
		"signature bit":   func(e *mesh.DareMessage) { e.Trailer.Signatures[0].Signature[0] ^= 1 },
	}
	for name, mod := range cases {
		e2, _ := SignStructure(v, signer)
		mod(e2)
		if err := VerifyBy(e2, signer.Algorithm(), signer.PublicBytes()); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	bad := &mesh.DareMessage{Payload: []byte(`{"Nope":{}}`)}
	if _, err := Open(bad); !errors.Is(err, ErrPayload) {
		t.Fatalf("bad payload: %v", err)
	}
	if _, err := Open(nil); !errors.Is(err, ErrEnvelope) {
		t.Fatalf("nil: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	k, _ := keys.Derive(keys.Ed448, []byte("fuzz"), "dak")
	good, _ := Sign(k, "h", "a@h", nil, time.Unix(0, 0), zero{})
	f.Add(good)
	f.Add(`Mesh alg="Ed448"`)
	f.Fuzz(func(t *testing.T, s string) {
		h, err := Parse(s)
		if err == nil {
			_ = h.Verify("h", nil) // must not panic
		}
	})
}

// BenchmarkReplayCacheFull: a check against a cache full of live pairs (the state an
// authenticated flood leaves it in) costs the same whatever the cache holds.
func BenchmarkReplayCacheFull(b *testing.B) {
	k := key(b, keys.Ed448, "dak")
	now := time.Now()
	hv, _ := Sign(k, "h", "a@h", nil, now, zero{})
	h, _ := Parse(hv)
	for _, size := range []int{1 << 10, 1 << 20} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			c := NewReplayCache(MaxSkew, size)
			for i := range size {
				p := *h
				p.Nonce = fmt.Sprint(i)
				if err := c.Check(&p, now); err != nil {
					b.Fatal(err)
				}
			}
			p := *h
			p.Nonce = "one more"
			b.ResetTimer()
			for range b.N {
				if err := c.Check(&p, now); !errors.Is(err, ErrFull) {
					b.Fatal(err)
				}
			}
		})
	}
}
