package live

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Finding classes. Each is a misbehaviour a conforming portal never shows.
const (
	ClassServerError     = "server-error"             // HTTP 5xx other than 501 and 503
	ClassDropped         = "connection-dropped"       // closed before a complete answer
	ClassHang            = "hang"                     // no answer within the timeout
	ClassMalformed       = "malformed-response"       // the answer is not JSON
	ClassUntagged        = "untagged-response"        // no response class tag (NOTE-RESPONSE-TAG)
	ClassMissingStatus   = "missing-status"           // no payload Status (NOTE-STATUS-CODES)
	ClassStatusMismatch  = "status-mismatch"          // HTTP status class differs from the payload's (draft 3.2)
	ClassBadSignature    = "accepted-bad-signature"   // a broken or missing signature accepted (draft 2.6)
	ClassUnauthenticated = "accepted-unauthenticated" // no Authorization, yet served (NOTE-AUTH)
	ClassBadAuth         = "accepted-bad-auth"        // a wrong Authorization signature accepted
	ClassStale           = "accepted-stale-time"      // an Authorization an hour old accepted
	ClassReplay          = "accepted-replay"          // the same Authorization accepted twice
	ClassBadSessionMAC   = "accepted-bad-session-mac" // a session MAC over another body accepted (NOTE-AUTH-SESSION)
	ClassWrongHost       = "accepted-wrong-host"      // a Host naming another portal accepted (draft 3.1)
	ClassNoTxServed      = "served-no-transaction"    // a body naming no transaction answered with success (NOTE-NO-TRANSACTION)
	ClassBodyLimit       = "no-body-limit"            // a body of several MiB accepted (NOTE-LIMITS)
	ClassWrongParty      = "wrong-party"              // data of another account returned
	ClassEnumeration     = "enumeration"              // a Get naming nothing returned entries (draft 2.6.1)
	ClassUnknownRefused  = "unknown-member-refused"   // a valid request with an unknown member refused (NOTE-UNKNOWN-MEMBERS)
	ClassValidRefused    = "valid-request-refused"    // an unmutated valid request refused
	ClassLatencyGrowth   = "latency-growth"           // answer time grew during the campaign
	ClassMemoryGrowth    = "memory-growth"            // the portal's memory grew during the campaign
)

// caseInfo is what the oracles need to know of a request: from a template when fuzzing, from
// a reproducer file when replaying.
type caseInfo struct {
	Template    string     `json:"template"`
	Tx          string     `json:"transaction"`
	Signed      [][]string `json:"signed,omitempty"`
	HasSigner   bool       `json:"authenticated,omitempty"`
	MustSucceed bool       `json:"mustSucceed,omitempty"`
	Other       string     `json:"otherAccount,omitempty"`
	Self        string     `json:"account,omitempty"`
	Mutations   []Mutation `json:"mutations"`
	Applied     []bool     `json:"applied,omitempty"`
}

// classes gives each finding class the requirement it enforces (spec/requirements.json) and
// that requirement's level: a SHOULD finding is a warning, never a failure on its own.
var classes = map[string]struct{ req, level string }{
	ClassServerError:     {"REQ-WIRE-LIMITS", "MUST"},
	ClassDropped:         {"REQ-WIRE-LIMITS", "MUST"},
	ClassHang:            {"REQ-WIRE-LIMITS", "MUST"},
	ClassMalformed:       {"REQ-WIRE-RESPONSE-TAG", "MUST"},
	ClassUntagged:        {"REQ-WIRE-RESPONSE-TAG", "MUST"},
	ClassMissingStatus:   {"REQ-WIRE-STATUS-PRESENT", "MUST"},
	ClassStatusMismatch:  {"REQ-HTTP-STATUS-MIRROR", "SHOULD"},
	ClassBadSignature:    {"CTL-MESSAGE-AUTHENTICATION", "MUST"},
	ClassUnauthenticated: {"REQ-AUTH-STATE-CHANGING", "MUST"},
	ClassBadAuth:         {"REQ-AUTH-REFUSE", "MUST"},
	ClassStale:           {"REQ-AUTH-REPLAY", "MUST"},
	ClassReplay:          {"REQ-AUTH-REPLAY", "MUST"},
	ClassBadSessionMAC:   {"REQ-AUTH-SESSION-MAC", "MUST"},
	// Draft 3.1's MUST binds the client that names the portal; refusing another portal's
	// name is the SHOULD the conformance check wire.host enforces.
	ClassWrongHost:      {"REQ-WIRE-HOST", "SHOULD"},
	ClassBodyLimit:      {"REQ-WIRE-LIMITS", "MUST"},
	ClassNoTxServed:     {"REQ-WIRE-LIMITS", "MUST"},
	ClassWrongParty:     {"REQ-AUTH-STATE-CHANGING", "MUST"},
	ClassEnumeration:    {"REQ-ENUMERATION-NO-WILDCARD", "MUST"},
	ClassUnknownRefused: {"REQ-WIRE-UNKNOWN-MEMBERS", "SHOULD"},
	ClassValidRefused:   {"REQ-WIRE-REQUEST-TAG", "MUST"},
	ClassLatencyGrowth:  {"REQ-WIRE-LIMITS", "MUST"},
	ClassMemoryGrowth:   {"REQ-WIRE-LIMITS", "MUST"},
}

// ClassLevel is the level (MUST or SHOULD) of a finding class's requirement.
func ClassLevel(class string) string { return classes[class].level }

// ClassRequirement is the requirement a finding class enforces by default (a finding may name
// a narrower one, such as the signature of the envelope that was broken).
func ClassRequirement(class string) string { return classes[class].req }

// Finding is one flagged answer: the requirement it breaks, and the mutations that took
// effect on the request, in the order they were applied.
type Finding struct {
	Class       string
	Requirement string
	Level       string
	Expected    string
	Observed    string
	Mutations   []Mutation
}

// observed is the gist of an exchange for the report.
type observed struct {
	HTTPStatus    int    `json:"httpStatus,omitempty"`
	PayloadStatus int32  `json:"payloadStatus,omitempty"`
	Problem       string `json:"problem,omitempty"`
	Duration      string `json:"duration"`
	Body          string `json:"body,omitempty"` // first 512 bytes
}

func observe(ex *target.Exchange) observed {
	o := observed{Problem: string(ex.Problem), Duration: ex.Duration.String(), PayloadStatus: -1}
	if ex.Response != nil {
		o.HTTPStatus = ex.Response.Status
		b := ex.Response.Body
		if len(b) > 512 {
			b = b[:512]
		}
		o.Body = string(b)
		if code, ok := responseStatus(ex.Response.Body); ok {
			o.PayloadStatus = code
		}
	}
	return o
}

func describe(ex *target.Exchange) string {
	o := observe(ex)
	if o.Problem != "" {
		return fmt.Sprintf("%s after %s", o.Problem, o.Duration)
	}
	return fmt.Sprintf("HTTP %d, payload Status %d", o.HTTPStatus, o.PayloadStatus)
}

// responseClass is the response class of a transaction.
func responseClass(tx string) string {
	if t, ok := mesh.LookupTransaction(tx); ok {
		return t.Response
	}
	return ""
}

// transactions are the protocol's transactions, read once: mesh.Transactions copies its
// table at every call, and the oracles look names up in it twice a request.
var transactions = mesh.Transactions()

func isResponseTag(s string) bool {
	for _, t := range transactions {
		if t.Response == s {
			return true
		}
	}
	return false
}

// responseStatus finds the payload of a response, tagged or not, and its Status.
func responseStatus(body []byte) (code int32, ok bool) {
	a := readAnswer(body)
	return a.status, a.hasStatus
}

// payloadStatus is the payload Status of an exchange: -1 when there is none.
func payloadStatus(ex *target.Exchange) int32 {
	if ex == nil || ex.Response == nil {
		return -1
	}
	if code, ok := responseStatus(ex.Response.Body); ok {
		return code
	}
	return -1
}

func hasPathPrefix(p, prefix []string) bool {
	if len(p) < len(prefix) {
		return false
	}
	for i := range prefix {
		if p[i] != prefix[i] {
			return false
		}
	}
	return true
}

// authRefusals says what an authentication mutation makes a request for a signer get refused
// as. A valid session request (OpSession) is judged like a signed one: no class.
var authRefusals = map[Op]struct{ class, why string }{
	OpNoAuth:        {ClassUnauthenticated, "a request without Authorization is refused (draft 7.1.1.2, NOTE-AUTH)"},
	OpStaleAuth:     {ClassStale, "an Authorization time an hour old is refused (NOTE-AUTH)"},
	OpBrokenAuth:    {ClassBadAuth, "an Authorization signature over another body is refused (NOTE-AUTH)"},
	OpReplay:        {ClassReplay, "the second use of an Authorization nonce is refused (NOTE-AUTH)"},
	OpSessionStale:  {ClassStale, "a session request dated an hour ago is refused (NOTE-AUTH-SESSION)"},
	OpSessionBadMAC: {ClassBadSessionMAC, "a session request whose MAC covers another body is refused (NOTE-AUTH-SESSION)"},
	OpSessionReplay: {ClassReplay, "the second use of a session request's nonce is refused (NOTE-AUTH-SESSION)"},
	OpSession:       {},
}

// authenticatedTransactions are the transactions NOTE-AUTH makes carry an Authorization:
// "Requests that change an account or reveal private state (DeleteAccount, Publish,
// ConnectPending, ConnectComplete, Transfer)".
var authenticatedTransactions = map[string]bool{
	"DeleteAccount": true, "Publish": true, "ConnectPending": true, "ConnectComplete": true, "Transfer": true,
}

// unimplementable are the transactions NOTE-UNIMPLEMENTED lets a portal leave out: "A portal
// without Status or Transfer answers Status 501 (or HTTP 404/501 on the whole request)".
var unimplementable = map[string]bool{"Status": true, "Transfer": true}

// form says whether a request body names a transaction (NOTE-NO-TRANSACTION).
type form int

const (
	// formNone: not a JSON text, not an object, no member, or a first member naming no
	// transaction. No response class exists: any 4xx answers it, with or without a payload.
	formNone form = iota
	// formNamed: a JSON object of one member that names a transaction (by its name or its
	// request class, NOTE-REQUEST-TAG).
	formNamed
	// formAmbiguous: a JSON object of several members, the first naming a transaction: which one
	// a portal reads is up to its decoder (RFC 8259 4), so neither its class nor its success is
	// judged.
	formAmbiguous
)

// sentRequest is what the oracles know of a request body as it was sent.
type sentRequest struct {
	form form
	tx   string // the transaction named (formNamed, formAmbiguous)
}

func analyse(body []byte) sentRequest {
	// White space after the value means nothing in JSON (RFC 8259 section 2): an oversized
	// body is mostly that, and streaming megabytes of it through a decoder was the largest
	// single cost of a campaign.
	body = trimTrailingSpace(body)
	// Only the top level matters: the body must be valid JSON (validJSON, json.Valid's verdict
	// without building a tree: a tree of every sent body was the fuzzer's largest cost after
	// that), then the first member's name and whether another follows. Once the body is valid,
	// those are found by skipping bytes (topLevel): a json.Decoder scanned the first member's
	// value twice more and copied it, the oracle's largest cost on bodies with huge strings.
	if !utf8.Valid(body) || !validJSON(body) {
		return sentRequest{}
	}
	name, more, ok := topLevel(body)
	if !ok {
		return sentRequest{}
	}
	for _, t := range transactions {
		if t.Name == name || t.Request == name {
			if more {
				return sentRequest{form: formAmbiguous, tx: t.Name}
			}
			return sentRequest{form: formNamed, tx: t.Name}
		}
	}
	return sentRequest{}
}

// appliedMutations are the mutations that took effect, in the order they were applied.
func (ci *caseInfo) appliedMutations() []Mutation {
	var out []Mutation
	for i, m := range ci.Mutations {
		if len(ci.Applied) <= i || ci.Applied[i] {
			out = append(out, m)
		}
	}
	return out
}

// mayExceedLimits: a mutation that took effect may have put the body past a parsing limit a
// portal is free to choose (NOTE-LIMITS sets none), and a portal refusing it at that limit
// may not have read as far as the transaction's name (NOTE-NO-TRANSACTION).
func (ci *caseInfo) mayExceedLimits() bool {
	for _, m := range ci.appliedMutations() {
		switch {
		case m.Op == OpDeep, m.Op == OpHugeString, m.Op == OpOversize:
			return true
		case (m.Op == OpBoundary || m.Op == OpRetype) && len(m.Arg) > 1024:
			return true
		}
	}
	return false
}

// mustRefuse says why the request sent must be refused, judging the request that was sent:
// the transaction its body names, the mutations that took effect (a signature mutation that
// found no envelope did not) and the authentication the last applied auth mutation chose.
func (ci *caseInfo) mustRefuse(rq sentRequest) (class, why, req string) {
	var authOp Op
	var sigs []Mutation
	wrongHost, oversize, intact := false, false, true
	for _, m := range ci.appliedMutations() {
		switch {
		case m.Op == OpWrongHost:
			wrongHost = true
		case m.Op == OpOversize:
			oversize = true
		case m.isAuth():
			authOp = m.Op
		case m.Op == OpBreakSig, m.Op == OpBreakPayload, m.Op == OpStripSig:
			sigs = append(sigs, m)
		case m.Op == OpUnknownMember:
			// Ignored by a conforming portal (NOTE-UNKNOWN-MEMBERS): the request is the same.
		default:
			intact = false // truncated, a member dropped, retyped, duplicated, renamed...
		}
	}
	switch {
	case wrongHost:
		return ClassWrongHost, "a Host naming another portal is refused (draft 3.1)", ""
	case oversize:
		return ClassBodyLimit, "a body of several MiB is refused with 413 (NOTE-LIMITS)", ""
	case rq.form == formNone:
		return ClassNoTxServed, "a body that names no transaction is refused with a 4xx (NOTE-NO-TRANSACTION)", ""
	case rq.form != formNamed:
		return "", "", ""
	}
	if authenticatedTransactions[rq.tx] {
		// Whatever else the body says, a request of these transactions is served only with a
		// valid Authorization (NOTE-AUTH: "Otherwise HTTP 401 and Status 401, never data").
		if !ci.HasSigner {
			return ClassUnauthenticated, rq.tx + " without Authorization is refused (draft 7.1.1.2, NOTE-AUTH)", ""
		}
		if r := authRefusals[authOp]; r.class != "" {
			return r.class, r.why, ""
		}
	}
	validAuth := authOp == "" || authOp == OpSession
	if rq.tx != ci.Tx || !intact || !validAuth {
		// Another transaction now, or a body changed beyond an unknown member: which rule the
		// portal applies first is its own, so the template's expectations no longer hold.
		return "", "", ""
	}
	for _, m := range sigs {
		for _, s := range ci.Signed {
			if hasPathPrefix(m.Path, s) {
				return ClassBadSignature, "a " + string(m.Op) + " of " + pathString(m.Path) + " is refused (draft 2.6, 3.15.1)",
					signatureRequirement(s)
			}
		}
	}
	if len(sigs) == 0 && ci.Other != "" && ci.Template == "connect-pending-other" {
		return ClassWrongParty, "a device of one account is refused another account's pending requests (NOTE-AUTH)", ""
	}
	return "", "", ""
}

// signatureRequirement is the requirement a signed envelope's signature answers to.
func signatureRequirement(path []string) string {
	switch path[len(path)-1] {
	case "Profile":
		return "REQ-PROFILE-MESH-SIGNED"
	case "Device":
		return "CTL-PROFILE-CATALOG-SIGNED"
	case "Entry":
		return "REQ-PUBLISH-SIGNED-ENTRY"
	case "SignedRequest":
		return "REQ-CONNECT-REQUEST-SIGNED"
	case "Result":
		return "REQ-CONNECT-RESULT-SIGNED"
	}
	return ""
}

// mustSucceed reports whether the request sent is the template's valid request, unchanged but
// for unknown members (some) or for authenticating by a session instead of a signature.
func (ci *caseInfo) mustSucceed(rq sentRequest) (must, some bool) {
	if !ci.MustSucceed || rq.form != formNamed || rq.tx != ci.Tx {
		return false, false
	}
	for _, m := range ci.appliedMutations() {
		switch m.Op {
		case OpSession:
		case OpUnknownMember:
			some = true
		default:
			return false, false
		}
	}
	return true, some
}

// judge applies every oracle to one exchange. The dedup rule: an exchange yields at most one
// finding per requirement (the first the oracles reach, from the transport to the envelope to
// the request's meaning), and a 5xx answer is one finding however its body looks, since the
// body of a failed request is not a response envelope to judge.
func judge(ci *caseInfo, body []byte, ex *target.Exchange) []Finding {
	var out []Finding
	applied := ci.appliedMutations()
	add := func(class, expected, observed, req string) {
		c := classes[class]
		if req == "" {
			req = c.req
		}
		for _, f := range out {
			if f.Class == class || f.Requirement == req {
				return
			}
		}
		out = append(out, Finding{Class: class, Requirement: req, Level: c.level, Expected: expected, Observed: observed,
			Mutations: applied})
	}
	switch ex.Problem {
	case target.ProblemTimeout:
		add(ClassHang, "an answer within the timeout (NOTE-LIMITS)", describe(ex), "")
		return out
	case target.ProblemDropped:
		add(ClassDropped, "an HTTP answer, an error status at worst", describe(ex), "")
		return out
	}
	if ex.Response == nil {
		return out
	}
	h := ex.Response.Status
	rq := analyse(body)
	if h >= 500 && h != 501 && h != 503 {
		add(ClassServerError, "a 4xx refusal of bad input, never a 5xx (NOTE-LIMITS)", describe(ex), "")
		return out
	}
	ans := readAnswer(ex.Response.Body)
	isObject, code, hasStatus := ans.object, ans.status, ans.hasStatus
	unimplemented := rq.form == formNamed && unimplementable[rq.tx] && (h == 501 || h == 404 || (hasStatus && code == 501))
	if unimplemented || h == 503 || (hasStatus && code == 503) {
		// Not implemented (NOTE-UNIMPLEMENTED) or overloaded (NOTE-STATUS-CODES): the request was
		// not served, and the answer may come from a layer that knows no Mesh envelope.
		return out
	}
	// The response class and a payload Status are owed to a request the portal could read
	// (NOTE-RESPONSE-TAG, NOTE-NO-TRANSACTION): one naming a transaction, not refused at a
	// parsing limit the portal chose.
	readable := rq.form == formNamed && !(h/100 == 4 && ci.mayExceedLimits())
	if readable {
		want := responseClass(rq.tx)
		switch {
		case !isObject:
			add(ClassMalformed, "a JSON response envelope tagged "+want+" (NOTE-RESPONSE-TAG)", describe(ex), "")
		case !ans.tagged:
			add(ClassUntagged, "a response tagged "+want+" (NOTE-RESPONSE-TAG)", describe(ex), "")
		}
		if isObject && !hasStatus {
			add(ClassMissingStatus, "a payload Status (NOTE-STATUS-CODES)", describe(ex), "")
		}
	}
	if !hasStatus {
		// The payload is authoritative (draft 3.2); without one, the HTTP status is all there is.
		code = int32(h)
	} else if code >= 100 && code <= 599 && int(code)/100 != h/100 {
		add(ClassStatusMismatch, "the HTTP status mirrors the payload Status class (draft 3.2)", describe(ex), "")
	}
	success := code/100 == 2
	if class, why, req := ci.mustRefuse(rq); class != "" && success {
		add(class, why, describe(ex), req)
	}
	if must, some := ci.mustSucceed(rq); must && !success {
		if some {
			add(ClassUnknownRefused, "unknown members ignored (NOTE-UNKNOWN-MEMBERS)", describe(ex), "")
		} else {
			add(ClassValidRefused, "the unmutated valid request succeeds", describe(ex), "")
		}
	}
	if success && rq.form == formNamed {
		for _, f := range wrongParty(ci, rq, body, ex) {
			add(f.Class, f.Expected, f.Observed, f.Requirement)
		}
	}
	return out
}

// wrongParty checks success answers for data the requester must not see. Only a Get and a
// Transfer answer with such data: the request is decoded for those alone (the decoder reads a
// body's one tag as analyse does, so rq.tx is the transaction it would decode).
func wrongParty(ci *caseInfo, rq sentRequest, body []byte, ex *target.Exchange) []Finding {
	if rq.tx != "Get" && rq.tx != "Transfer" {
		return nil
	}
	req, _, err := mesh.DecodeRequest(body, nil)
	if err != nil {
		return nil
	}
	resp, err := mesh.DecodeResponse(ex.Response.Body, req.Transaction(), nil)
	if err != nil {
		return nil
	}
	switch r := req.(type) {
	case *mesh.GetRequest:
		g, ok := resp.(*mesh.GetResponse)
		if ok && r.Account == "" && r.Identifier == "" && len(r.KeyValues) == 0 && len(g.Entries) > 0 {
			return []Finding{{Class: ClassEnumeration, Requirement: ClassRequirement(ClassEnumeration), Expected: "a Get naming nothing lists nothing (draft 2.6.1)",
				Observed: fmt.Sprintf("%d entries", len(g.Entries))}}
		}
	case *mesh.TransferRequest:
		t, ok := resp.(*mesh.TransferResponse)
		if !ok || ci.Self == "" {
			return nil
		}
		for _, it := range t.DataItems {
			rec := new(mesh.LogRecord)
			if mesh.UnmarshalInto(it.Payload, rec, nil) == nil && rec.Account != "" && !strings.EqualFold(rec.Account, ci.Self) {
				return []Finding{{Class: ClassWrongParty, Requirement: "REQ-TRANSFER-AUTHORIZED", Expected: "Transfer gives a device its own account's records only (draft 3.16)",
					Observed: "a record of " + rec.Account}}
			}
		}
	}
	return nil
}
