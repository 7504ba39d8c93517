package observe

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/spec"
)

// WellKnownPath is where every Mesh request goes (NOTE-HTTP-BINDING).
const WellKnownPath = "/.well-known/mmm/"

// Bounds on what a judge keeps, whatever the traffic: the session state (seen nonces,
// Authorization values, profiles, accounts) and the evidence of each rule.
const (
	maxState      = 1 << 16 // entries of each session map
	maxProfiles   = 4096    // profiles and connection requests, a few KiB each
	maxViolations = 20      // violations listed per rule
	maxEvidence   = 3       // exchanges recorded per rule
	maxAnswers    = 64      // decoded answers remembered (answerMemo)
	maxAnswerBody = 64 << 10
)

// stateChanging are the transactions NOTE-AUTH requires an Authorization for.
var stateChanging = map[string]bool{"DeleteAccount": true, "Publish": true, "ConnectPending": true, "ConnectComplete": true, "Transfer": true}

// Observation is one broken rule on one exchange.
type Observation struct {
	Rule        string `json:"rule"`
	Side        Side   `json:"side"`
	Exchange    int    `json:"exchange"`
	Requirement string `json:"requirement"`
	Level       string `json:"level"`
	Text        string `json:"text"` // the requirement's quoted text
	Message     string `json:"message"`
	Expected    string `json:"expected,omitempty"`
	Observed    string `json:"observed,omitempty"`
}

// Config sets up a judge.
type Config struct {
	// Host is the portal's DNS name: what Host must name and what signatures cover. Empty: the
	// Host of each request is taken as it comes (then RuleHost judges nothing).
	Host string
	// Base prefixes request paths in recorded exchanges (the portal's scheme and authority).
	Base string
	// Path is where requests must go: WellKnownPath unless the portal is mounted elsewhere.
	Path string
	// Redactor removes secrets from recorded evidence; nil redacts credential headers only.
	Redactor *result.Redactor
}

// Judge judges the exchanges of one session. It is safe for concurrent use; exchanges are
// judged in the order Observe is called.
type Judge struct {
	cfg Config
	sp  *spec.Spec

	mu       sync.Mutex
	tally    map[string]*tally
	exchange int
	full     bool // a session map reached maxState: later state is not tracked

	sentAuth     map[string]int // Authorization value digest -> first exchange that sent it
	acceptedAuth map[string]int // ... that was answered 2xx
	sentNonce    map[string]int // (key, nonce) digest -> first exchange
	acceptedPair map[string]int
	pairAt       map[string]time.Time // when each accepted (key, nonce) pair was first accepted
	clientNonces map[string]int
	serverNonces map[string]int
	profiles     map[string]*client.VerifiedProfile // account -> its verified profile
	invalid      map[string]int                     // account -> exchange that said Valid false
	created      map[string]int                     // account -> exchange whose Create was answered 2xx
	starts       map[string]*start                  // device UDF -> its pending connection request
	verified     map[string]verdict                 // profile verifications, by envelope and account
	devices      map[string]map[string]bool         // account created in the traffic -> its devices' AuthUDFs
	clientBits   bits                               // every client nonce's bits, pooled
	serverBits   bits                               // every ServerNonce's bits, pooled
	answers      map[string]*answer                 // answer body -> its decoding (answerMemo)
}

// answer is a response body decoded as the answer to one transaction, and, for a Get, what
// RuleServedProfile reads of its entries. Both are functions of the body's bytes alone: a portal
// answers the same Get with the same bytes until the profile changes, and decoding the entries,
// opening them and keying the verification cache is most of what judging such a Get costs.
type answer struct {
	tx      string
	resp    mesh.MeshResponse
	err     error
	served  []servedProfile // Get only; nil until first judged
	decided bool            // served is set
}

// servedProfile is one ProfileMesh entry of a GetResponse and its verification.
type servedProfile struct {
	index   int
	account string
	p       *client.VerifiedProfile
	err     error
}

// bits pools the bits of a session's nonces, for the balance judged at the end (draft 7.1.3,
// as client.nonce.fresh judges it).
type bits struct{ ones, total int64 }

func (b *bits) add(n []byte) {
	for _, c := range n {
		for ; c != 0; c &= c - 1 {
			b.ones++
		}
	}
	b.total += int64(8 * len(n))
}

// Balance bounds: at least minBalanceBits pooled, the ones between 38% and 62% of them. A
// working generator leaves that band with a probability far below 10^-13 at 1024 bits.
const minBalanceBits = 1024

func (b bits) judged() bool { return b.total >= minBalanceBits }
func (b bits) balanced() bool {
	return b.ones*100 >= 38*b.total && b.ones*100 <= 62*b.total
}

// verdict is a cached profile verification: a profile is fetched far more often than it changes,
// and its three Ed448 verifications are most of what judging a Get costs.
type verdict struct {
	p   *client.VerifiedProfile
	err error
}

type start struct {
	account     string
	messageID   string
	clientNonce []byte
	dskAlg      keys.Algorithm
	dsk         []byte
	completed   bool   // a ConnectComplete for the device was answered 2xx since
	result      string // digest of the payload of the result posted
}

type tally struct {
	judged     int
	broken     int
	violations []Observation
	evidence   []result.Exchange
	lastSeq    int
}

// New returns a judge for one session.
func New(cfg Config) (*Judge, error) {
	sp, err := spec.Load()
	if err != nil {
		return nil, fmt.Errorf("observe: loading the requirement catalog: %w", err)
	}
	if cfg.Redactor == nil {
		cfg.Redactor = result.NewRedactor()
	}
	if cfg.Path == "" {
		cfg.Path = WellKnownPath
	}
	return &Judge{cfg: cfg, sp: sp, tally: map[string]*tally{},
		sentAuth: map[string]int{}, acceptedAuth: map[string]int{}, sentNonce: map[string]int{}, acceptedPair: map[string]int{}, pairAt: map[string]time.Time{},
		clientNonces: map[string]int{}, serverNonces: map[string]int{}, profiles: map[string]*client.VerifiedProfile{},
		invalid: map[string]int{}, created: map[string]int{}, starts: map[string]*start{}, verified: map[string]verdict{}, devices: map[string]map[string]bool{},
		answers: map[string]*answer{}}, nil
}

// Exchanges is the number of exchanges judged so far.
func (j *Judge) Exchanges() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.exchange
}

// view is one exchange as the rules see it: decoded once.
type view struct {
	ex      *Exchange
	seq     int
	tx      string           // the transaction the request names, "" when none
	req     mesh.MeshRequest // nil when the request does not decode
	reqErr  error
	resp    mesh.MeshResponse // nil when the answer does not decode as the transaction's class
	respErr error
	answer  *answer // the remembered decoding of the answer, nil when not remembered
	status  int32   // payload Status, 0 when none could be read
	hasSt   bool
	auth    *AuthSummary
	header  *auth.Header // the parsed Authorization: Mesh, nil otherwise
	sigOK   bool         // header verified
	sigErr  error
	ok2xx   bool // the answer says success (payload Status 2xx, or HTTP 2xx without one)
}

// Observe judges one exchange and returns the rules it broke.
func (j *Judge) Observe(ex *Exchange) []Observation {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.exchange++
	if ex.Seq == 0 {
		ex.Seq = j.exchange
	}
	v := j.decode(ex)
	var out []Observation
	judge := func(rule string, broken bool, msg, expected string, observed any) {
		t := j.tallyOf(rule)
		t.judged++
		if !broken {
			return
		}
		r := ruleByID(rule)
		o := Observation{Rule: rule, Side: r.Side, Exchange: v.seq, Requirement: r.Requirement, Level: j.level(r),
			Message: msg, Expected: expected, Observed: fmt.Sprint(observed)}
		if req, ok := j.sp.Requirement(r.Requirement); ok {
			o.Text = req.Text
		}
		t.broken++
		if len(t.violations) < maxViolations {
			t.violations = append(t.violations, o)
		}
		if len(t.evidence) < maxEvidence && t.lastSeq != v.seq {
			// Recorded now, redacted and bounded: the judge keeps no body past its exchange.
			t.evidence = append(t.evidence, ex.Record(j.cfg.Redactor, j.cfg.Base))
			t.lastSeq = v.seq
		}
		out = append(out, o)
	}
	j.clientRules(v, judge)
	j.portalRules(v, judge)
	j.sessionRules(v, judge)
	return out
}

// judgeFunc records one judgement; observed is rendered (fmt.Sprint) only when the rule is
// broken, so that a body's redacted excerpt is made only for the record.
type judgeFunc func(rule string, broken bool, msg, expected string, observed any)

func (j *Judge) tallyOf(rule string) *tally {
	t := j.tally[rule]
	if t == nil {
		t = &tally{}
		j.tally[rule] = t
	}
	return t
}

func (j *Judge) level(r *Rule) string {
	if r.Level != "" {
		return r.Level
	}
	if req, ok := j.sp.Requirement(r.Requirement); ok {
		return req.Level
	}
	return "MUST"
}

// portalHost is the name the request must carry and its signature covers.
func (j *Judge) portalHost(ex *Exchange) string {
	if j.cfg.Host != "" {
		return j.cfg.Host
	}
	return hostname(ex.Request.Host)
}

func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

func (j *Judge) decode(ex *Exchange) *view {
	v := &view{ex: ex, seq: ex.Seq}
	if !ex.Request.Truncated {
		v.req, _, v.reqErr = mesh.DecodeRequest(ex.Request.Body, nil)
		if v.req != nil {
			v.tx = v.req.Transaction()
		}
	} else {
		v.reqErr = fmt.Errorf("body of %d bytes, over the %d the recorder keeps", ex.Request.Size, len(ex.Request.Body))
	}
	if ex.Response != nil {
		if v.tx != "" && !ex.Response.Truncated {
			v.answer = j.answerMemo(v.tx, ex.Response.Body)
			if v.answer != nil {
				v.resp, v.respErr = v.answer.resp, v.answer.err
			} else {
				v.resp, v.respErr = mesh.DecodeResponse(ex.Response.Body, v.tx, nil)
			}
		}
		if v.resp != nil {
			v.status, v.hasSt = v.resp.StatusCode()
		} else {
			// Not a MeshResponse of the transaction: its Status, if any, read on its own.
			v.status, v.hasSt = payloadStatus(ex.Response.Body)
		}
		switch {
		case v.hasSt:
			v.ok2xx = v.status >= 200 && v.status < 300
		default:
			v.ok2xx = ex.Response.Status >= 200 && ex.Response.Status < 300 && v.resp != nil
		}
	}
	hv := ex.Request.Header.Get("Authorization")
	v.auth = Summarize(hv)
	if v.auth == nil {
		v.auth = ex.Auth // a redacted capture keeps the summary only
	}
	if hv != "" && !result.RedactedCredentials(hv) && !auth.IsSession(hv) {
		if h, err := auth.Parse(hv); err == nil {
			v.header = h
			v.sigErr = h.Verify(j.portalHost(ex), ex.Request.Body)
			if v.sigErr != nil && j.cfg.Host != "" && hostname(ex.Request.Host) != j.cfg.Host {
				if h.Verify(hostname(ex.Request.Host), ex.Request.Body) == nil {
					v.sigErr = nil
				}
			}
			v.sigOK = v.sigErr == nil && !ex.Request.Truncated
		} else {
			v.sigErr = errors.New(malformed(err))
		}
	}
	return v
}

// answerMemo returns the decoding of body as the answer to tx, remembered by the body's exact
// bytes (a map keyed by them: no digest to collide); nil for a body too large to remember, or
// when the judge remembers none (answers is nil). The decoded value is shared between
// exchanges: rules only read it.
func (j *Judge) answerMemo(tx string, body []byte) *answer {
	if j.answers == nil || len(body) > maxAnswerBody {
		return nil
	}
	if a, ok := j.answers[string(body)]; ok && a.tx == tx {
		return a
	}
	a := &answer{tx: tx}
	a.resp, a.err = mesh.DecodeResponse(body, tx, nil)
	if len(j.answers) >= maxAnswers {
		clear(j.answers) // a cache: forgetting costs only time
	}
	j.answers[string(body)] = a
	return a
}

// servedProfiles returns the ProfileMesh entries of a GetResponse with their verifications,
// remembered with the answer when it is.
func (j *Judge) servedProfiles(v *view, gr *mesh.GetResponse) []servedProfile {
	if v.answer != nil && v.answer.decided {
		return v.answer.served
	}
	var out []servedProfile
	for i := range gr.Entries {
		env := &gr.Entries[i]
		in, err := auth.Open(env)
		if err != nil {
			continue
		}
		if pm, ok := in.(*mesh.ProfileMesh); ok {
			p, err := j.verifyProfile(env, "")
			out = append(out, servedProfile{index: i, account: pm.Account, p: p, err: err})
		}
	}
	if v.answer != nil {
		v.answer.served, v.answer.decided = out, true
	}
	return out
}

// payloadStatus reads the Status of a tagged or untagged MeshResponse without judging the rest.
func payloadStatus(body []byte) (int32, bool) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return 0, false
	}
	read := func(m map[string]json.RawMessage) (int32, bool) {
		var st int32
		if raw, ok := m["Status"]; ok && json.Unmarshal(raw, &st) == nil {
			return st, true
		}
		return 0, false
	}
	if st, ok := read(top); ok {
		return st, true
	}
	if len(top) == 1 {
		for _, raw := range top {
			var inner map[string]json.RawMessage
			if json.Unmarshal(raw, &inner) == nil {
				return read(inner)
			}
		}
	}
	return 0, false
}

func (j *Judge) clientRules(v *view, judge judgeFunc) {
	ex := v.ex
	rq := ex.Request
	mt, _, _ := mime.ParseMediaType(rq.Header.Get("Content-Type"))
	judge(RuleEndpoint, rq.Method != http.MethodPost || pathOf(rq.URL) != j.cfg.Path || mt != "application/json",
		"the request is not POST "+j.cfg.Path+" with Content-Type application/json",
		"POST "+j.cfg.Path+", application/json", fmt.Sprintf("%s %s, Content-Type %q", rq.Method, rq.URL, rq.Header.Get("Content-Type")))
	if j.cfg.Host != "" {
		got := hostname(rq.Host)
		judge(RuleHost, !strings.EqualFold(got, j.cfg.Host), "the Host header does not name the portal", j.cfg.Host, rq.Host)
	}
	switch {
	case v.req == nil && rq.Truncated:
		// Only a prefix was kept: the request is judged by what the portal answered to it.
	case v.req == nil:
		judge(RuleRequestTag, true, fmt.Sprintf("the request names no transaction: %v", v.reqErr), "{\"<TransactionName>\": {...}}", snippet(rq.Body))
	default:
		_, form, err := mesh.DecodeRequest(rq.Body, &mesh.DecodeOptions{Strict: true, Limits: wire.DefaultLimits})
		switch {
		case err != nil:
			judge(RuleRequestTag, true, fmt.Sprintf("%s does not decode strictly: %v", v.tx, err), "only members the schema defines", snippet(rq.Body))
		case form == mesh.ClassTag:
			judge(RuleRequestTag, true, v.tx+" is tagged with its message class (the 2016 form), not the transaction name", "{\""+v.tx+"\": ...}", snippet(rq.Body))
		default:
			judge(RuleRequestTag, false, "", "", "")
		}
	}
	if v.tx == "" {
		return
	}
	if stateChanging[v.tx] {
		judge(RuleAuthPresent, v.auth == nil && rq.Header.Get("Authorization") == "", v.tx+" carries no Authorization",
			"Authorization: Mesh ... or Mesh-Session ...", "none")
	}
	if v.header != nil || (v.sigErr != nil && v.auth != nil && v.auth.Scheme == auth.Scheme) {
		judge(RuleAuthSignature, !v.sigOK, fmt.Sprintf("the Authorization of %s does not verify: %v", v.tx, v.sigErr),
			"a signature over "+j.portalHost(ex)+" and the body", fmt.Sprint(v.sigErr))
	}
	if v.auth != nil && v.auth.Time != "" {
		t, err := wire.ParseDateTime(v.auth.Time)
		d := ex.Start.Sub(t)
		stale := err != nil || d > auth.MaxSkew || d < -auth.MaxSkew
		judge(RuleAuthTime, stale, fmt.Sprintf("the Authorization time is %s from the exchange", d.Round(time.Second)),
			fmt.Sprintf("within %s of %s", auth.MaxSkew, ex.Start.UTC().Format(time.RFC3339)), v.auth.Time)
	}
	if v.auth != nil && v.auth.Nonce != "" {
		first, seen := j.sentNonce[v.auth.Nonce]
		var nb []byte
		if v.header != nil {
			nb = nonceBytes(v.header.Nonce)
		}
		short := v.header != nil && len(nb) != auth.NonceSize
		judge(RuleClientNonce, seen || short || patterned(nb), "an Authorization nonce is reused, short or patterned",
			"a fresh 16-byte nonce per request", nonceNote(seen, first, short))
		j.remember(j.sentNonce, v.auth.Nonce, v.seq)
		j.clientBits.add(nb)
	}
	if v.auth != nil {
		j.remember(j.sentAuth, v.auth.Value, v.seq)
	}
	switch r := v.req.(type) {
	case *mesh.CreateRequest:
		_, err := j.verifyProfile(r.Profile, r.Account)
		judge(RuleCreateProfile, err != nil, fmt.Sprintf("the profile of CreateAccount %s does not verify: %v", r.Account, err),
			"a ProfileMesh signed by an OnlineSignatureKey of its self-signed master, naming "+r.Account, fmt.Sprint(err))
	case *mesh.ConnectStartRequest:
		st, err := j.checkConnectRequest(r)
		judge(RuleConnectRequest, err != nil, fmt.Sprintf("the ConnectStart request does not verify: %v", err),
			"a MessageConnectionRequest signed by the DeviceSignatureKey of its self-signed device profile", fmt.Sprint(err))
		if st != nil {
			key := string(st.clientNonce)
			first, seen := j.clientNonces[key]
			judge(RuleClientNonce, seen || len(st.clientNonce) != 16 || patterned(st.clientNonce), "a ClientNonce is reused, not 128 bits or patterned",
				"a fresh 16-byte ClientNonce", nonceNote(seen, first, len(st.clientNonce) != 16))
			j.remember(j.clientNonces, key, v.seq)
			j.clientBits.add(st.clientNonce)
		}
	case *mesh.ConnectCompleteRequest:
		if p := j.profiles[j.qualify(r.AccountID)]; p != nil && r.Result != nil {
			_, err := auth.VerifyByAny(r.Result, p.Master.OnlineSignatureKeys)
			judge(RuleCompleteSigned, err != nil, fmt.Sprintf("the result posted for %s is not signed by an administration key: %v", r.AccountID, err),
				"a signature by an OnlineSignatureKey of "+r.AccountID, fmt.Sprint(err))
		}
	case *mesh.PublishRequest:
		err := j.checkEntry(r.Entry)
		judge(RulePublishSigned, err != nil, fmt.Sprintf("the published entry is not a signed envelope: %v", err), "a signed entry", fmt.Sprint(err))
	}
}

// patterned reports a nonce that holds one byte value six times in a row: a random 128-bit nonce
// does so with a probability below 2^-36, a counter or a fixed filler (draft 7.1.3) always.
// The judgement is deterministic: it never depends on how many nonces the session showed.
func patterned(n []byte) bool {
	run := 1
	for i := 1; i < len(n); i++ {
		if n[i] == n[i-1] {
			run++
			if run >= 6 {
				return true
			}
		} else {
			run = 1
		}
	}
	return false
}

func nonceNote(seen bool, first int, short bool) string {
	switch {
	case seen:
		return fmt.Sprintf("first sent in exchange %d", first)
	case short:
		return "not 16 bytes"
	}
	return "fresh"
}

func nonceBytes(s string) []byte {
	b, err := wire.DecodeBase64(s)
	if err != nil {
		return nil
	}
	return b
}

func pathOf(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// snippet is a body as an observation shows it: its first 200 bytes, secret members redacted
// (on the whole body, which the redactor must parse), made only when printed.
type snippet []byte

func (b snippet) String() string {
	r := result.NewRedactor().Body(b)
	if len(r) > 200 {
		return string(r[:200]) + "..."
	}
	return string(r)
}

// remember records key in m unless the session state is full.
func (j *Judge) remember(m map[string]int, key string, seq int) {
	if _, ok := m[key]; ok {
		return
	}
	if len(m) >= maxState {
		j.full = true
		return
	}
	m[key] = seq
}

// checkEntry verifies a published entry: signed, and when it is a profile, by its own keys.
func (j *Judge) checkEntry(env *mesh.DareMessage) error {
	if env == nil {
		return errors.New("no Entry")
	}
	if !auth.Signed(env) {
		return auth.ErrUnsigned
	}
	inner, err := auth.Open(env)
	if err != nil {
		return nil // an encrypted or opaque payload: signed, its signer unknown here
	}
	if _, ok := inner.(*mesh.ProfileMesh); ok {
		_, err := j.verifyProfile(env, "")
		return err
	}
	return nil
}

// checkConnectRequest verifies a ConnectStart's signed request and returns what the witness needs.
func (j *Judge) checkConnectRequest(r *mesh.ConnectStartRequest) (*start, error) {
	if r.SignedRequest == nil {
		return nil, errors.New("no SignedRequest")
	}
	in, err := auth.Open(r.SignedRequest)
	if err != nil {
		return nil, err
	}
	mcr, ok := in.(*mesh.MessageConnectionRequest)
	if !ok {
		return nil, fmt.Errorf("the payload is a %s", in.MeshType())
	}
	if mcr.DeviceProfile == nil {
		return nil, errors.New("no DeviceProfile")
	}
	dv, err := auth.Open(mcr.DeviceProfile)
	if err != nil {
		return nil, fmt.Errorf("device profile: %w", err)
	}
	pd, ok := dv.(*mesh.ProfileDevice)
	if !ok {
		return nil, fmt.Errorf("the device profile is a %s", dv.MeshType())
	}
	alg, dsk, err := keys.FromMeshPublicKey(pd.DeviceSignatureKey)
	if err != nil {
		return nil, err
	}
	st := &start{account: j.qualify(r.AccountID), messageID: mcr.MessageID, clientNonce: mcr.ClientNonce, dskAlg: alg, dsk: dsk}
	if err := auth.VerifyBy(mcr.DeviceProfile, alg, dsk); err != nil {
		return st, fmt.Errorf("device profile: %w", err)
	}
	if err := auth.VerifyBy(r.SignedRequest, alg, dsk); err != nil {
		return st, fmt.Errorf("request: %w", err)
	}
	return st, nil
}

func (j *Judge) portalRules(v *view, judge judgeFunc) {
	ex := v.ex
	resp := ex.Response
	if resp == nil {
		judge(RuleServerError, true, "no answer: "+ex.Error, "an answer", ex.Error)
		return
	}
	judge(RuleServerError, resp.Status >= 500 && resp.Status != 501 && resp.Status != 503,
		fmt.Sprintf("HTTP %d", resp.Status), "no 5xx but 501 and 503", fmt.Sprintf("HTTP %d", resp.Status))
	if v.resp != nil || v.hasSt {
		// Only an answer that is a MeshResponse is held to the binding: a refusal outside the
		// protocol (an unimplemented transaction's HTTP 404, NOTE-UNIMPLEMENTED; a limit's 4xx,
		// NOTE-NO-TRANSACTION) may come without one.
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		cc := strings.ToLower(resp.Header.Get("Cache-Control"))
		judge(RuleContentType, mt != "application/json" || !strings.Contains(cc, "no-store"),
			"the answer is not application/json with Cache-Control no-store", "application/json, no-store",
			fmt.Sprintf("Content-Type %q, Cache-Control %q", resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control")))
	}
	if v.tx == "" {
		overLimit := ex.Request.Truncated && ex.Request.Size > int64(wire.DefaultLimits.MaxBytes)
		if v.req == nil && (!ex.Request.Truncated || overLimit) {
			code := resp.Status
			judge(RuleNoTransaction, code < 400 || code > 499, "a body naming no transaction was not refused with a 4xx",
				"HTTP 4xx", fmt.Sprintf("HTTP %d", code))
		}
		return
	}
	unimpl := (v.tx == "Status" || v.tx == "Transfer") && (resp.Status == 501 || (v.hasSt && v.status == 501) || (!v.hasSt && resp.Status == 404))
	if unimpl || resp.Truncated {
		return
	}
	class := ""
	if t, ok := mesh.LookupTransaction(v.tx); ok {
		class = t.Response
	}
	if resp.Status >= 400 && v.resp == nil {
		// A refusal at the HTTP layer (a limit, an authentication) may carry an untagged
		// MeshResponse (NOTE-NO-TRANSACTION); only the Status rules apply to it.
		if !v.hasSt {
			judge(RuleResponseTag, true, fmt.Sprintf("%s refused with HTTP %d and no MeshResponse", v.tx, resp.Status), class, snippet(resp.Body))
		}
	} else {
		judge(RuleResponseTag, v.resp == nil, fmt.Sprintf("the answer to %s is not a %s: %v", v.tx, class, v.respErr), class, snippet(resp.Body))
	}
	connectish := v.tx == "Hello" || strings.HasPrefix(v.tx, "Connect")
	rule := RuleStatusPresent
	if connectish {
		rule = RuleStatusConnect
	}
	if v.resp != nil || v.hasSt {
		judge(rule, !v.hasSt, "the answer to "+v.tx+" carries no payload Status", "an Integer Status", snippet(resp.Body))
	}
	if v.hasSt {
		got, p := resp.Status, int(v.status)
		judge(RuleStatusMirror, got/100 != p/100 || (p >= 400 && got != p), "the HTTP status does not mirror the payload Status",
			fmt.Sprintf("HTTP %d", p), fmt.Sprintf("HTTP %d", got))
	}
}

// sessionRules are the rules that need more than one exchange, and what they learn.
func (j *Judge) sessionRules(v *view, judge judgeFunc) {
	ex := v.ex
	if v.tx == "" || ex.Response == nil {
		return
	}
	// Authentication and replays.
	if stateChanging[v.tx] {
		unauth := v.auth == nil && ex.Request.Header.Get("Authorization") == ""
		bad := unauth || (v.auth != nil && v.auth.Malformed != "") || (v.header != nil && !v.sigOK)
		if bad {
			judge(RuleAuthRefused, v.ok2xx, v.tx+" without valid authentication was accepted", "HTTP 401, Status 401",
				fmt.Sprintf("HTTP %d, Status %d", ex.Response.Status, v.status))
		}
	}
	if stateChanging[v.tx] && v.ok2xx && v.auth != nil && v.auth.Scheme == auth.Scheme && v.auth.Malformed == "" {
		j.judgeDevice(v, judge)
	}
	if v.hasSt && v.status == 401 {
		judge(RuleAuthRefused, ex.Response.Status != 401, "a refusal with Status 401 is not HTTP 401", "HTTP 401", fmt.Sprintf("HTTP %d", ex.Response.Status))
	}
	if v.auth != nil && v.auth.Malformed == "" {
		replay, how := false, ""
		if first, ok := j.acceptedAuth[v.auth.Value]; ok && v.ok2xx {
			replay, how = true, fmt.Sprintf("the same Authorization was accepted in exchange %d", first)
		} else if first, ok := j.acceptedPair[v.auth.Nonce]; ok && v.ok2xx && v.auth.Nonce != "" && inWindow(ex.Start, j.pairAt[v.auth.Nonce]) {
			replay, how = true, fmt.Sprintf("the same key and nonce were accepted in exchange %d", first)
		}
		if t, err := wire.ParseDateTime(v.auth.Time); err == nil && v.ok2xx && !replay {
			if d := ex.Start.Sub(t); d > auth.MaxSkew || d < -auth.MaxSkew {
				replay, how = true, fmt.Sprintf("a time %s from the exchange was accepted", d.Round(time.Second))
			}
		}
		judge(RuleReplayRefused, replay, v.tx+": "+how, "HTTP 401, Status 401", fmt.Sprintf("HTTP %d, Status %d", ex.Response.Status, v.status))
		if v.ok2xx {
			j.remember(j.acceptedAuth, v.auth.Value, v.seq)
			if _, seen := j.acceptedPair[v.auth.Nonce]; v.auth.Nonce != "" && (!seen || !inWindow(ex.Start, j.pairAt[v.auth.Nonce])) {
				delete(j.acceptedPair, v.auth.Nonce)
				j.remember(j.acceptedPair, v.auth.Nonce, v.seq)
				if _, ok := j.acceptedPair[v.auth.Nonce]; ok {
					j.pairAt[v.auth.Nonce] = ex.Start
				}
			}
		}
	}
	if g := ex.Response.Header.Get(auth.GrantHeader); g != "" {
		offered := v.header != nil && v.header.Offer != "" && v.sigOK
		if v.auth != nil && v.auth.Offer && v.header == nil {
			offered = true // a redacted capture: the offer was there, its signature cannot be re-checked
		}
		judge(RuleSessionGrant, !offered, "a session was granted to a request without a signed offer", "a grant only to a verified offer", "granted")
	}

	switch r := v.req.(type) {
	case *mesh.ValidateRequest:
		if vr, ok := v.resp.(*mesh.ValidateResponse); ok && vr.Valid != nil && !*vr.Valid && v.ok2xx {
			j.remember(j.invalid, j.qualify(r.Account), v.seq)
		} else if ok && vr.Valid != nil && *vr.Valid {
			delete(j.invalid, j.qualify(r.Account))
		}
	case *mesh.CreateRequest:
		if _, err := j.verifyProfile(r.Profile, r.Account); err != nil {
			judge(RuleForgedProfile, v.ok2xx, fmt.Sprintf("CreateAccount %s was accepted with a profile that does not verify: %v", r.Account, err),
				"Create refused", fmt.Sprintf("Status %d", v.status))
		}
		acct := j.qualify(r.Account)
		if first, ok := j.invalid[acct]; ok {
			judge(RuleValidateCreate, v.ok2xx, fmt.Sprintf("%s was created although ValidateAccount said it is not Valid (exchange %d)", r.Account, first),
				"Create refused", fmt.Sprintf("Status %d", v.status))
		}
		if first, ok := j.created[acct]; ok {
			judge(RuleCreateOnce, v.status != 409, fmt.Sprintf("%s, created in exchange %d, was not refused 409", r.Account, first),
				"Status 409", fmt.Sprintf("Status %d", v.status))
		}
		if v.ok2xx {
			if len(j.devices) < maxProfiles {
				j.devices[j.qualify(r.Account)] = map[string]bool{}
				j.addDevice(r.Account, r.Device)
			} else {
				j.full = true
			}
			j.remember(j.created, acct, v.seq)
			if p, err := j.verifyProfile(r.Profile, r.Account); err == nil {
				j.learn(acct, p)
			}
		}
	case *mesh.DeleteRequest:
		if v.ok2xx {
			delete(j.created, j.qualify(r.Account))
			delete(j.devices, j.qualify(r.Account))
		}
	case *mesh.PublishRequest:
		if err := j.checkEntry(r.Entry); err != nil {
			judge(RuleForgedEntry, v.ok2xx, fmt.Sprintf("Publish was accepted with an entry that is not signed as it must be: %v", err),
				"Publish refused", fmt.Sprintf("Status %d", v.status))
		}
		if v.ok2xx && r.Entry != nil {
			if in, err := auth.Open(r.Entry); err == nil {
				if e, ok := in.(*mesh.CatalogEntryDevice); ok {
					j.addDevice(e.Account, r.Entry)
				}
			}
		}
	case *mesh.GetRequest:
		if gr, ok := v.resp.(*mesh.GetResponse); ok {
			for _, sp := range j.servedProfiles(v, gr) {
				judge(RuleServedProfile, sp.err != nil, fmt.Sprintf("entry %d, a ProfileMesh, does not verify: %v", sp.index, sp.err),
					"a ProfileMesh signed by an OnlineSignatureKey of its master", fmt.Sprint(sp.err))
				if sp.err == nil && sp.account != "" {
					j.learn(j.qualify(sp.account), sp.p)
				}
			}
		}
	case *mesh.ConnectStartRequest:
		st, err := j.checkConnectRequest(r)
		if err != nil {
			judge(RuleForgedRequest, v.ok2xx, fmt.Sprintf("ConnectStart was accepted with a request that does not verify: %v", err),
				"ConnectStart refused", fmt.Sprintf("Status %d", v.status))
		}
		cr, _ := v.resp.(*mesh.ConnectStartResponse)
		if err != nil || cr == nil || !v.ok2xx {
			return
		}
		if cr.Challenge != nil {
			j.judgeChallenge(v, judge, st, cr.Challenge)
		}
		if len(j.starts) < maxProfiles {
			j.starts[keys.Fingerprint(st.dskAlg, st.dsk)] = st
		} else {
			j.full = true
		}
	case *mesh.ConnectPendingRequest:
		pr, ok := v.resp.(*mesh.ConnectPendingResponse)
		if !ok {
			return
		}
		for _, ch := range pr.Challenges {
			for _, st := range j.starts {
				if st.messageID == ch.MessageID && ch.MessageID != "" {
					j.judgeWitness(v, judge, st, &ch)
				}
			}
		}
	case *mesh.ConnectCompleteRequest:
		if p := j.profiles[j.qualify(r.AccountID)]; p != nil && r.Result != nil {
			if _, err := auth.VerifyByAny(r.Result, p.Master.OnlineSignatureKeys); err != nil {
				judge(RuleForgedResult, v.ok2xx, fmt.Sprintf("ConnectComplete for %s was accepted with a result no administration key signed: %v", r.AccountID, err),
					"ConnectComplete refused", fmt.Sprintf("Status %d", v.status))
			}
		}
		if !v.ok2xx || r.Result == nil {
			return
		}
		j.addDevice(r.AccountID, r.Result)
		if in, err := auth.Open(r.Result); err == nil {
			dev := resultDevice(in, j.starts)
			if st := j.starts[dev]; st != nil {
				st.completed, st.result = true, digest(r.Result.Payload)
			}
		}
	case *mesh.ConnectStatusRequest:
		sr, ok := v.resp.(*mesh.ConnectStatusResponse)
		if !ok || sr.Result == nil || !v.ok2xx {
			return
		}
		if p := j.profiles[j.qualify(r.AccountID)]; p != nil {
			_, err := auth.VerifyByAny(sr.Result, p.Master.OnlineSignatureKeys)
			judge(RuleResultSigned, err != nil, fmt.Sprintf("the result for device %s is not signed by an administration key: %v", r.DeviceID, err),
				"a signature by an OnlineSignatureKey of "+r.AccountID, fmt.Sprint(err))
		}
		for udfKey, st := range j.starts {
			if udf.Compare(udfKey, r.DeviceID) && st.account == j.qualify(r.AccountID) {
				judge(RuleConnectFlow, !st.completed || st.result != digest(sr.Result.Payload),
					"ConnectStatus returned a result no administration device posted for this device",
					"the result of an accepted ConnectComplete", resultNote(st.completed))
			}
		}
	}
}

// target is the account a request acts on, when it names one.
func target(req mesh.MeshRequest) string {
	switch r := req.(type) {
	case *mesh.DeleteRequest:
		return r.Account
	case *mesh.ConnectPendingRequest:
		return r.AccountID
	case *mesh.ConnectCompleteRequest:
		return r.AccountID
	}
	return ""
}

// judgeDevice judges an accepted signed request: its Authorization names the account it acts
// on, and its key is a device of that account when the traffic showed all of them.
func (j *Judge) judgeDevice(v *view, judge judgeFunc) {
	hacct := j.qualify(v.auth.Account)
	acct := hacct
	if t := target(v.req); t != "" {
		acct = j.qualify(t)
	}
	if acct != hacct {
		judge(RuleAuthDevice, true, fmt.Sprintf("%s for %s accepted under an Authorization for %s", v.tx, acct, hacct),
			"HTTP 401, Status 401", fmt.Sprintf("Status %d", v.status))
		return
	}
	devs, ok := j.devices[acct]
	if !ok {
		return // the account predates the traffic: its devices are not all known
	}
	known := false
	for d := range devs {
		known = known || udf.Compare(d, v.auth.Key)
	}
	judge(RuleAuthDevice, !known, fmt.Sprintf("%s for %s accepted under key %s, no device of the account", v.tx, acct, v.auth.Key),
		"HTTP 401, Status 401", fmt.Sprintf("Status %d", v.status))
}

// qualify is an account name as NOTE-ACCOUNT-NAMES compares it: lower case, a bare local part
// in the portal's domain.
func (j *Judge) qualify(a string) string {
	a = strings.ToLower(a)
	if !strings.Contains(a, "@") && j.cfg.Host != "" {
		a += "@" + strings.ToLower(j.cfg.Host)
	}
	return a
}

// addDevice records the AuthUDF of a device entry accepted for an account created in the traffic.
func (j *Judge) addDevice(acct string, env *mesh.DareMessage) {
	devs, ok := j.devices[j.qualify(acct)]
	if !ok || env == nil {
		return
	}
	in, err := auth.Open(env)
	if err != nil {
		return
	}
	if e, ok := in.(*mesh.CatalogEntryDevice); ok && e.AuthUDF != "" && len(devs) < maxProfiles {
		devs[e.AuthUDF] = true
	}
}

// inWindow: NOTE-AUTH asks a portal to remember a (key, nonce) pair for the accepted window
// only; a pair accepted again after it is a client's reuse, not a portal's replay.
func inWindow(now, first time.Time) bool {
	d := now.Sub(first)
	return d <= auth.MaxSkew && d >= -auth.MaxSkew
}

func resultNote(completed bool) string {
	if completed {
		return "another result than the one posted"
	}
	return "a result before any ConnectComplete for the device"
}

// resultDevice names the device a posted result is about: the UDF of a connection request seen
// (a CatalogEntryDevice names it; a refusal names the request's MessageID).
func resultDevice(in mesh.Structure, starts map[string]*start) string {
	switch e := in.(type) {
	case *mesh.CatalogEntryDevice:
		for k := range starts {
			if udf.Compare(k, e.UDF) {
				return k
			}
		}
	case *mesh.MessageConfirmationResponse:
		for k, st := range starts {
			if st.messageID == e.ResponseID {
				return k
			}
		}
	}
	return ""
}

// verifyProfile is client.VerifyProfile, remembered by the envelope's exact bytes.
func (j *Judge) verifyProfile(env *mesh.DareMessage, account string) (*client.VerifiedProfile, error) {
	if env == nil {
		return client.VerifyProfile(env, account)
	}
	raw, err := mesh.MarshalBare(env)
	if err != nil {
		return client.VerifyProfile(env, account)
	}
	key := digest(raw, []byte(account))
	if v, ok := j.verified[key]; ok {
		return v.p, v.err
	}
	p, err := client.VerifyProfile(env, account)
	if len(j.verified) >= maxProfiles {
		clear(j.verified) // a cache: forgetting costs only time
	}
	j.verified[key] = verdict{p, err}
	return p, err
}

func (j *Judge) learn(acct string, p *client.VerifiedProfile) {
	if _, ok := j.profiles[acct]; !ok && len(j.profiles) >= maxProfiles {
		j.full = true
		return
	}
	j.profiles[acct] = p
}

func (j *Judge) judgeChallenge(v *view, judge judgeFunc, st *start, ch *mesh.ConnectionChallenge) {
	key := string(ch.ServerNonce)
	first, seen := j.serverNonces[key]
	short := len(ch.ServerNonce) != 16
	judge(RuleServerNonce, seen || short || patterned(ch.ServerNonce), "a ServerNonce is reused, not 128 bits or patterned", "a fresh 16-byte random ServerNonce",
		nonceNote(seen, first, short)+fmt.Sprintf(" (%x)", ch.ServerNonce))
	j.remember(j.serverNonces, key, v.seq)
	j.serverBits.add(ch.ServerNonce)
	j.judgeWitness(v, judge, st, ch)
}

func (j *Judge) judgeWitness(v *view, judge judgeFunc, st *start, ch *mesh.ConnectionChallenge) {
	p := j.profiles[st.account]
	if p == nil {
		return // the account's master key never crossed this session
	}
	want, err := client.Witness(p.MSKAlg, p.MSK, st.dskAlg, st.dsk, ch.ServerNonce, st.clientNonce)
	if err != nil {
		return
	}
	judge(RuleWitness, !udf.Compare(want, ch.Witness) || len(ch.Witness) < len(want),
		"the challenge's witness is not the one the nonces and keys give", want, ch.Witness)
}

// Results renders what the judge saw as one check result per rule, in Rules order.
func (j *Judge) Results() []result.CheckResult {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]result.CheckResult, 0, len(Rules))
	for i := range Rules {
		r := &Rules[i]
		cr := result.CheckResult{ID: r.ID, Title: r.Title, Doc: "Side at fault: " + string(r.Side) + ". " + r.Doc,
			Category: "deviation", Level: j.level(r)}
		if req, ok := j.sp.Requirement(r.Requirement); ok {
			cr.Requirement = &result.Requirement{ID: req.ID, Section: req.Section, Level: req.Level, Kind: req.Kind, Text: req.Text, Notes: req.Notes}
			cr.Section = req.Section
		}
		t := j.withBalance(r.ID)
		switch {
		case t == nil || t.judged == 0:
			cr.Outcome, cr.Reason = result.Skip, "no exchange in the traffic was subject to this rule"
		case t.broken == 0:
			cr.Outcome, cr.Reason = result.Pass, fmt.Sprintf("%d judgements on the traffic, none broken", t.judged)
		default:
			cr.Outcome = outcomeOf(cr.Level)
			first := t.violations[0]
			cr.Reason = fmt.Sprintf("the %s is at fault in %d of %d judgements", r.Side, t.broken, t.judged)
			red := j.cfg.Redactor
			cr.Finding = &result.Finding{Message: red.String(fmt.Sprintf("%s (exchange %d)", first.Message, first.Exchange)),
				Expected: jsonString(red.String(first.Expected)), Observed: jsonString(red.String(first.Observed))}
			for k, e := range t.evidence {
				cr.Exchanges = append(cr.Exchanges, e)
				cr.Finding.Exchanges = append(cr.Finding.Exchanges, k)
			}
			for _, o := range t.violations {
				cr.Notes = append(cr.Notes, fmt.Sprintf("exchange %d (%s at fault): %s; expected %s, observed %s", o.Exchange, o.Side,
					j.cfg.Redactor.String(o.Message), o.Expected, j.cfg.Redactor.String(o.Observed)))
			}
			if t.broken > len(t.violations) {
				cr.Notes = append(cr.Notes, fmt.Sprintf("... and %d more", t.broken-len(t.violations)))
			}
		}
		out = append(out, cr)
	}
	if j.full {
		out[0].Notes = append(out[0].Notes, fmt.Sprintf("the session state reached its bound (%d entries of one kind): later replays and nonces were not all tracked", maxState))
	}
	return out
}

// withBalance is the rule's tally with the session's nonce balance judged once more, for the two
// nonce rules, when enough bits were pooled. It is a copy: Results may be called again.
func (j *Judge) withBalance(rule string) *tally {
	t := j.tally[rule]
	var b bits
	switch rule {
	case RuleClientNonce:
		b = j.clientBits
	case RuleServerNonce:
		b = j.serverBits
	default:
		return t
	}
	if !b.judged() {
		return t
	}
	c := tally{}
	if t != nil {
		c = *t
		c.violations = append([]Observation(nil), t.violations...)
	}
	c.judged++
	if !b.balanced() {
		r := ruleByID(rule)
		o := Observation{Rule: rule, Side: r.Side, Requirement: r.Requirement, Level: j.level(r),
			Message:  fmt.Sprintf("the session's nonces are biased: %d ones in %d bits", b.ones, b.total),
			Expected: "between 38% and 62% ones", Observed: fmt.Sprintf("%.1f%%", 100*float64(b.ones)/float64(b.total))}
		c.broken++
		c.violations = append([]Observation{o}, c.violations...)
	}
	return &c
}

func outcomeOf(level string) result.Outcome {
	switch level {
	case "MUST":
		return result.Fail
	case "SHOULD":
		return result.Warn
	}
	return result.Info
}

func jsonString(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	b, _ := json.Marshal(s)
	return b
}
