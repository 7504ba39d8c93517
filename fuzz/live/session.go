package live

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// Session authentication (NOTE-AUTH-SESSION). At setup each party signs one request carrying
// an X448 offer; when the portal answers with a Mesh-Session grant, the party keeps the
// session, and the campaign draws the session modes for the requests that party signs: a
// valid session request, one dated an hour ago, one whose MAC covers another body, and one
// sent twice. A portal that grants no session is fuzzed exactly as before.

// errNoSession is a session mode asked of a party the portal granted no session (a harness
// bug: such modes are drawn only for a party with one).
var errNoSession = errors.New("live: no session to authenticate in")

// session reports whether the mode authenticates by a session MAC rather than a signature.
func (m authMode) session() bool {
	switch m {
	case authSession, authSessionStale, authSessionBadMAC, authSessionReplay:
		return true
	}
	return false
}

// twice reports whether the mode sends the request twice (a replay).
func (m authMode) twice() bool { return m == authReplay || m == authSessionReplay }

// authHeader is the Authorization header value of body under mode, for account's device key
// dak or for its session sess (session modes): stale modes are dated an hour back and broken
// ones cover the body with a space appended. Campaign and Replay both build headers here, so
// that a reproducer sends what the campaign sent.
func authHeader(mode authMode, dak keys.Signer, sess *auth.Session, host, account string, body []byte, now time.Time) (string, error) {
	signed := body
	switch mode {
	case authStale, authSessionStale:
		now = now.Add(-time.Hour)
	case authBroken, authSessionBadMAC:
		signed = append(slices.Clone(body), ' ')
	}
	if mode.session() {
		if sess == nil {
			return "", errNoSession
		}
		hv, err := sess.Authorize(host, signed, now, nil)
		if err != nil {
			return "", fmt.Errorf("live: %w", err)
		}
		return hv, nil
	}
	hv, err := auth.Sign(dak, host, account, signed, now, nil)
	if err != nil {
		return "", fmt.Errorf("live: %w", err)
	}
	return hv, nil
}

// sessionRequestBody is the request a device signs with its offer to ask for a session: a
// ConnectPending for its own account, which any device of the account may send and which
// changes nothing at the portal.
func sessionRequestBody(account string) ([]byte, error) {
	return encode(&mesh.ConnectPendingRequest{AccountID: account})
}

// askSession signs body for account with a fresh offer, sends it with post and reads the
// grant. A portal that grants none gives a nil session and says why; err is only the caller's
// (a cancelled context, a request that could not be built).
func askSession(ctx context.Context, post func(context.Context, []byte, http.Header) (*target.Exchange, error),
	dak keys.Signer, host, account string, body []byte) (_ *auth.Session, why string, err error) {
	var ex *target.Exchange
	s, err := auth.RequestSession(dak, host, account, body, time.Now(), func(hv string) (string, error) {
		var err error
		if ex, err = post(ctx, body, http.Header{"Authorization": {hv}}); err != nil {
			return "", err
		}
		if ex.Response == nil {
			return "", nil
		}
		return ex.Response.Header.Get(auth.GrantHeader), nil
	})
	switch {
	case errors.Is(err, auth.ErrGrant):
		return nil, "an unusable grant: " + err.Error(), nil
	case err != nil:
		return nil, "", fmt.Errorf("live: %w", err)
	case s != nil:
		return s, "", nil
	case ex.Response == nil:
		return nil, "the request for one got no answer: " + describe(ex), nil
	default:
		return nil, "no " + auth.GrantHeader + " header (" + describe(ex) + ")", nil
	}
}

// partySession is the session a party was granted at setup. It is renewed, by another signed
// request with an offer, once three quarters of its lifetime have passed, so that a long
// campaign does not mistake an expired session for a refused request.
type partySession struct {
	request []byte // the body signed to ask for it (sessionRequestBody)

	mu      sync.Mutex
	cur     *auth.Session
	renewAt time.Time
	failed  bool // a renewal failed (said once)
	refused bool // the portal refused the session (said once)
}

func newPartySession(request []byte, s *auth.Session, granted time.Time) *partySession {
	ps := &partySession{request: request}
	ps.set(s, granted)
	return ps
}

// set keeps a session granted at the given time; a grant for less than a minute and a
// half is renewed after a minute all the same, not before every request.
func (ps *partySession) set(s *auth.Session, granted time.Time) {
	ps.cur = s
	ps.renewAt = granted.Add(max(s.Expires.Sub(granted)*3/4, time.Minute))
}

// askSession asks a session for p, which keeps it when the portal grants one; why says why
// it granted none.
func (f *Fuzzer) askSession(ctx context.Context, p *party) (why string, err error) {
	body, err := sessionRequestBody(p.acct.Name)
	if err != nil {
		return "", err
	}
	now := time.Now()
	s, why, err := askSession(ctx, f.postOnce, p.acct.Device.DAK, f.domain, p.acct.Name, body)
	if err != nil || s == nil {
		return why, err
	}
	p.session = newPartySession(body, s, now)
	return "", nil
}

// askSessions asks a session for each party at setup and says in one line what came of it.
// Session modes are drawn only for a party that has one.
func (f *Fuzzer) askSessions(ctx context.Context, parties ...*party) error {
	var granted, refused []string
	var why string
	for _, p := range parties {
		w, err := f.askSession(ctx, p)
		if err != nil {
			return err
		}
		name := p.acct.Name
		if p.session == nil {
			refused = append(refused, name)
			if why == "" {
				why = w
			}
			continue
		}
		granted = append(granted, fmt.Sprintf("%s until %s", name, wire.FormatDateTime(p.session.cur.Expires)))
	}
	f.sessions = len(granted) > 0
	switch {
	case len(granted) == 0:
		fmt.Fprintf(f.cfg.Log, "sessions: the portal grants none (%s): session modes are never chosen\n", why)
	case len(refused) == 0:
		fmt.Fprintf(f.cfg.Log, "sessions: granted (%s): session modes on\n", strings.Join(granted, ", "))
	default:
		fmt.Fprintf(f.cfg.Log, "sessions: granted (%s), none for %s (%s): session modes for the parties with one\n",
			strings.Join(granted, ", "), strings.Join(refused, ", "), why)
	}
	return nil
}

// sessionOf returns p's session, renewed first when it is due; a failed renewal keeps the old
// one (said once), which then works until it expires.
func (f *Fuzzer) sessionOf(ctx context.Context, p *party) (*auth.Session, error) {
	ps := p.session
	if ps == nil {
		return nil, errNoSession
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if now := time.Now(); !now.Before(ps.renewAt) {
		s, why, err := askSession(ctx, f.postOnce, p.acct.Device.DAK, f.domain, p.acct.Name, ps.request)
		if err != nil {
			return nil, err
		}
		if s != nil {
			ps.set(s, now)
		} else {
			ps.renewAt = now.Add(time.Minute) // try again later, not at every request
			if !ps.failed {
				ps.failed = true
				fmt.Fprintf(f.cfg.Log, "sessions: renewing %s's failed (%s): its session is used until it expires\n", p.acct.Name, why)
			}
		}
	}
	return ps.cur, nil
}

// sessionRefused makes p's session due for renewal after the portal refused a valid request
// in it, and says so once per party.
func (f *Fuzzer) sessionRefused(p *party) {
	ps := p.session
	if ps == nil {
		return
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	ps.renewAt = time.Now()
	if !ps.refused {
		ps.refused = true
		fmt.Fprintf(f.cfg.Log, "sessions: the portal refused %s's session (restarted?): the request is signed again and the session renewed\n", p.acct.Name)
	}
}

// postOnce is post for askSession: one request, counted.
func (f *Fuzzer) postOnce(ctx context.Context, body []byte, hdr http.Header) (*target.Exchange, error) {
	return f.post(ctx, body, hdr, false)
}
