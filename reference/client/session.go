package client

import (
	"io"
	"sync"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
)

// sessionMargin is how long before its expiry a session is no longer used: a request made
// just in time could arrive just too late.
const sessionMargin = 30 * time.Second

// Sessions keeps one device's session with one portal (NOTE-AUTH-SESSION). A request made
// without a live session is signed and asks for one; once the portal grants it, requests
// carry a MAC under the session key instead. Safe for concurrent use.
type Sessions struct {
	mu  sync.Mutex
	cur *auth.Session
	// Granted and Forgotten count sessions granted and sessions the portal stopped accepting.
	Granted, Forgotten int
}

// Current returns the live session, or nil.
func (s *Sessions) Current(now time.Time) *auth.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == nil || !now.Add(sessionMargin).Before(s.cur.Expires) {
		return nil
	}
	return s.cur
}

func (s *Sessions) forget(used *auth.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur == used {
		s.cur = nil
		s.Forgotten++
	}
}

// authorize builds the Authorization header: a session MAC when a session is live, otherwise
// a signature, which asks for a session when a is keeping them.
func (a *Auth) authorize(host string, body []byte, now time.Time, rnd io.Reader) (hv string, used *auth.Session, offer *auth.Offer, err error) {
	if a.Sessions == nil {
		hv, err = auth.Sign(a.Signer, host, a.Account, body, now, rnd)
		return hv, nil, nil, err
	}
	if used = a.Sessions.Current(now); used != nil {
		hv, err = used.Authorize(host, body, now, rnd)
		return hv, used, nil, err
	}
	if offer, err = auth.NewOffer(nil); err != nil {
		return "", nil, nil, err
	}
	hv, err = auth.SignOffer(a.Signer, host, a.Account, body, now, rnd, offer)
	return hv, nil, offer, err
}

// accept keeps the session a portal granted to offer; a missing or unusable grant leaves the
// device signing, which every portal accepts.
func (a *Auth) accept(offer *auth.Offer, grant, host string, now time.Time) {
	if grant == "" {
		return
	}
	s, err := offer.Accept(grant, host, a.Account, a.Signer.Algorithm(), a.Signer.PublicBytes(), now)
	if err != nil {
		return
	}
	a.Sessions.mu.Lock()
	a.Sessions.cur = s
	a.Sessions.Granted++
	a.Sessions.mu.Unlock()
}

// Keep makes s the live session, as when a device restores one it saved.
func (s *Sessions) Keep(sess *auth.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = sess
}

// Kept returns the session held, live or not, for a device to save.
func (s *Sessions) Kept() *auth.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}
