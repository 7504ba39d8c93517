package live

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// Format identifies a reproducer file.
const Format = "meshconform-live-reproducer/1"

// ErrReproducer reports a file that is not a usable reproducer.
var ErrReproducer = errors.New("not a live-fuzzer reproducer")

// ErrNoSession reports a session-mode reproducer replayed at a portal that granted no session.
var ErrNoSession = errors.New("the portal granted no session")

// AuthMaterial is what re-signing an authenticated request needs: a reproducer replays with a
// fresh time and nonce, since the portal remembers the old nonce (NOTE-AUTH).
type AuthMaterial struct {
	Account string `json:"account"`
	Alg     string `json:"alg"`
	// Seed is the DeviceAuthenticationKey's private seed (a throw-away key of the campaign).
	Seed string `json:"seed"`
	// Mode is sign, stale, broken or replay (a signed request), or session, session-stale,
	// session-broken or session-replay (NOTE-AUTH-SESSION), or none.
	Mode string `json:"mode"`
	// SessionRequest is, in a session mode, the body Replay signs with a session offer to get
	// a session of its own at the portal it replays to (a session is good only at the portal
	// that granted it), after the setup and before the request.
	SessionRequest string `json:"sessionRequest,omitempty"`
}

// Reproducer is a saved, minimised finding.
type Reproducer struct {
	Format string `json:"format"`
	Class  string `json:"class"`
	// Requirement and Level are those of the finding (empty in files saved before they were
	// recorded: ClassRequirement and ClassLevel then give the class's own).
	Requirement string   `json:"requirement,omitempty"`
	Level       string   `json:"level,omitempty"`
	Expected    string   `json:"expected"`
	Observed    observed `json:"observed"`
	Seed        int64    `json:"seed"`
	// Shard is "I/N" for a finding of shard I of an N-shard campaign (empty unsharded).
	Shard      string            `json:"shard,omitempty"`
	Portal     string            `json:"portal"`
	Domain     string            `json:"domain"`
	Case       caseInfo          `json:"case"`
	Body       string            `json:"body,omitempty"`       // the request body, when valid UTF-8
	BodyBase64 string            `json:"bodyBase64,omitempty"` // otherwise
	Headers    map[string]string `json:"headers,omitempty"`    // as sent, Authorization aside
	Auth       *AuthMaterial     `json:"auth,omitempty"`
	// Setup are unauthenticated requests sent first on replay (CreateAccount, ConnectStart),
	// so that the accounts the request names exist on a fresh portal.
	Setup []string `json:"setup,omitempty"`
}

func (f *Fuzzer) reproducer(res *result, class string) *Reproducer {
	rep := &Reproducer{Format: Format, Class: class, Observed: observe(res.ex), Seed: f.cfg.Seed,
		Portal: f.cfg.PortalURL, Domain: f.domain, Case: res.ci}
	if f.cfg.Shards > 1 {
		rep.Shard = fmt.Sprintf("%d/%d", f.cfg.Shard, f.cfg.Shards)
	}
	for _, fd := range res.findings {
		if fd.Class == class {
			rep.Expected, rep.Requirement, rep.Level = fd.Expected, fd.Requirement, fd.Level
		}
	}
	rep.setBody(res.body)
	for k, v := range res.hdr {
		if !strings.EqualFold(k, "Authorization") && len(v) > 0 {
			if rep.Headers == nil {
				rep.Headers = map[string]string{}
			}
			rep.Headers[k] = v[0]
		}
	}
	if p := res.base.Signer; p != nil {
		k := p.acct.Device.DAK
		rep.Auth = &AuthMaterial{Account: p.acct.Name, Alg: k.Algorithm().String(), Seed: wire.EncodeBase64(k.Seed()),
			Mode: string(res.mode)}
		if res.mode == authNone {
			rep.Auth.Mode = "none"
		}
		if res.mode.session() && p.session != nil {
			rep.Auth.SessionRequest = string(p.session.request)
		}
	}
	for _, s := range res.base.Setup {
		rep.Setup = append(rep.Setup, string(s))
	}
	return rep
}

func (r *Reproducer) setBody(b []byte) {
	if json.Valid(b) || (strings.ToValidUTF8(string(b), "") == string(b) && len(b) < 1<<20) {
		r.Body = string(b)
		return
	}
	r.BodyBase64 = wire.EncodeBase64(b)
}

// RequestBody returns the saved request bytes.
func (r *Reproducer) RequestBody() ([]byte, error) {
	if r.BodyBase64 != "" {
		b, err := wire.DecodeBase64(r.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("live: %w: bodyBase64: %w", ErrReproducer, err)
		}
		return b, nil
	}
	return []byte(r.Body), nil
}

// Save writes the reproducer into dir, named by class and content hash.
func (r *Reproducer) Save(dir string) (string, error) {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("live: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("live: %w", err)
	}
	h := sha256.Sum256(data)
	path := filepath.Join(dir, r.Class+"-"+hex.EncodeToString(h[:6])+".json")
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("live: %w", err)
	}
	return path, nil
}

// Load reads a reproducer file.
func Load(path string) (*Reproducer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	var r Reproducer
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("live: %w: %w", ErrReproducer, err)
	}
	if r.Format != Format {
		return nil, fmt.Errorf("live: %w: format %q", ErrReproducer, r.Format)
	}
	if r.Class == "" {
		return nil, fmt.Errorf("live: %w: no class", ErrReproducer)
	}
	return &r, nil
}

// IsReproducer reports whether path is a live-fuzzer reproducer file (so that `meshconform
// replay` can tell it from a check ID).
func IsReproducer(path string) bool {
	if !strings.HasSuffix(path, ".json") {
		return false
	}
	_, err := Load(path)
	return err == nil
}

// Outcome is what a replay shows.
type Outcome int

const (
	// Fixed: the portal answered the request as the documents require.
	Fixed Outcome = iota
	// StillFailing: the finding's class showed again.
	StillFailing
	// NotReproducible: the state the finding needs could not be rebuilt at this portal (an
	// account of the setup could not be created and does not exist, a pending connection
	// could not be made again, no session was granted), so the answer says nothing of the
	// finding; the report says why.
	NotReproducible
)

func (o Outcome) String() string {
	switch o {
	case Fixed:
		return "fixed"
	case StillFailing:
		return "still failing"
	default:
		return "not reproducible here"
	}
}

// notReproducible is why a replay could not rebuild a reproducer's state.
type notReproducible struct{ why string }

func (e *notReproducible) Error() string { return e.why }

// Replay re-sends a reproducer to tg: its setup requests, then the request, re-signed with a
// fresh time and nonce under domain (default: the one recorded); a session-mode reproducer
// first asks tg for a session (Auth.SessionRequest, signed with an offer) and sends the
// request in it. The setup must rebuild the state the finding needs: each account it creates
// is created or already exists, each pending connection is made; otherwise, like a session
// mode at a portal that grants none, the outcome is NotReproducible and the request is not
// sent. report says what was seen, or why it could not be reproduced.
func Replay(ctx context.Context, path string, tg *target.HTTP, domain string) (Outcome, string, error) {
	r, err := Load(path)
	if err != nil {
		return 0, "", err
	}
	if tg == nil {
		return 0, "", fmt.Errorf("live: %w: no target", ErrConfig)
	}
	if domain == "" {
		domain = r.Domain
	}
	body, err := r.RequestBody()
	if err != nil {
		return 0, "", err
	}
	muts := strings.Join(mutationStrings(r.Case.appliedMutations()), ", ")
	notHere := func(why string) (Outcome, string, error) {
		return NotReproducible, fmt.Sprintf("%s: %s (%s): %s; replay it against a portal with a fresh store", NotReproducible,
			r.Class, muts, why), nil
	}
	if err := rebuild(ctx, tg, r.Setup); err != nil {
		var nr *notReproducible
		if errors.As(err, &nr) {
			return notHere(nr.why)
		}
		return 0, "", err
	}
	hdr := http.Header{}
	for k, v := range r.Headers {
		hdr.Set(k, v)
	}
	twice := false
	if a := r.Auth; a != nil && a.Mode != "none" {
		alg, err := keys.ParseAlgorithm(a.Alg)
		if err != nil {
			return 0, "", fmt.Errorf("live: %w: %w", ErrReproducer, err)
		}
		seed, err := wire.DecodeBase64(a.Seed)
		if err != nil {
			return 0, "", fmt.Errorf("live: %w: auth seed: %w", ErrReproducer, err)
		}
		k, err := keys.FromSeed(alg, seed)
		if err != nil {
			return 0, "", fmt.Errorf("live: %w: %w", ErrReproducer, err)
		}
		mode := authMode(a.Mode)
		var sess *auth.Session
		if mode.session() {
			// A session is good only at the portal that granted it: ask this one for one.
			req := []byte(a.SessionRequest)
			if len(req) == 0 {
				if req, err = sessionRequestBody(a.Account); err != nil {
					return 0, "", err
				}
			}
			s, why, err := askSession(ctx, tg.Post, k, domain, a.Account, req)
			if err != nil {
				return 0, "", fmt.Errorf("live: asking for a session: %w", err)
			}
			if s == nil {
				return notHere(fmt.Sprintf("%v (%s): a %s reproducer needs one", ErrNoSession, why, mode))
			}
			sess = s
		}
		hv, err := authHeader(mode, k, sess, domain, a.Account, body, time.Now())
		if err != nil {
			return 0, "", err
		}
		hdr.Set("Authorization", hv)
		twice = mode.twice()
	}
	ex, err := tg.Post(ctx, body, hdr)
	if err == nil && twice {
		ex, err = tg.Post(ctx, body, hdr)
	}
	if err != nil {
		return 0, "", fmt.Errorf("live: %w", err)
	}
	outcome := Fixed
	if hasClass(judge(&r.Case, body, ex), r.Class) {
		outcome = StillFailing
	}
	req, level := r.Requirement, r.Level
	if req == "" {
		req, level = ClassRequirement(r.Class), ClassLevel(r.Class)
	}
	return outcome, fmt.Sprintf("%s: %s (%s %s) (%s): expected %s; observed %s", outcome, r.Class, req, level, muts,
		r.Expected, describe(ex)), nil
}

// rebuild sends a reproducer's setup requests and checks that they made the state the request
// needs: a CreateAccount succeeds or its account exists already (an earlier replay made it), and
// any other setup request (a ConnectStart) succeeds. A *notReproducible error says what failed.
func rebuild(ctx context.Context, tg *target.HTTP, setup []string) error {
	for _, s := range setup {
		ex, err := tg.Post(ctx, []byte(s), nil)
		if err != nil {
			return fmt.Errorf("live: setup: %w", err)
		}
		if effectiveStatus(ex)/100 == 2 {
			continue
		}
		req, _, err := mesh.DecodeRequest([]byte(s), nil)
		if err != nil {
			return fmt.Errorf("live: %w: setup request: %w", ErrReproducer, err)
		}
		c, ok := req.(*mesh.CreateRequest)
		if !ok {
			return &notReproducible{fmt.Sprintf("the setup's %s was refused (%s), so the state the finding needs is not there",
				req.Transaction(), describe(ex))}
		}
		get, err := encode(&mesh.GetRequest{Account: c.Account})
		if err != nil {
			return err
		}
		gex, err := tg.Post(ctx, get, nil)
		if err != nil {
			return fmt.Errorf("live: setup: %w", err)
		}
		if effectiveStatus(gex)/100 != 2 {
			return &notReproducible{fmt.Sprintf("the setup's account %s could not be created (%s) and does not exist (Get: %s): "+
				"it was deleted, and a deleted name is not given out again", c.Account, describe(ex), describe(gex))}
		}
	}
	return nil
}

func mutationStrings(ms []Mutation) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.String())
	}
	if len(out) == 0 {
		out = append(out, "no mutation")
	}
	return out
}
