package targets

import (
	"errors"
	"fmt"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/wire"
)

// AuthHeader fuzzes what a portal and a client read from HTTP headers an attacker controls
// (NOTE-AUTH, NOTE-AUTH-SESSION): the input is given, as a header value, to the Authorization
// parser of each scheme and to a client reading a Mesh-Session grant. Every refusal wraps the
// parser's typed error; an accepted header keeps the sizes the note fixes and verifies or
// fails with ErrSignature; a session ticket the portal did not issue never opens; an accepted
// grant yields a 64-byte key trusted for at most a day.
var AuthHeader = register(&Target{
	Name:      "FuzzAuthHeader",
	Parser:    "auth.Parse, auth.ParseSession, auth.Offer.Accept",
	Check:     checkAuthHeader,
	seeds:     authSeeds,
	noVectors: true,
})

var (
	authNow  = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	authHost = "portal.example"
	authAcct = "alice@portal.example"
	// authIssuer is the portal whose tickets the fuzzer tries to forge; its key comes from a
	// fixed stream, so a crasher replays.
	authIssuer = mustIssuer()
	authOffer  = mustOffer()
	authDAK    = mustKey("fuzz dak")
)

func mustIssuer() *auth.Issuer {
	is, err := auth.NewIssuer(authHost, time.Hour, stream("auth-issuer"))
	if err != nil {
		panic(err)
	}
	return is
}

func mustOffer() *auth.Offer {
	o, err := auth.NewOffer(stream("auth-offer"))
	if err != nil {
		panic(err)
	}
	return o
}

func mustKey(label string) *keys.PrivateKey {
	k, err := keys.Derive(keys.Ed448, []byte("fuzz"), label)
	if err != nil {
		panic(err)
	}
	return k
}

func checkAuthHeader(data []byte) (Outcome, error) {
	const name = "FuzzAuthHeader"
	v := string(data)
	out := Rejected
	if h, err := auth.Parse(v); err != nil {
		if !errors.Is(err, auth.ErrMalformed) {
			return Rejected, violation(name, "Parse errors wrap ErrMalformed", "%T: %v", err, err)
		}
	} else {
		out = Accepted
		if len(h.Key) != h.Alg.PublicSize() || len(h.Sig) != h.Alg.SignatureSize() || !h.Alg.CanSign() {
			return out, violation(name, "an accepted header has a signing key and signature of its algorithm's sizes", "%q", clip(data))
		}
		if n, err := wire.DecodeBase64(h.Nonce); err != nil || len(n) != auth.NonceSize {
			return out, violation(name, "an accepted header has a 16-byte nonce", "%q", h.Nonce)
		}
		if err := h.Verify(authHost, data); err != nil && !errors.Is(err, auth.ErrSignature) {
			return out, violation(name, "verification fails only with ErrSignature", "%v", err)
		}
	}
	if sh, err := auth.ParseSession(v); err != nil {
		if !errors.Is(err, auth.ErrMalformed) {
			return out, violation(name, "ParseSession errors wrap ErrMalformed", "%T: %v", err, err)
		}
	} else {
		out = Accepted
		t, err := authIssuer.Open(sh, authNow)
		switch {
		case err == nil:
			// Only the seeds' ticket was issued: anything else that opens is a forgery.
			if t.Account != authAcct || string(t.DAK) != string(authDAK.PublicBytes()) {
				return out, violation(name, "a ticket the portal did not issue never opens", "opened %+v", t)
			}
			if _, err := t.Verify(sh, authHost, data); err != nil && !errors.Is(err, auth.ErrSignature) {
				return out, violation(name, "a session MAC fails only with ErrSignature", "%v", err)
			}
		case !errors.Is(err, auth.ErrTicket) && !errors.Is(err, auth.ErrExpired):
			return out, violation(name, "Open errors wrap ErrTicket or ErrExpired", "%T: %v", err, err)
		}
	}
	if s, err := authOffer.Accept(v, authHost, authAcct, keys.Ed448, authDAK.PublicBytes(), authNow); err != nil {
		if !errors.Is(err, auth.ErrGrant) {
			return out, violation(name, "Accept errors wrap ErrGrant", "%T: %v", err, err)
		}
	} else {
		out = Accepted
		if len(s.Key) != auth.SessionKeySize || len(s.Ticket) == 0 || s.Expires.After(authNow.Add(auth.MaxSessionLifetime)) {
			return out, violation(name, "an accepted grant gives a 64-byte key and a ticket, trusted a day at most", "key %d bytes, ticket %d bytes, until %v", len(s.Key), len(s.Ticket), s.Expires)
		}
	}
	return out, nil
}

// authSeeds: a signed header, one asking for a session, a grant and a session request.
func authSeeds() ([][]byte, error) {
	body := []byte(`{"ConnectPendingRequest":{}}`)
	signed, err := auth.Sign(authDAK, authHost, authAcct, body, authNow, stream("auth-nonce-1"))
	if err != nil {
		return nil, err
	}
	offered, err := auth.SignOffer(authDAK, authHost, authAcct, body, authNow, stream("auth-nonce-2"), authOffer)
	if err != nil {
		return nil, err
	}
	h, err := auth.Parse(offered)
	if err != nil {
		return nil, err
	}
	// An issuer of its own with the same key as authIssuer, so that every call draws the same
	// ephemeral keys and ticket nonces and the seeds come out the same.
	grant, err := mustIssuer().Grant(h, authNow)
	if err != nil {
		return nil, err
	}
	s, err := authOffer.Accept(grant, authHost, authAcct, keys.Ed448, authDAK.PublicBytes(), authNow)
	if err != nil {
		return nil, fmt.Errorf("seed grant: %w", err)
	}
	in, err := s.Authorize(authHost, body, authNow, stream("auth-nonce-3"))
	if err != nil {
		return nil, err
	}
	return [][]byte{[]byte(signed), []byte(offered), []byte(grant), []byte(in)}, nil
}
