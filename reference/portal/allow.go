package portal

import (
	"errors"
	"fmt"
	"strings"

	"github.com/meshconform/meshconform/reference/knobs"
)

// Allow holds the portal's allowances: the mirror image of Bugs. Each is a behaviour the
// documents (the draft, WIRE.md, notes.json) permit but the reference does not happen to
// produce, with the document text that permits it in its doc. Turned on, none may make a
// conformance check fail: that is how we know each check accepts every answer the documents
// allow. The zero value is the reference's own behaviour.
//
// Tags: `allow` is the --allow name; `should` lists the requirement IDs of the SHOULDs the
// allowance departs from (their checks must warn, and nothing else may); `group` names
// alternatives that cannot be on together (the first of each group joins the combined run);
// `omits` says the allowance leaves out an optional feature, whose checks then report
// unimplemented.
type Allow struct {
	HTTP200                 bool `allow:"http-200" group:"http-status" should:"REQ-HTTP-STATUS-MIRROR" doc:"HTTP 200 for every answer but the 401 of a refused authentication. Draft 3.2: \"the response SHOULD report the Status response code in the HTTP response message. However the response code returned in the payload object MUST always be considered authoritative.\" Only NOTE-AUTH and NOTE-AUTH-SESSION name an HTTP code (\"Otherwise HTTP 401 and Status 401\")."`
	HTTPExact               bool `allow:"http-exact" group:"http-status" doc:"the HTTP status is the payload Status itself, 201 included (the reference says 200 for 201). Draft 3.2: \"the response SHOULD report the Status response code in the HTTP response message\"."`
	Refuse400               bool `allow:"refuse-400" group:"refusal-code" doc:"a well-formed request refused for its content gets 400 where the reference says 409 (a repeated CreateAccount keeps 409). NOTE-STATUS-CODES: \"409 already exists or refused\" and \"400 for a malformed request\"; NOTE-REFUSAL-CODES: either code for a refusal of content."`
	Refuse409               bool `allow:"refuse-409" group:"refusal-code" doc:"a well-formed request refused for its content gets 409 where the reference says 400 (a Get naming nothing, a missing field, a PageKey not issued, another portal's Host or Portal). NOTE-STATUS-CODES: \"409 already exists or refused\"; NOTE-REFUSAL-CODES: either code for a refusal of content."`
	ValidateChecksExistence bool `allow:"validate-checks-existence" doc:"ValidateAccount says Valid false (\"the name is taken\") for an existing account; the reference checks syntax only. Draft 3.6.2: \"If false, the account identifier is rejected\"; \"receiving a 'Valid' response to a Validate Request does not guarantee creation of the account\"."`
	EmptyWindow404          bool `allow:"empty-window-404" doc:"a Get whose SearchConstraints exclude every entry answers 404 instead of 201 with no entries. Draft 3.9.2: \"If a Mesh entry matching the specified profile is found, contains the list of entries\"; NOTE-EMPTY-RESULT: 2xx with no entries or 404."`
	Unimplemented501        bool `allow:"unimplemented-501" group:"unimplemented" omits:"Status,Transfer" doc:"Status and Transfer answer Status 501. Draft 3.11 and 3.16: \"[Not currently implemented]\"; NOTE-UNIMPLEMENTED: \"A portal without Status or Transfer answers Status 501 (or HTTP 404/501 on the whole request)\"."`
	UnimplementedHTTP404    bool `allow:"unimplemented-http-404" group:"unimplemented" omits:"Status,Transfer" doc:"Status and Transfer answer HTTP 404 with a plain-text body, no MeshResponse. NOTE-UNIMPLEMENTED: \"(or HTTP 404/501 on the whole request)\"."`
	Chunked                 bool `allow:"chunked" doc:"every answer is sent with Transfer-Encoding: chunked, no Content-Length. NOTE-HTTP-BINDING fixes only \"POST to /.well-known/mmm/ ..., Content-Type: application/json, Cache-Control: no-store\" and the Host; HTTP/1.1 framing is the transport's."`
	ConnectionClose         bool `allow:"connection-close" doc:"every answer carries Connection: close. Draft 3: transactions \"do not cause changes to the connection state\"; NOTE-HTTP-BINDING says nothing of persistent connections."`
	ReverseMembers          bool `allow:"reverse-members" doc:"every second answer lists the members of each of its JSON objects in reverse order, so that a request repeated gets both orders. WIRE.md 1 says how fields are named, never in which order they come; JSON objects are unordered (draft 3.3: the protocol \"makes use of JSON objects\")."`
	UnknownMembers          bool `allow:"unknown-members" doc:"every response object carries a member the schema does not define. NOTE-UNKNOWN-MEMBERS: ignoring unknown members \"is the usual JSON practice\" and the project's decoder \"ignores them by default\"; NOTE-RESPONSE-EXTENSIONS."`
	EscapeStrings           bool `allow:"escape-strings" doc:"every character of every JSON string but ASCII letters and digits is written as a \\uXXXX escape (non-ASCII characters included, as surrogate pairs beyond the BMP). WIRE.md 1: \"String: UTF-8\"; draft 3.3: JSON objects, in which any character may be escaped."`
	PrettyJSON              bool `allow:"pretty-json" doc:"every answer is indented JSON ending in a newline. Draft 3.3: the protocol \"makes use of JSON objects\", in which white space between tokens is insignificant; WIRE.md 1 fixes names and types, never layout."`
	CacheDirectives         bool `allow:"cache-directives" doc:"Cache-Control: private, no-store, max-age=0. NOTE-HTTP-BINDING: \"Cache-Control: no-store\", which the further directives only restate."`
	Charset                 bool `allow:"charset" doc:"Content-Type: application/json; charset=utf-8. NOTE-HTTP-BINDING: \"Content-Type: application/json\" names the media type; WIRE.md 1: \"String: UTF-8\", which the parameter restates."`
	Delay300ms              bool `allow:"delay-300ms" doc:"every answer is delayed 300 ms. No document sets a response time; NOTE-LIMITS asks only that bad input never \"hang\"."`
	SmallPages              bool `allow:"small-pages" doc:"the portal's own page limit is one entry on a first page and two on later ones, below any MaxEntries asked for. Draft 3.9.2: PageKey \"indicates that the number and/or size of the data records returned exceeds either the SearchConstraints specified in the request or internal server limits\"."`
	HelloVersion            bool `allow:"hello-version" doc:"Hello answers Version 1.0 with Alternates [0.7] and a URI. NOTE-HELLO: \"The 2019 reference portal answered Major 0, Minor 7\" (a fact of the reference, not a requirement); draft 3.5: Hello reports \"which protocol versions, message encodings and transport protocols are supported\"."`
	OwnDescriptions         bool `allow:"own-descriptions" doc:"every StatusDescription is the portal's own wording. WIRE.md 3: \"MeshResponse defaults: Status 201, StatusDescription 'Operation completed successfully'\" (a default, not a fixed text); the payload Status carries the meaning."`
	NoSessions              bool `allow:"no-sessions" group:"sessions" omits:"sessions" doc:"the portal grants no sessions: every request is signed. NOTE-AUTH-SESSION: \"A portal MAY grant sessions.\""`
	ShortSessions           bool `allow:"short-sessions" group:"sessions" doc:"sessions are granted for 2 minutes, not an hour. NOTE-AUTH-SESSION: \"The reference portal ... grants them for an hour\" (the reference's choice); the grant states its own expires."`
	RefuseClassTag          bool `allow:"refuse-class-tag" doc:"the 2016 message-class request tag ({\"ValidateRequest\": ...}) is refused with 400. NOTE-REQUEST-TAG: its acceptance \"is probed and reported as informational, never as a failure\"."`
	NoReason                bool `allow:"no-reason" doc:"ValidateAccount gives no Reason with Valid false. Draft 3.6.2: \"Reason: String (Optional) Text explaining the reason an account name was rejected.\""`
	NamelessGetEmpty        bool `allow:"nameless-get-empty" doc:"a Get that names no Account, Identifier or KeyValues answers 201 with no entries instead of 400. NOTE-ENUMERATION: \"No request lists accounts or profiles it did not name\" (an empty list names none); NOTE-EMPTY-RESULT."`
	DateTimeOffsets         bool `allow:"datetime-offsets" doc:"every DateTime of an answer is written with fractional seconds and a +00:00 offset. NOTE-DATETIME: \"on input any RFC 3339 date-time is accepted, including fractional seconds and numeric offsets\", because \"other implementations and JSON libraries commonly write fractions or offsets\"."`
	ConnectBurst12          bool `allow:"connect-burst-12" doc:"ConnectStart is limited per client address and account to a burst of 12, then one a second, refused 429 with a Retry-After beyond (the reference allows a burst of 64). NOTE-PENDING-FLOOD: a portal \"may limit ConnectStart per client address and account, refusing beyond the limit with HTTP and Status 429 and a Retry-After of at most 10 s\"."`
}

// AllowanceInfo describes one allowance.
type AllowanceInfo struct {
	Name string
	Doc  string
	// Should lists the requirement IDs of the SHOULDs the allowance departs from.
	Should []string
	// Group names alternatives that exclude one another ("" for none).
	Group string
	// Omits names the optional features the allowance leaves out ("" for none).
	Omits string
}

// ListAllowances returns every allowance sorted by name.
func ListAllowances() []AllowanceInfo {
	var out []AllowanceInfo
	for _, k := range knobs.List(Allow{}) {
		a := AllowanceInfo{Name: k.Name, Doc: k.Doc, Group: k.Tag.Get("group"), Omits: k.Tag.Get("omits")}
		if s := k.Tag.Get("should"); s != "" {
			a.Should = strings.Split(s, ",")
		}
		out = append(out, a)
	}
	return out
}

// Set turns on the allowance with the given kebab-case name.
func (a *Allow) Set(name string) error { return knobs.Set(a, name) }

// Enabled lists the names of the allowances that are on.
func (a Allow) Enabled() []string { return knobs.Enabled(a) }

// errAlreadyExists marks the refusal of a CreateAccount of an existing name, whose 409
// NOTE-IDEMPOTENT fixes: no refusal-code allowance changes it.
var errAlreadyExists = errors.New("the account exists")

// refusal is the Status a refusal of a well-formed request goes out with: 400 and 409 swap
// under the refusal-code allowances (NOTE-REFUSAL-CODES), other codes never do.
func (a Allow) refusal(code int32, err error) int32 {
	switch {
	case a.Refuse400 && code == 409 && !errors.Is(err, errAlreadyExists):
		return 400
	case a.Refuse409 && code == 400:
		return 409
	}
	return code
}

// unimplementable reports whether a transaction is one the draft lets a portal leave out
// (draft 3.11, 3.16: "[Not currently implemented]").
func unimplementable(tx string) bool { return tx == "Status" || tx == "Transfer" }

// ownDescription is the own-descriptions allowance's wording of a StatusDescription: the same
// for the same code and reason, so that answers that must be identical stay identical.
func ownDescription(code int32, desc string) string {
	if code >= 200 && code <= 299 {
		return "Done."
	}
	return fmt.Sprintf("Request not served (%d): %s", code, desc)
}
