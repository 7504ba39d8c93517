package auth

import (
	"crypto/rand"
	"crypto/sha512"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/wire"
)

// Scheme is the Authorization scheme name of NOTE-AUTH.
const Scheme = "Mesh"

// Label starts the signed digest so that an authentication signature can never be confused
// with a DARE signature made by the same key (NOTE-AUTH).
const Label = "Mesh-Request-Auth-1"

// NonceSize is the number of random bytes in a request nonce.
const NonceSize = 16

// MaxSkew is the accepted difference between the request time and the portal clock.
const MaxSkew = 300 * time.Second

// Errors callers branch on.
var (
	ErrMalformed = errors.New("malformed Authorization header")
	ErrSignature = errors.New("authorization signature does not verify")
	ErrStale     = errors.New("authorization time outside the accepted window")
	ErrReplay    = errors.New("authorization nonce already used")
	ErrFull      = errors.New("replay cache full")
)

// Header is a parsed Authorization: Mesh header.
type Header struct {
	Alg     keys.Algorithm
	Key     []byte // raw DAK public key
	Account string
	Time    string // the DateTime string as signed
	Nonce   string // the base64url nonce as signed
	Offer   string // the base64url session offer as signed, "" when none (NOTE-AUTH-SESSION)
	Sig     []byte
}

// Fingerprint is the 2019 key UDF of the header's key: the AuthUDF it must match.
func (h *Header) Fingerprint() string { return keys.Fingerprint(h.Alg, h.Key) }

// Digest returns D = SHA-512(UTF8(Label\nhost\naccount\ntime\nnonce\n) || SHA-512(body)).
func Digest(host, account, tm, nonce string, body []byte) []byte {
	return digest(Label, host, account, tm, nonce, "", body)
}

// OfferDigest is Digest for a header that asks for a session: the offer is one more line,
// UTF8(Label\nhost\naccount\ntime\nnonce\noffer\n), so a session cannot be asked for on
// someone else's signature.
func OfferDigest(host, account, tm, nonce, offer string, body []byte) []byte {
	return digest(Label, host, account, tm, nonce, offer, body)
}

// digest hashes the label and the lines, then the body's hash. No line holds a newline (Parse
// checks), so the lines cannot be confused with one another.
func digest(label, host, account, tm, nonce, offer string, body []byte) []byte {
	bh := sha512.Sum512(body)
	h := sha512.New()
	io.WriteString(h, label+"\n"+host+"\n"+account+"\n"+tm+"\n"+nonce+"\n")
	if offer != "" {
		io.WriteString(h, offer+"\n")
	}
	h.Write(bh[:])
	return h.Sum(nil)
}

// Sign builds the header value for a request body sent to host on behalf of account. rnd
// supplies the nonce (crypto/rand when nil) so that tests can replay a request on purpose.
func Sign(s keys.Signer, host, account string, body []byte, now time.Time, rnd io.Reader) (string, error) {
	return sign(s, host, account, body, now, rnd, "")
}

func sign(s keys.Signer, host, account string, body []byte, now time.Time, rnd io.Reader, offer string) (string, error) {
	nonce, err := newNonce(rnd)
	if err != nil {
		return "", err
	}
	tm := wire.FormatDateTime(now)
	sig, err := s.Sign(digest(Label, host, account, tm, nonce, offer, body))
	if err != nil {
		return "", fmt.Errorf("auth: %w", err)
	}
	v := fmt.Sprintf(`%s alg="%s", key="%s", account="%s", time="%s", nonce="%s"`,
		Scheme, s.Algorithm(), wire.EncodeBase64(s.PublicBytes()), account, tm, nonce)
	if offer != "" {
		v += fmt.Sprintf(`, session="%s"`, offer)
	}
	return v + fmt.Sprintf(`, sig="%s"`, wire.EncodeBase64(sig)), nil
}

// newNonce draws a request nonce from rnd (crypto/rand when nil) in its base64url form.
func newNonce(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	n := make([]byte, NonceSize)
	if _, err := io.ReadFull(rnd, n); err != nil {
		return "", fmt.Errorf("auth: nonce: %w", err)
	}
	return wire.EncodeBase64(n), nil
}

// maxHeader bounds what Parse reads: an honest header is a few hundred bytes.
const maxHeader = 4096

// parseParams splits `scheme k="v", k="v"` (no scheme when scheme is ""), refusing duplicates,
// unquoted values and anything longer than max.
func parseParams(value, scheme string, max int) (map[string]string, error) {
	if len(value) > max {
		return nil, fmt.Errorf("auth: %w: %d bytes", ErrMalformed, len(value))
	}
	rest := strings.TrimSpace(value)
	if scheme != "" {
		got, after, ok := strings.Cut(rest, " ")
		if !ok || !strings.EqualFold(got, scheme) {
			return nil, fmt.Errorf("auth: %w: scheme is not %s", ErrMalformed, scheme)
		}
		rest = after
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		k, v, ok := strings.Cut(part, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return nil, fmt.Errorf("auth: %w: parameter %q", ErrMalformed, part)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := params[k]; dup {
			return nil, fmt.Errorf("auth: %w: duplicate parameter %s", ErrMalformed, k)
		}
		params[k] = v[1 : len(v)-1]
	}
	return params, nil
}

// checkNonceTime checks the syntax of the nonce and time parameters both schemes carry.
func checkNonceTime(nonce, tm string) error {
	if n, err := wire.DecodeBase64(nonce); err != nil || len(n) != NonceSize {
		return fmt.Errorf("auth: %w: nonce must be %d bytes", ErrMalformed, NonceSize)
	}
	if _, err := wire.ParseDateTime(tm); err != nil {
		return fmt.Errorf("auth: %w: time: %w", ErrMalformed, err)
	}
	return nil
}

// Parse reads an Authorization header value. It checks syntax and sizes, not the signature.
func Parse(value string) (*Header, error) {
	params, err := parseParams(value, Scheme, maxHeader)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"alg", "key", "time", "nonce", "sig"} {
		if params[k] == "" {
			return nil, fmt.Errorf("auth: %w: missing %s", ErrMalformed, k)
		}
	}
	h := &Header{Account: params["account"], Time: params["time"], Nonce: params["nonce"]}
	if h.Alg, err = keys.ParseAlgorithm(params["alg"]); err != nil || !h.Alg.CanSign() {
		return nil, fmt.Errorf("auth: %w: alg %q", ErrMalformed, params["alg"])
	}
	if h.Key, err = wire.DecodeBase64(params["key"]); err != nil || len(h.Key) != h.Alg.PublicSize() {
		return nil, fmt.Errorf("auth: %w: key", ErrMalformed)
	}
	if h.Sig, err = wire.DecodeBase64(params["sig"]); err != nil || len(h.Sig) != h.Alg.SignatureSize() {
		return nil, fmt.Errorf("auth: %w: sig", ErrMalformed)
	}
	if offer, ok := params["session"]; ok {
		if o, err := wire.DecodeBase64(offer); err != nil || len(o) != OfferSize {
			return nil, fmt.Errorf("auth: %w: session offer must be an X448 key", ErrMalformed)
		}
		h.Offer = offer
	}
	if strings.ContainsAny(h.Account, "\n\r") {
		return nil, fmt.Errorf("auth: %w: account", ErrMalformed)
	}
	if err := checkNonceTime(h.Nonce, h.Time); err != nil {
		return nil, err
	}
	return h, nil
}

// Verify checks the signature over the body sent to host.
func (h *Header) Verify(host string, body []byte) error {
	if err := keys.Verify(h.Alg, h.Key, digest(Label, host, h.Account, h.Time, h.Nonce, h.Offer, body), h.Sig); err != nil {
		return fmt.Errorf("auth: %w: %w", ErrSignature, err)
	}
	return nil
}

// CheckTime accepts the header time when it is within skew of now.
func (h *Header) CheckTime(now time.Time, skew time.Duration) error {
	t, err := wire.ParseDateTime(h.Time)
	if err != nil {
		return fmt.Errorf("auth: %w: %w", ErrMalformed, err)
	}
	if d := now.Sub(t); d > skew || d < -skew {
		return fmt.Errorf("auth: %w: %s is %s from now", ErrStale, h.Time, d.Round(time.Second))
	}
	return nil
}

// ReplayCache remembers (key, nonce) pairs for the accepted window. It is bounded: when full
// of unexpired pairs it refuses new ones (ErrFull) rather than forgetting one, because
// forgetting would reopen a replay. Pairs live in two generations, so that forgetting expired
// ones costs constant time per check: a generation is dropped whole once its last pair has
// expired, and the current one becomes the previous one every two windows. An expired pair
// keeps its place until its generation goes, so max should hold about four windows of
// requests. (Sweeping one map when full cost a scan of every pair on every check, under the
// lock, for as long as it stayed full.)
type ReplayCache struct {
	mu                sync.Mutex
	window            time.Duration
	max               int
	cur, prev         map[string]time.Time // pair -> when it may be forgotten
	curLast, prevLast time.Time            // the latest of those times in each
	curStarted        time.Time
}

// NewReplayCache returns a cache for the given window holding at most max pairs.
func NewReplayCache(window time.Duration, max int) *ReplayCache {
	return &ReplayCache{window: window, max: max, cur: map[string]time.Time{}, prev: map[string]time.Time{}}
}

// Check records the pair and fails with ErrReplay when it was seen within the window.
func (c *ReplayCache) Check(h *Header, now time.Time) error {
	k := string(h.Key) + "\x00" + h.Nonce
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, gen := range []map[string]time.Time{c.cur, c.prev} {
		if exp, ok := gen[k]; ok && now.Before(exp) {
			return fmt.Errorf("auth: %w", ErrReplay)
		}
	}
	c.age(now)
	if len(c.cur)+len(c.prev) >= c.max {
		return fmt.Errorf("auth: %w", ErrFull)
	}
	// Twice the window: a request dated skew in the future stays replayable that much longer.
	exp := now.Add(2 * c.window)
	c.cur[k] = exp
	if exp.After(c.curLast) {
		c.curLast = exp
	}
	return nil
}

// age forgets the generations that can hold only expired pairs.
func (c *ReplayCache) age(now time.Time) {
	if len(c.prev) > 0 && !now.Before(c.prevLast) {
		c.prev, c.prevLast = map[string]time.Time{}, time.Time{}
	}
	if c.curStarted.IsZero() {
		c.curStarted = now
	}
	// The previous generation is empty by now unless the clock went back: its pairs were
	// recorded before the current one started, two windows ago at least.
	if len(c.prev) == 0 && now.Sub(c.curStarted) >= 2*c.window {
		c.prev, c.prevLast = c.cur, c.curLast
		c.cur, c.curLast, c.curStarted = map[string]time.Time{}, time.Time{}, now
	}
}

// Len returns the number of remembered pairs.
func (c *ReplayCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.cur) + len(c.prev)
}
