package live

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

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

// Finding is one flagged answer.
type Finding struct {
	Class    string
	Expected string
	Observed string
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
		if _, code, ok := responseStatus(ex.Response.Body); ok {
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

var firstTag = regexp.MustCompile(`^\s*\{\s*"([A-Za-z]{1,64})"`)

// expectedResponseTag is the response class a request body asks for, when its first member
// names a transaction (by name or by request class).
func expectedResponseTag(body []byte) string {
	m := firstTag.FindSubmatch(body[:min(len(body), 256)])
	if m == nil {
		return ""
	}
	for _, t := range mesh.Transactions() {
		if t.Name == string(m[1]) || t.Request == string(m[1]) {
			return t.Response
		}
	}
	return ""
}

func isResponseTag(s string) bool {
	for _, t := range mesh.Transactions() {
		if t.Response == s {
			return true
		}
	}
	return false
}

// responseStatus finds the payload of a response, tagged or not, and its Status.
func responseStatus(body []byte) (inner *node, code int32, ok bool) {
	tree, err := parseTree(body)
	if err != nil || tree.Kind != kObject {
		return nil, 0, false
	}
	inner = tree
	if len(tree.Members) == 1 && isResponseTag(tree.Members[0].Name) {
		inner = tree.Members[0].Value
	}
	_, st, _, found := inner.Lookup([]string{"Status"})
	if !found || st.Kind != kNumber {
		return inner, 0, false
	}
	n, err := strconv.ParseInt(st.Text, 10, 32)
	if err != nil {
		return inner, 0, false
	}
	return inner, int32(n), true
}

// payloadStatus is the payload Status of an exchange: -1 when there is none.
func payloadStatus(ex *target.Exchange) int32 {
	if ex == nil || ex.Response == nil {
		return -1
	}
	if _, code, ok := responseStatus(ex.Response.Body); ok {
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

// mustRefuse says why a request must be refused, from the mutations that took effect.
func (ci *caseInfo) mustRefuse() (class, why string) {
	treeMutated, retagged := false, false
	for i, m := range ci.Mutations {
		if (len(ci.Applied) <= i || ci.Applied[i]) && len(m.Path) == 1 && (m.Op == OpRenameTag || m.Op == OpUntag) {
			// Another transaction now, or none: the template's expectations no longer hold.
			retagged = true
		}
	}
	for i, m := range ci.Mutations {
		if len(ci.Applied) > i && !ci.Applied[i] {
			continue
		}
		if retagged && m.Op != OpWrongHost && m.Op != OpOversize {
			continue
		}
		if r, ok := authRefusals[m.Op]; ok {
			// Only a request made for a signer is authenticated at all; the tree is intact.
			if r.class != "" && ci.HasSigner {
				return r.class, r.why
			}
			continue
		}
		switch m.Op {
		case OpBreakSig, OpBreakPayload, OpStripSig:
			for _, s := range ci.Signed {
				if hasPathPrefix(m.Path, s) {
					return ClassBadSignature, "a " + string(m.Op) + " of " + pathString(m.Path) + " is refused (draft 2.6, 3.15.1)"
				}
			}
		case OpWrongHost:
			return ClassWrongHost, "a Host naming another portal is refused (draft 3.1)"
		case OpOversize:
			return ClassBodyLimit, "a body of several MiB is refused with 413 (NOTE-LIMITS)"
		case OpTruncate, OpUnknownMember:
			treeMutated = treeMutated || m.Op == OpTruncate
		default:
			treeMutated = true
		}
	}
	if ci.Other != "" && ci.Template == "connect-pending-other" && !treeMutated && !retagged {
		return ClassWrongParty, "a device of one account is refused another account's pending requests (NOTE-AUTH)"
	}
	return "", ""
}

// onlyUnknownMembers reports whether every mutation that took effect added an unknown member
// (authenticating by a session instead of a signature changes nothing the request must get).
func (ci *caseInfo) onlyUnknownMembers() (only, any bool) {
	for i, m := range ci.Mutations {
		if (len(ci.Applied) > i && !ci.Applied[i]) || m.Op == OpSession {
			continue
		}
		if m.Op != OpUnknownMember {
			return false, false
		}
		any = true
	}
	return true, any
}

// judge applies every oracle to one exchange.
func judge(ci *caseInfo, body []byte, ex *target.Exchange) []Finding {
	var out []Finding
	add := func(class, expected, observed string) {
		out = append(out, Finding{Class: class, Expected: expected, Observed: observed})
	}
	switch ex.Problem {
	case target.ProblemTimeout:
		add(ClassHang, "an answer within the timeout (NOTE-LIMITS)", describe(ex))
		return out
	case target.ProblemDropped:
		add(ClassDropped, "an HTTP answer, an error status at worst", describe(ex))
		return out
	}
	if ex.Response == nil {
		return out
	}
	h := ex.Response.Status
	if h >= 500 && h != 501 && h != 503 {
		add(ClassServerError, "a 4xx refusal of bad input, never a 5xx (NOTE-LIMITS)", describe(ex))
	}
	tree, err := parseTree(ex.Response.Body)
	if err != nil || tree.Kind != kObject {
		add(ClassMalformed, "a JSON response envelope", describe(ex))
		return out
	}
	want := expectedResponseTag(body)
	tagged := len(tree.Members) == 1 && isResponseTag(tree.Members[0].Name)
	if want != "" && !tagged {
		add(ClassUntagged, "a response tagged "+want+" (NOTE-RESPONSE-TAG)", describe(ex))
	}
	_, code, ok := responseStatus(ex.Response.Body)
	if !ok {
		add(ClassMissingStatus, "a payload Status (NOTE-STATUS-CODES)", describe(ex))
		code = 201
		if h/100 != 2 {
			code = int32(h)
		}
	} else if code >= 100 && code <= 599 && int(code)/100 != h/100 {
		add(ClassStatusMismatch, "the HTTP status mirrors the payload Status class (draft 3.2)", describe(ex))
	}
	success := code/100 == 2 && h/100 == 2
	if class, why := ci.mustRefuse(); class != "" && success {
		add(class, why, describe(ex))
	}
	if only, some := ci.onlyUnknownMembers(); ci.MustSucceed && only && !success {
		if some {
			add(ClassUnknownRefused, "unknown members ignored (NOTE-UNKNOWN-MEMBERS)", describe(ex))
		} else {
			add(ClassValidRefused, "the unmutated valid request succeeds", describe(ex))
		}
	}
	if success {
		out = append(out, wrongParty(ci, body, ex)...)
	}
	return out
}

// wrongParty checks success answers for data the requester must not see.
func wrongParty(ci *caseInfo, body []byte, ex *target.Exchange) []Finding {
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
			return []Finding{{Class: ClassEnumeration, Expected: "a Get naming nothing lists nothing (draft 2.6.1)",
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
				return []Finding{{Class: ClassWrongParty, Expected: "Transfer gives a device its own account's records only (draft 3.16)",
					Observed: "a record of " + rec.Account}}
			}
		}
	}
	return nil
}
