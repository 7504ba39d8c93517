package observe

// Side names the party at fault when a rule is broken.
type Side string

// The two sides of an exchange.
const (
	Client Side = "client" // the request is wrong
	Portal Side = "portal" // the answer is wrong
)

// Rule is one thing the judge checks on every exchange it applies to.
type Rule struct {
	ID          string // check ID in the reports: "observe.<side>.<name>"
	Side        Side
	Requirement string // spec/requirements.json
	Level       string // "" takes the requirement's level
	Title       string
	Doc         string
}

// The rule IDs.
const (
	RuleEndpoint       = "observe.client.endpoint"
	RuleHost           = "observe.client.host"
	RuleRequestTag     = "observe.client.request-tag"
	RuleAuthPresent    = "observe.client.auth-present"
	RuleAuthSignature  = "observe.client.auth-signature"
	RuleAuthTime       = "observe.client.auth-time"
	RuleClientNonce    = "observe.client.nonce-fresh"
	RuleCreateProfile  = "observe.client.create-profile-signed"
	RuleConnectRequest = "observe.client.connect-request-signed"
	RuleCompleteSigned = "observe.client.connect-result-signed"
	RulePublishSigned  = "observe.client.publish-entry-signed"
	RuleResponseTag    = "observe.portal.response-tag"
	RuleStatusPresent  = "observe.portal.status-present"
	RuleStatusConnect  = "observe.portal.status-present-connect"
	RuleStatusMirror   = "observe.portal.http-status-mirror"
	RuleContentType    = "observe.portal.content-type"
	RuleServerError    = "observe.portal.no-server-error"
	RuleNoTransaction  = "observe.portal.no-transaction-refused"
	RuleAuthRefused    = "observe.portal.auth-refused"
	RuleReplayRefused  = "observe.portal.replay-refused"
	RuleAuthDevice     = "observe.portal.auth-device"
	RuleSessionGrant   = "observe.portal.session-grant"
	RuleServedProfile  = "observe.portal.served-profile-signed"
	RuleResultSigned   = "observe.portal.connect-result-signed"
	RuleWitness        = "observe.portal.witness"
	RuleServerNonce    = "observe.portal.server-nonce-fresh"
	RuleValidateCreate = "observe.portal.validate-create"
	RuleCreateOnce     = "observe.portal.create-once"
	RuleForgedProfile  = "observe.portal.forged-profile-refused"
	RuleForgedEntry    = "observe.portal.forged-entry-refused"
	RuleForgedRequest  = "observe.portal.forged-request-refused"
	RuleForgedResult   = "observe.portal.forged-result-refused"
	RuleConnectFlow    = "observe.portal.connect-flow"
)

// Rules lists every rule in the order reports present them.
var Rules = []Rule{
	{RuleEndpoint, Client, "REQ-WIRE-ENDPOINT", "", "Requests are POST /.well-known/mmm/ with Content-Type application/json",
		"NOTE-HTTP-BINDING: the method, the path with its trailing slash and the media type (parameters such as charset allowed)."},
	{RuleHost, Client, "REQ-HTTP-HOST", "", "The Host header names the portal",
		"Draft 3.1: \"the request MUST specify the portal DNS address in the HTTP Host field\". The host name of the Host header (a port after it is allowed) must be the portal's name (--host, default the portal URL's host)."},
	{RuleRequestTag, Client, "REQ-WIRE-REQUEST-TAG", "", "Every request is a canonical tagged transaction and decodes strictly",
		"NOTE-REQUEST-TAG: {\"<TransactionName>\": {...}}, decoded by the reference codec in strict mode under the project's limits (NOTE-LIMITS), as client.request.strict judges it. The 2016 message-class tag is noted, not failed."},
	{RuleAuthPresent, Client, "REQ-AUTH-STATE-CHANGING", "", "State-changing requests carry an Authorization",
		"NOTE-AUTH: DeleteAccount, Publish, ConnectPending, ConnectComplete and Transfer carry Authorization: Mesh or Mesh-Session."},
	{RuleAuthSignature, Client, "CTL-MESSAGE-AUTHENTICATION", "", "Every Authorization: Mesh signature verifies over the portal name and the body",
		"NOTE-AUTH: the signature under the header's key over the digest of the portal name, account, time, nonce (and session offer) and body. Session MACs (NOTE-AUTH-SESSION) need the session key, which the traffic does not reveal: they are not verified here."},
	{RuleAuthTime, Client, "REQ-AUTH-REPLAY", "", "Authorization times are within 300 s of when the request was seen",
		"NOTE-AUTH: the portal accepts a time within 300 s of its clock; a client whose time is further from the exchange's own is stale."},
	{RuleClientNonce, Client, "CTL-KEYGEN-STRONG", "", "Client nonces are full length and never repeat in the session",
		"Draft 7.1.3: every Authorization nonce (per key or ticket) and every ClientNonce of a connection request is 16 bytes and new, as client.nonce.fresh judges it."},
	{RuleCreateProfile, Client, "REQ-PROFILE-MESH-SIGNED", "", "CreateAccount sends a profile signed by its own keys, naming the account",
		"Draft 2.6: the master profile self-signed by its MasterSignatureKey, the mesh profile by one of its OnlineSignatureKeys, and (NOTE-CREATE-PROFILE) naming the account being created."},
	{RuleConnectRequest, Client, "REQ-CONNECT-REQUEST-SIGNED", "", "ConnectStart sends a request signed by the device's DeviceSignatureKey",
		"Draft 3.12.1: the SignedConnectionRequest is signed by the DeviceSignatureKey of the device profile it carries, which is self-signed (draft 2.6.6)."},
	{RuleCompleteSigned, Client, "REQ-CONNECT-RESULT-SIGNED", "", "ConnectComplete posts a result signed by an administration key",
		"Draft 3.15.1: the result is signed by an OnlineSignatureKey of the account's master profile, when the traffic carried that profile."},
	{RulePublishSigned, Client, "REQ-PUBLISH-SIGNED-ENTRY", "", "Publish sends a signed entry",
		"NOTE-PUBLISH-ENTRY: the entry is a signed DARE envelope; a mesh profile's signature is verified with the keys it carries."},
	{RuleResponseTag, Portal, "REQ-WIRE-RESPONSE-TAG", "", "Every answer is tagged with its response class",
		"NOTE-RESPONSE-TAG: {\"<ResponseClass>\": {...}} of the request's transaction, decoded by the reference codec under the project's limits; unknown members allowed (NOTE-RESPONSE-EXTENSIONS); an unimplemented Status or Transfer excepted (NOTE-UNIMPLEMENTED)."},
	{RuleStatusPresent, Portal, "REQ-WIRE-STATUS-PRESENT", "", "Answers carry a payload Status",
		"NOTE-STATUS-CODES: an Integer Status in every response but HelloResponse and the Connect responses (judged at SHOULD by observe.portal.status-present-connect)."},
	{RuleStatusConnect, Portal, "REQ-WIRE-STATUS-PRESENT", "SHOULD", "HelloResponse and the Connect responses carry a payload Status too",
		"NOTE-CONNECT-RESPONSE-BASE: a warning citing the draft's schema defect, not a failure."},
	{RuleStatusMirror, Portal, "REQ-HTTP-STATUS-MIRROR", "", "The HTTP status mirrors the payload Status",
		"Draft 3.2, as wire.http-status-mirror judges it: the same class, and the same code for a payload 4xx or 5xx."},
	{RuleContentType, Portal, "REQ-WIRE-ENDPOINT", "", "Answers are application/json and not cacheable",
		"NOTE-HTTP-BINDING: Content-Type application/json, Cache-Control no-store."},
	{RuleServerError, Portal, "REQ-WIRE-LIMITS", "", "No answer is a server error or missing",
		"NOTE-LIMITS: bad input is refused, never a crash: no HTTP 5xx other than 501 and 503, no connection dropped without an answer."},
	{RuleNoTransaction, Portal, "REQ-WIRE-LIMITS", "", "A body that names no transaction is refused with a 4xx",
		"NOTE-NO-TRANSACTION: such a body is owed only an HTTP 4xx."},
	{RuleAuthRefused, Portal, "REQ-AUTH-REFUSE", "", "Requests without valid authentication are refused with 401",
		"NOTE-AUTH: a state-changing request with no Authorization, a malformed one or one whose signature does not verify gets HTTP 401 and Status 401, never data; every refusal with Status 401 is HTTP 401."},
	{RuleReplayRefused, Portal, "REQ-AUTH-REPLAY", "", "No Authorization is accepted twice, nor a stale one",
		"NOTE-AUTH: the same Authorization value, or the same (key, nonce) pair, accepted a second time is a replay; a time more than 300 s from the exchange accepted is stale."},
	{RuleAuthDevice, Portal, "REQ-AUTH-REFUSE", "", "Requests are accepted only from a device of the account they act on",
		"NOTE-AUTH: the Authorization names the account the request acts on, and its key's UDF is the AuthUDF of a device of that account. Judged for accounts created in the traffic, whose every device the traffic shows (CreateAccount, accepted ConnectComplete results, published device entries)."},
	{RuleSessionGrant, Portal, "REQ-AUTH-SESSION-OFFER", "", "Sessions are granted only to a signed offer",
		"NOTE-AUTH-SESSION: a Mesh-Session grant answers only a request whose Authorization: Mesh carried an offer and verified."},
	{RuleServedProfile, Portal, "REQ-PROFILE-MESH-SIGNED", "", "Every mesh profile a Get returns verifies under its own keys",
		"Draft 2.6: a ProfileMesh entry is signed by an OnlineSignatureKey of the master profile it carries, which is self-signed; a portal that alters a stored entry breaks it."},
	{RuleResultSigned, Portal, "REQ-CONNECT-RESULT-SIGNED", "", "ConnectStatus returns a result signed by an administration key",
		"Draft 3.15.1: when the account's master profile was seen in the traffic, the result verifies under one of its OnlineSignatureKeys."},
	{RuleWitness, Portal, "REQ-WIRE-WITNESS", "", "Connection challenges carry the right witness",
		"NOTE-WITNESS: recomputed over the account's master signature key (from a profile seen in the traffic), the ServerNonce, the device's signature key and the ClientNonce of the request."},
	{RuleServerNonce, Portal, "CTL-KEYGEN-STRONG", "", "ServerNonces are 128 bits and never repeat",
		"Draft 7.1.3, NOTE-CONNECT-FLOW: a 128-bit ServerNonce per connection request, none seen twice."},
	{RuleValidateCreate, Portal, "REQ-VALIDATE-VALID", "", "An account ValidateAccount rejected is not then created",
		"Draft 3.6.2: \"If false, the account identifier is rejected.\" A CreateAccount answered 2xx for a name the portal said was not Valid contradicts it (a Valid name that Create refuses is allowed: REQ-VALIDATE-NO-GUARANTEE)."},
	{RuleCreateOnce, Portal, "REQ-IDEMPOTENT-CREATE-409", "", "An account created in the session is not created again",
		"NOTE-IDEMPOTENT: a second CreateAccount of an account created (and not deleted) earlier in the traffic is refused 409."},
	{RuleForgedProfile, Portal, "REQ-PROFILE-MESH-SIGNED", "", "A CreateAccount whose profile does not verify is refused",
		"Draft 2.6, NOTE-CREATE-PROFILE: the portal refuses a profile not signed by its own keys or naming another account; accepting it is the portal's fault as well as the client's."},
	{RuleForgedEntry, Portal, "REQ-PUBLISH-SIGNED-ENTRY", "", "A Publish of an unsigned or forged entry is refused",
		"NOTE-PUBLISH-ENTRY: an unsigned entry, or a mesh profile that does not verify under its own keys, is refused."},
	{RuleForgedRequest, Portal, "REQ-CONNECT-REQUEST-SIGNED", "", "A ConnectStart whose request does not verify is refused",
		"Draft 3.12.1: a connection request not signed by the DeviceSignatureKey of its self-signed device profile is refused."},
	{RuleForgedResult, Portal, "REQ-CONNECT-RESULT-SIGNED", "", "A ConnectComplete whose result is not signed by an administration key is refused",
		"Draft 3.15.1: when the account's master profile was seen in the traffic, a result no OnlineSignatureKey of it signed is refused."},
	{RuleConnectFlow, Portal, "REQ-CONNECT-RESULT-SIGNED", "", "A device's connection result is the one an administration device posted",
		"NOTE-CONNECT-FLOW: ConnectStatus returns a result for a device whose ConnectStart was seen only after a ConnectComplete for that device was accepted, and the result is the one posted. It assumes all the portal's traffic for the account passes the proxy: a trace of part of it may lack the ConnectComplete."},
}

func ruleByID(id string) *Rule {
	for i := range Rules {
		if Rules[i].ID == id {
			return &Rules[i]
		}
	}
	return nil
}
