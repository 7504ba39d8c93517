package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha512"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/wire"
)

// granted runs the whole exchange: a signed request with an offer, the portal's checks and
// grant, the client's acceptance. It returns both sides' views.
func granted(t *testing.T, is *Issuer, host, account string, dak *keys.PrivateKey, now time.Time) (*Session, string) {
	t.Helper()
	body := []byte(`{"ConnectPendingRequest":{}}`)
	o, err := NewOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	hv, err := SignOffer(dak, host, account, body, now, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Parse(hv)
	if err != nil {
		t.Fatal(err)
	}
	if h.Offer != wire.EncodeBase64(o.Public[:]) {
		t.Fatalf("offer %q not carried by the header", h.Offer)
	}
	if err := h.Verify(host, body); err != nil {
		t.Fatal(err)
	}
	grant, err := is.Grant(h, now)
	if err != nil {
		t.Fatal(err)
	}
	s, err := o.Accept(grant, host, account, dak.Algorithm(), dak.PublicBytes(), now)
	if err != nil {
		t.Fatal(err)
	}
	return s, grant
}

func TestSessionRoundTrip(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	is, err := NewIssuer("example.com", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	dak := key(t, keys.Ed448, "dak")
	s, _ := granted(t, is, "example.com", "alice@example.com", dak, now)
	if !s.Expires.Equal(now.Add(time.Hour)) {
		t.Errorf("expires %v, want an hour on", s.Expires)
	}
	body := []byte(`{"PublishRequest":{}}`)
	hv, err := s.Authorize("example.com", body, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !IsSession(hv) || IsSession("Mesh alg=\"Ed448\"") {
		t.Fatal("IsSession does not tell the schemes apart")
	}
	sh, err := ParseSession(hv)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := is.Open(sh, now)
	if err != nil {
		t.Fatal(err)
	}
	h, err := tk.Verify(sh, "example.com", body)
	if err != nil {
		t.Fatal(err)
	}
	if h.Fingerprint() != dak.Fingerprint() || h.Account != "alice@example.com" || h.Nonce != sh.Nonce || h.Time != sh.Time {
		t.Fatalf("the session stands for %+v", h)
	}
	// The MAC is HMAC-SHA-512 under the session key over the digest NOTE-AUTH-SESSION spells
	// out, transcribed here from the note rather than taken from SessionDigest.
	bh := sha512.Sum512(body)
	d := sha512.New()
	d.Write([]byte("Mesh-Session-Auth-1\nexample.com\nalice@example.com\n" + sh.Time + "\n" + sh.Nonce + "\n"))
	d.Write(bh[:])
	m := hmac.New(sha512.New, s.Key)
	m.Write(d.Sum(nil))
	if !hmac.Equal(m.Sum(nil), sh.MAC) {
		t.Fatal("the MAC is not the note's construction")
	}

	// What the MAC binds: the body and the portal; the ticket binds the account and the key.
	if _, err := tk.Verify(sh, "example.com", append(bytes.Clone(body), ' ')); !errors.Is(err, ErrSignature) {
		t.Errorf("other body: %v", err)
	}
	if _, err := tk.Verify(sh, "evil.example", body); !errors.Is(err, ErrSignature) {
		t.Errorf("other portal: %v", err)
	}
	if h, err := tk.Header(sh); err != nil || h.Fingerprint() != dak.Fingerprint() || h.Account != "alice@example.com" {
		t.Errorf("the ticket's header without the MAC: %+v, %v", h, err)
	}
}

func TestSessionRefusals(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	is, _ := NewIssuer("example.com", time.Hour, nil)
	other, _ := NewIssuer("example.com", time.Hour, nil)
	elsewhere, _ := NewIssuer("evil.example", time.Hour, nil)
	dak := key(t, keys.Ed448, "dak")
	s, _ := granted(t, is, "example.com", "alice@example.com", dak, now)
	hv, _ := s.Authorize("example.com", nil, now, nil)
	sh, err := ParseSession(hv)
	if err != nil {
		t.Fatal(err)
	}
	flipped := *sh
	flipped.Ticket = bytes.Clone(sh.Ticket)
	flipped.Ticket[len(flipped.Ticket)/2] ^= 1
	for _, c := range []struct {
		name string
		is   *Issuer
		sh   *SessionHeader
		now  time.Time
		want error
	}{
		{"another issuer's key (a restarted portal)", other, sh, now, ErrTicket},
		{"a ticket of another portal", elsewhere, sh, now, ErrTicket},
		{"a flipped ticket bit", is, &flipped, now, ErrTicket},
		{"a truncated ticket", is, &SessionHeader{Ticket: sh.Ticket[:10]}, now, ErrTicket},
		{"after expiry", is, sh, now.Add(time.Hour), ErrExpired},
	} {
		if _, err := c.is.Open(c.sh, c.now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

func TestOfferIsSigned(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	body := []byte(`{}`)
	dak := key(t, keys.Ed448, "dak")
	o, _ := NewOffer(nil)
	mine, _ := NewOffer(nil)
	hv, err := SignOffer(dak, "example.com", "a@example.com", body, now, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	swapped := strings.Replace(hv, wire.EncodeBase64(o.Public[:]), wire.EncodeBase64(mine.Public[:]), 1)
	h, err := Parse(swapped)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Verify("example.com", body); !errors.Is(err, ErrSignature) {
		t.Fatalf("a swapped offer verified: %v", err)
	}
	// And an offer added to a plain signature does not verify either.
	plain, _ := Sign(dak, "example.com", "a@example.com", body, now, nil)
	added := strings.Replace(plain, `, sig=`, `, session="`+wire.EncodeBase64(mine.Public[:])+`", sig=`, 1)
	if h, err = Parse(added); err != nil {
		t.Fatal(err)
	}
	if err := h.Verify("example.com", body); !errors.Is(err, ErrSignature) {
		t.Fatalf("an offer added to a plain signature verified: %v", err)
	}
}

func TestSessionParseRefusals(t *testing.T) {
	n := wire.EncodeBase64(make([]byte, NonceSize))
	mac := wire.EncodeBase64(make([]byte, 64))
	for _, v := range []string{
		``,
		`Mesh ticket="AA", time="2026-01-02T03:04:05Z", nonce="` + n + `", mac="` + mac + `"`,
		`Mesh-Session time="2026-01-02T03:04:05Z", nonce="` + n + `", mac="` + mac + `"`,
		`Mesh-Session ticket="AA", time="2026-01-02T03:04:05Z", nonce="` + n + `", mac="AAAA"`,
		`Mesh-Session ticket="AA", time="yesterday", nonce="` + n + `", mac="` + mac + `"`,
		`Mesh-Session ticket="AA", time="2026-01-02T03:04:05Z", nonce="AA", mac="` + mac + `"`,
		`Mesh-Session ticket="!!", time="2026-01-02T03:04:05Z", nonce="` + n + `", mac="` + mac + `"`,
		`Mesh-Session ticket="` + strings.Repeat("A", 5000) + `", time="2026-01-02T03:04:05Z", nonce="` + n + `", mac="` + mac + `"`,
	} {
		if _, err := ParseSession(v); !errors.Is(err, ErrMalformed) {
			t.Errorf("%.60q: %v", v, err)
		}
	}
	// A grant the client cannot use is refused, not half-used.
	o, _ := NewOffer(nil)
	exp := wire.FormatDateTime(time.Now().Add(time.Hour))
	for _, g := range []string{
		``,
		`key="AA", ticket="AA", expires="` + exp + `"`,
		`key="` + wire.EncodeBase64(make([]byte, OfferSize)) + `", ticket="AA", expires="` + exp + `"`, // low-order point
		`key="` + wire.EncodeBase64(o.Public[:]) + `", ticket="", expires="` + exp + `"`,
		`key="` + wire.EncodeBase64(o.Public[:]) + `", ticket="AA", expires="soon"`,
	} {
		if _, err := o.Accept(g, "example.com", "a@example.com", keys.Ed448, make([]byte, 57), time.Now()); !errors.Is(err, ErrGrant) {
			t.Errorf("%q: %v", g, err)
		}
	}
}

func TestGrantLifetimeIsCappedByTheClient(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	is, _ := NewIssuer("example.com", 365*24*time.Hour, nil)
	s, _ := granted(t, is, "example.com", "a@example.com", key(t, keys.Ed448, "dak"), now)
	if !s.Expires.Equal(now.Add(MaxSessionLifetime)) {
		t.Fatalf("a year's grant is trusted until %v", s.Expires)
	}
}

// BenchmarkSessionVerify: what a session request costs the portal, beside a signature.
func BenchmarkSessionVerify(b *testing.B) {
	now := time.Now()
	body := bytes.Repeat([]byte("x"), 1024)
	dak := key(b, keys.Ed448, "dak")
	b.Run("signature", func(b *testing.B) {
		hv, _ := Sign(dak, "example.com", "a@example.com", body, now, nil)
		for b.Loop() {
			h, err := Parse(hv)
			if err != nil {
				b.Fatal(err)
			}
			if err := h.Verify("example.com", body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("session", func(b *testing.B) {
		is, _ := NewIssuer("example.com", time.Hour, nil)
		o, _ := NewOffer(nil)
		hv, _ := SignOffer(dak, "example.com", "a@example.com", body, now, nil, o)
		h, _ := Parse(hv)
		grant, _ := is.Grant(h, now)
		s, err := o.Accept(grant, "example.com", "a@example.com", keys.Ed448, dak.PublicBytes(), now)
		if err != nil {
			b.Fatal(err)
		}
		sv, _ := s.Authorize("example.com", body, now, nil)
		for b.Loop() {
			sh, err := ParseSession(sv)
			if err != nil {
				b.Fatal(err)
			}
			tk, err := is.Open(sh, now)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tk.Verify(sh, "example.com", body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestRequestSession(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	is, _ := NewIssuer("example.com", time.Hour, nil)
	dak := key(t, keys.Ed448, "dak")
	body := []byte(`{}`)
	portal := func(hv string) (string, error) {
		h, err := Parse(hv)
		if err != nil {
			return "", err
		}
		if err := h.Verify("example.com", body); err != nil {
			return "", err
		}
		return is.Grant(h, now)
	}
	s, err := RequestSession(dak, "example.com", "a@example.com", body, now, portal)
	if err != nil || s == nil {
		t.Fatalf("granted: %v, %v", s, err)
	}
	hv, _ := s.Authorize("example.com", body, now, nil)
	sh, _ := ParseSession(hv)
	if tk, err := is.Open(sh, now); err != nil {
		t.Fatal(err)
	} else if _, err := tk.Verify(sh, "example.com", body); err != nil {
		t.Fatalf("the requested session does not verify at the portal: %v", err)
	}
	if s, err := RequestSession(dak, "example.com", "a@example.com", body, now, func(string) (string, error) { return "", nil }); s != nil || err != nil {
		t.Errorf("no grant: %v, %v", s, err)
	}
	if _, err := RequestSession(dak, "example.com", "a@example.com", body, now, func(string) (string, error) { return `key="AA"`, nil }); !errors.Is(err, ErrGrant) {
		t.Errorf("an unusable grant: %v", err)
	}
}
