package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cloudflare/circl/dh/x448"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/wire"
)

// Sessions (NOTE-AUTH-SESSION). A device asks for a session by adding its ephemeral X448
// public key to a signed request (the `session` parameter, covered by the signature); the
// portal answers with its own ephemeral key and an opaque ticket in a Mesh-Session response
// header. Both sides derive the session key from the X448 agreement, and later requests carry
// an HMAC under that key instead of an Ed448 signature. Verifying a MAC costs microseconds
// where a signature costs hundreds; everything else NOTE-AUTH asks of a request (the portal's
// name, the account, the time window, the nonce, the body) stays bound, and the portal still
// checks on every request that the key is an authorised device of the account.

const (
	// SessionScheme is the Authorization scheme of a session-authenticated request.
	SessionScheme = "Mesh-Session"
	// SessionLabel starts the MAC'd digest: a session MAC can never stand for a signature.
	SessionLabel = "Mesh-Session-Auth-1"
	// GrantHeader is the response header that grants a session.
	GrantHeader = "Mesh-Session"
	// sessionInfo labels the key derivation.
	sessionInfo = "Mesh-Session-Key-1"
	// ticketLabel is the additional data of a ticket: a ticket opens only at the portal and
	// in the role it was made for.
	ticketLabel = "Mesh-Session-Ticket-1\n"
	// OfferSize is the size of an X448 public key.
	OfferSize = x448.Size
	// SessionKeySize is the size of a derived session key (HMAC-SHA-512).
	SessionKeySize = 64
	// MaxSessionLifetime bounds how long a reference client trusts a grant, whatever it says.
	MaxSessionLifetime = 24 * time.Hour
)

// More errors callers branch on.
var (
	ErrTicket  = errors.New("session ticket not valid at this portal")
	ErrExpired = errors.New("session expired")
	ErrGrant   = errors.New("unusable session grant")
)

// Offer is a client's half of the session key agreement: an ephemeral X448 key pair.
type Offer struct {
	Public  [OfferSize]byte
	private x448.Key
}

// NewOffer draws an ephemeral key pair from rnd (crypto/rand when nil).
func NewOffer(rnd io.Reader) (*Offer, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	o := &Offer{}
	if _, err := io.ReadFull(rnd, o.private[:]); err != nil {
		return nil, fmt.Errorf("auth: session offer: %w", err)
	}
	var pub x448.Key
	x448.KeyGen(&pub, &o.private)
	o.Public = pub
	return o, nil
}

// SignOffer is Sign for a request that also asks for a session: the offer's public key is a
// parameter of the header and a line of the signed digest.
func SignOffer(s keys.Signer, host, account string, body []byte, now time.Time, rnd io.Reader, o *Offer) (string, error) {
	return sign(s, host, account, body, now, rnd, wire.EncodeBase64(o.Public[:]))
}

// sessionKey derives the session key from the agreement of the two ephemeral keys. The
// portal, the account and the device key are in the info, so a session key means one device
// of one account at one portal.
func sessionKey(shared, offer, answer []byte, host, account string, alg keys.Algorithm, dak []byte) ([]byte, error) {
	info := sessionInfo + "\n" + host + "\n" + account + "\n" + keys.Fingerprint(alg, dak)
	return hkdf.Key(sha512.New, shared, append(append([]byte{}, offer...), answer...), info, SessionKeySize)
}

// agree computes the X448 shared secret, refusing a low-order point (an all-zero secret).
func agree(private *x448.Key, public []byte) ([]byte, error) {
	if len(public) != OfferSize {
		return nil, fmt.Errorf("X448 key of %d bytes", len(public))
	}
	var pub, shared x448.Key
	copy(pub[:], public)
	if !x448.Shared(&shared, private, &pub) {
		return nil, errors.New("X448 agreement with a low-order point")
	}
	return shared[:], nil
}

// Session is what a client keeps of a granted session.
type Session struct {
	Ticket  []byte
	Key     []byte
	Account string
	Expires time.Time
}

// Accept reads a portal's grant (the Mesh-Session response header value) to the offer made
// for account at host by the device whose authentication key is alg/dak.
func (o *Offer) Accept(grant, host, account string, alg keys.Algorithm, dak []byte, now time.Time) (*Session, error) {
	p, err := parseParams(grant, "", maxHeader)
	if err != nil {
		return nil, fmt.Errorf("auth: %w: %w", ErrGrant, err)
	}
	answer, err := wire.DecodeBase64(p["key"])
	if err != nil || len(answer) != OfferSize {
		return nil, fmt.Errorf("auth: %w: key", ErrGrant)
	}
	ticket, err := wire.DecodeBase64(p["ticket"])
	if err != nil || len(ticket) == 0 {
		return nil, fmt.Errorf("auth: %w: ticket", ErrGrant)
	}
	exp, err := wire.ParseDateTime(p["expires"])
	if err != nil {
		return nil, fmt.Errorf("auth: %w: expires: %w", ErrGrant, err)
	}
	if exp.After(now.Add(MaxSessionLifetime)) {
		exp = now.Add(MaxSessionLifetime)
	}
	shared, err := agree(&o.private, answer)
	if err != nil {
		return nil, fmt.Errorf("auth: %w: %w", ErrGrant, err)
	}
	k, err := sessionKey(shared, o.Public[:], answer, host, account, alg, dak)
	if err != nil {
		return nil, fmt.Errorf("auth: %w: %w", ErrGrant, err)
	}
	return &Session{Ticket: ticket, Key: k, Account: account, Expires: exp}, nil
}

// SessionDigest is the digest a session MAC covers: D_s = SHA-512(UTF8(SessionLabel\nhost\n
// account\ntime\nnonce\n) || SHA-512(body)).
func SessionDigest(host, account, tm, nonce string, body []byte) []byte {
	return digest(SessionLabel, host, account, tm, nonce, "", body)
}

// MAC is HMAC-SHA-512 under the session key over the session digest.
func MAC(key []byte, host, account, tm, nonce string, body []byte) []byte {
	m := hmac.New(sha512.New, key)
	m.Write(SessionDigest(host, account, tm, nonce, body))
	return m.Sum(nil)
}

// Authorize builds the Authorization header value of a request made in the session.
func (s *Session) Authorize(host string, body []byte, now time.Time, rnd io.Reader) (string, error) {
	nonce, err := newNonce(rnd)
	if err != nil {
		return "", err
	}
	tm := wire.FormatDateTime(now)
	return fmt.Sprintf(`%s ticket="%s", time="%s", nonce="%s", mac="%s"`, SessionScheme,
		wire.EncodeBase64(s.Ticket), tm, nonce, wire.EncodeBase64(MAC(s.Key, host, s.Account, tm, nonce, body))), nil
}

// SessionHeader is a parsed Authorization: Mesh-Session header.
type SessionHeader struct {
	Ticket []byte
	Time   string
	Nonce  string
	MAC    []byte
}

// IsSession reports whether an Authorization header value uses the session scheme.
func IsSession(value string) bool {
	scheme, _, _ := strings.Cut(strings.TrimSpace(value), " ")
	return strings.EqualFold(scheme, SessionScheme)
}

// ParseSession reads an Authorization: Mesh-Session header value; it checks syntax and sizes.
func ParseSession(value string) (*SessionHeader, error) {
	p, err := parseParams(value, SessionScheme, maxHeader)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"ticket", "time", "nonce", "mac"} {
		if p[k] == "" {
			return nil, fmt.Errorf("auth: %w: missing %s", ErrMalformed, k)
		}
	}
	h := &SessionHeader{Time: p["time"], Nonce: p["nonce"]}
	if h.Ticket, err = wire.DecodeBase64(p["ticket"]); err != nil {
		return nil, fmt.Errorf("auth: %w: ticket", ErrMalformed)
	}
	if h.MAC, err = wire.DecodeBase64(p["mac"]); err != nil || len(h.MAC) != sha512.Size {
		return nil, fmt.Errorf("auth: %w: mac", ErrMalformed)
	}
	if err := checkNonceTime(h.Nonce, h.Time); err != nil {
		return nil, err
	}
	return h, nil
}

// Issuer grants and opens sessions at a portal. Tickets are sealed with AES-256-GCM under a
// key drawn when the issuer is made, so they hold no state at the portal and die with it: a
// client whose session is refused signs again.
type Issuer struct {
	aead     cipher.AEAD
	host     string
	lifetime time.Duration
	rnd      io.Reader
}

// NewIssuer makes an issuer for the portal named host granting sessions of the given lifetime.
func NewIssuer(host string, lifetime time.Duration, rnd io.Reader) (*Issuer, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	k := make([]byte, 32)
	if _, err := io.ReadFull(rnd, k); err != nil {
		return nil, fmt.Errorf("auth: ticket key: %w", err)
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("auth: ticket key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("auth: ticket key: %w", err)
	}
	return &Issuer{aead: aead, host: host, lifetime: lifetime, rnd: rnd}, nil
}

// Ticket is what a sealed ticket holds.
type Ticket struct {
	Account string    `json:"a"`
	Alg     string    `json:"g"`
	DAK     []byte    `json:"k"`
	Key     []byte    `json:"s"`
	Expires time.Time `json:"e"`
}

// Grant answers h, a verified header that carries an offer, with the value of the
// Mesh-Session response header.
func (is *Issuer) Grant(h *Header, now time.Time) (string, error) {
	offer, err := wire.DecodeBase64(h.Offer)
	if err != nil || len(offer) != OfferSize {
		return "", fmt.Errorf("auth: %w: no offer", ErrGrant)
	}
	var private, answer x448.Key
	if _, err := io.ReadFull(is.rnd, private[:]); err != nil {
		return "", fmt.Errorf("auth: session: %w", err)
	}
	x448.KeyGen(&answer, &private)
	shared, err := agree(&private, offer)
	if err != nil {
		return "", fmt.Errorf("auth: %w: %w", ErrGrant, err)
	}
	k, err := sessionKey(shared, offer, answer[:], is.host, h.Account, h.Alg, h.Key)
	if err != nil {
		return "", fmt.Errorf("auth: %w: %w", ErrGrant, err)
	}
	exp := now.Add(is.lifetime).UTC().Truncate(time.Second)
	pt, err := json.Marshal(&Ticket{Account: h.Account, Alg: h.Alg.String(), DAK: h.Key, Key: k, Expires: exp})
	if err != nil {
		return "", fmt.Errorf("auth: ticket: %w", err)
	}
	nonce := make([]byte, is.aead.NonceSize())
	if _, err := io.ReadFull(is.rnd, nonce); err != nil {
		return "", fmt.Errorf("auth: ticket: %w", err)
	}
	ticket := is.aead.Seal(nonce, nonce, pt, []byte(ticketLabel+is.host))
	return fmt.Sprintf(`key="%s", ticket="%s", expires="%s"`, wire.EncodeBase64(answer[:]),
		wire.EncodeBase64(ticket), wire.FormatDateTime(exp)), nil
}

// Open unseals the ticket of a session request and checks its expiry. It does not check the
// MAC: that is Ticket.Verify, so that the caller decides what a failure of each means.
func (is *Issuer) Open(sh *SessionHeader, now time.Time) (*Ticket, error) {
	ns := is.aead.NonceSize()
	if len(sh.Ticket) < ns+is.aead.Overhead() {
		return nil, fmt.Errorf("auth: %w: %d bytes", ErrTicket, len(sh.Ticket))
	}
	pt, err := is.aead.Open(nil, sh.Ticket[:ns], sh.Ticket[ns:], []byte(ticketLabel+is.host))
	if err != nil {
		return nil, fmt.Errorf("auth: %w", ErrTicket)
	}
	var t Ticket
	if err := json.Unmarshal(pt, &t); err != nil {
		return nil, fmt.Errorf("auth: %w: %w", ErrTicket, err)
	}
	if !now.Before(t.Expires) {
		return nil, fmt.Errorf("auth: %w at %s", ErrExpired, wire.FormatDateTime(t.Expires))
	}
	return &t, nil
}

// Verify checks the request's MAC under the ticket's key and returns the header the request
// stands for (Header).
func (t *Ticket) Verify(sh *SessionHeader, host string, body []byte) (*Header, error) {
	if !hmac.Equal(sh.MAC, MAC(t.Key, host, t.Account, sh.Time, sh.Nonce, body)) {
		return nil, fmt.Errorf("auth: %w: session MAC", ErrSignature)
	}
	return t.Header(sh)
}

// Header is what a session request stands for: the device key, the account, the time and the
// nonce, ready for the checks every authenticated request goes through (CheckTime, the replay
// cache, the device lookup). It does not check the MAC: that is Verify.
func (t *Ticket) Header(sh *SessionHeader) (*Header, error) {
	alg, err := keys.ParseAlgorithm(t.Alg)
	if err != nil {
		return nil, fmt.Errorf("auth: %w: %w", ErrTicket, err)
	}
	return &Header{Alg: alg, Key: t.DAK, Account: t.Account, Time: sh.Time, Nonce: sh.Nonce}, nil
}

// RequestSession asks for a session: it signs body for account with a fresh offer, hands the
// Authorization header value to send, and reads the Mesh-Session grant send returns ("" when
// the portal granted none, which gives a nil session and no error). An unusable grant is
// ErrGrant. The send step is the caller's, so that each caller keeps its own transport.
func RequestSession(s keys.Signer, host, account string, body []byte, now time.Time, send func(authorization string) (grant string, err error)) (*Session, error) {
	o, err := NewOffer(nil)
	if err != nil {
		return nil, err
	}
	hv, err := SignOffer(s, host, account, body, now, nil, o)
	if err != nil {
		return nil, err
	}
	grant, err := send(hv)
	if err != nil || grant == "" {
		return nil, err
	}
	return o.Accept(grant, host, account, s.Algorithm(), s.PublicBytes(), now)
}
