package portal

import "github.com/meshconform/meshconform/reference/knobs"

// Bugs are misbehaviour knobs in the manner of BoGo's ProtocolBugs: each makes the portal break
// exactly one requirement or control, so that the conformance suite can prove the check for it
// fails when it should. The zero value is a conforming portal. The `bug` tag is the --bug name.
type Bugs struct {
	// SkipHostCheck accepts a Host that is not the portal's name (draft 3.1, NOTE-HTTP-BINDING).
	SkipHostCheck bool `bug:"skip-host-check" doc:"accept any Host header (draft 3.1)"`
	// HTTPStatusAlways200 answers HTTP 200 whatever the payload Status, even the 401 NOTE-AUTH names.
	HTTPStatusAlways200 bool `bug:"http-status-always-200" doc:"HTTP status 200 whatever the payload Status, 401 included (draft 3.2, NOTE-AUTH)"`
	// OmitStatus leaves Status out of every response (NOTE-STATUS-CODES, NOTE-CONNECT-RESPONSE-BASE).
	OmitStatus bool `bug:"omit-status" doc:"omit Status from responses (NOTE-STATUS-CODES)"`
	// UntaggedResponses writes responses without their class tag (NOTE-RESPONSE-TAG).
	UntaggedResponses bool `bug:"untagged-responses" doc:"write responses untagged (NOTE-RESPONSE-TAG)"`
	// RejectUnknownMembers refuses requests with unknown members (NOTE-UNKNOWN-MEMBERS).
	RejectUnknownMembers bool `bug:"reject-unknown-members" doc:"refuse unknown members with 400 (NOTE-UNKNOWN-MEMBERS)"`
	// ValidateIncompleteInvalidCharacters reports only the first illegal character (draft 3.6.2).
	ValidateIncompleteInvalidCharacters bool `bug:"validate-incomplete-invalid-characters" doc:"InvalidCharacters lists only the first illegal character (draft 3.6.2)"`
	// CreateCaseSensitive compares names case-sensitively in Create only, so Validate and
	// Create disagree (NOTE-ACCOUNT-NAMES).
	CreateCaseSensitive bool `bug:"create-case-sensitive" doc:"Create compares names case-sensitively (NOTE-ACCOUNT-NAMES)"`
	// CreateIgnoresProfileAccount accepts a profile naming another account (NOTE-CREATE-PROFILE).
	CreateIgnoresProfileAccount bool `bug:"create-ignores-profile-account" doc:"Create accepts a profile naming another account (NOTE-CREATE-PROFILE)"`
	// AcceptUnsignedProfile accepts an unsigned ProfileMesh (draft 2.6, 7.1.5).
	AcceptUnsignedProfile bool `bug:"accept-unsigned-profile" doc:"accept an unsigned or wrongly signed ProfileMesh (draft 2.6)"`
	// AcceptWrongDeviceSignature accepts a device profile or connection request not signed by
	// its DeviceSignatureKey (draft 2.6, NOTE-SIGNED-CONNECTION-REQUEST).
	AcceptWrongDeviceSignature bool `bug:"accept-wrong-device-signature" doc:"accept device material not signed by its DeviceSignatureKey (draft 2.6)"`
	// AcceptMeshProfileNotSignedByOSK accepts a ProfileMesh signed by a key that is not an
	// OnlineSignatureKey of its master (draft 2.6).
	AcceptMeshProfileNotSignedByOSK bool `bug:"accept-mesh-profile-not-signed-by-osk" doc:"accept a ProfileMesh signed by a non-OnlineSignatureKey (draft 2.6)"`
	// PublishWithoutAccount publishes to an account that does not exist (draft 3.7).
	PublishWithoutAccount bool `bug:"publish-without-account" doc:"Publish succeeds for an account that does not exist (draft 3.7)"`
	// DeleteRemovesProfiles removes the account's profiles with it (draft 3.8).
	DeleteRemovesProfiles bool `bug:"delete-removes-profiles" doc:"DeleteAccount removes the profiles too (draft 3.8)"`
	// GetAfterDelete still answers Get by Account for a deleted account (draft 3.8).
	GetAfterDelete bool `bug:"get-after-delete" doc:"Get by Account still answers after DeleteAccount (draft 3.8)"`
	// EmptyGetListsAccounts answers a Get naming nothing with every account's profile (2.6.1,
	// NOTE-ENUMERATION).
	EmptyGetListsAccounts bool `bug:"empty-get-lists-accounts" doc:"a Get naming nothing lists every profile (draft 2.6.1, NOTE-ENUMERATION)"`
	// IgnoreMaxEntries returns more entries than MaxEntries (draft 3.4.2).
	IgnoreMaxEntries bool `bug:"ignore-max-entries" doc:"ignore SearchConstraints.MaxEntries (draft 3.4.2)"`
	// IgnoreMaxBytes returns more bytes than MaxBytes (draft 3.4.2).
	IgnoreMaxBytes bool `bug:"ignore-max-bytes" doc:"ignore SearchConstraints.MaxBytes (draft 3.4.2)"`
	// IgnoreBefore returns entries at or after Before (draft 3.4.2).
	IgnoreBefore bool `bug:"ignore-before" doc:"ignore SearchConstraints.Before (draft 3.4.2)"`
	// IgnoreNotBefore returns entries earlier than NotBefore (draft 3.4.2).
	IgnoreNotBefore bool `bug:"ignore-not-before" doc:"ignore SearchConstraints.NotBefore (draft 3.4.2)"`
	// ForgeablePageKey accepts a PageKey whose MAC does not verify (draft 3.4.2).
	ForgeablePageKey bool `bug:"forgeable-page-key" doc:"accept a forged PageKey (draft 3.4.2)"`
	// SkipAuthentication serves authenticated transactions without an Authorization header
	// (draft 7.1.1.2, NOTE-AUTH).
	SkipAuthentication bool `bug:"skip-authentication" doc:"no Authorization needed (draft 7.1.1.2, NOTE-AUTH)"`
	// CrossAccountAuth accepts a device of one account for another account (NOTE-AUTH).
	CrossAccountAuth bool `bug:"cross-account-auth" doc:"a device of account A authenticates for account B (NOTE-AUTH)"`
	// AcceptReplayedRequest does not remember nonces (NOTE-AUTH).
	AcceptReplayedRequest bool `bug:"accept-replayed-request" doc:"accept a replayed authenticated request (NOTE-AUTH)"`
	// SessionMACUnchecked accepts a session request whatever its MAC: anyone holding a ticket
	// (it travels in clear over HTTP) acts as the device (NOTE-AUTH-SESSION).
	SessionMACUnchecked bool `bug:"session-mac-unchecked" doc:"accept a session request whatever its MAC (NOTE-AUTH-SESSION)"`
	// SessionOfferUnsigned grants a session to an offer the signature does not cover, so
	// whoever intercepts a signed request can add an offer of its own (NOTE-AUTH-SESSION).
	SessionOfferUnsigned bool `bug:"session-offer-unsigned" doc:"grant a session to an offer the request's signature does not cover (NOTE-AUTH-SESSION)"`
	// SessionOutlivesDevice trusts the ticket and skips the device lookup for session requests:
	// a device no longer of the account keeps acting for it (NOTE-AUTH-SESSION).
	SessionOutlivesDevice bool `bug:"session-outlives-device" doc:"a session stays valid after its device stops being the account's (NOTE-AUTH-SESSION)"`
	// AcceptStaleTime does not check the request time (NOTE-AUTH).
	AcceptStaleTime bool `bug:"accept-stale-time" doc:"accept an Authorization time outside 300 s (NOTE-AUTH)"`
	// AcceptDeviceCredentialNotAdminSigned accepts a CatalogEntryDevice whose inner
	// ProfileMeshDevicePublicSigned is not signed by an OnlineSignatureKey (draft 7.1.5).
	AcceptDeviceCredentialNotAdminSigned bool `bug:"accept-device-credential-not-admin-signed" doc:"accept a device entry whose inner device credential is not signed by an administration key (draft 7.1.5)"`
	// AcceptUnsignedResult accepts an unsigned connection result (draft 3.15.1).
	AcceptUnsignedResult bool `bug:"accept-unsigned-result" doc:"accept an unsigned connection result (draft 3.15.1)"`
	// AcceptResultNotAdminSigned accepts a result signed by a key that is not an administration
	// key of the profile (draft 3.15.1).
	AcceptResultNotAdminSigned bool `bug:"accept-result-not-admin-signed" doc:"accept a connection result signed by a non-administration key (draft 3.15.1)"`
	// AcceptReplayedResult accepts the same connection result twice (draft 3.15.1, NOTE-CONNECT-FLOW).
	AcceptReplayedResult bool `bug:"accept-replayed-result" doc:"accept a replayed connection result (draft 3.15.1)"`
	// WeakServerNonce draws a predictable 8-byte ServerNonce from a counter (draft 7.1.3).
	WeakServerNonce bool `bug:"weak-server-nonce" doc:"short, predictable ServerNonce (draft 7.1.3)"`
	// WrongWitness computes the witness with the nonces swapped (NOTE-WITNESS).
	WrongWitness bool `bug:"wrong-witness" doc:"wrong connection witness (NOTE-WITNESS)"`
	// CheckpointRegresses makes every second Status answer the first checkpoint (7.1.7, NOTE-LOG).
	CheckpointRegresses bool `bug:"checkpoint-regresses" doc:"Status checkpoint goes backwards (draft 7.1.7, NOTE-LOG)"`
	// TransferUnauthenticated gives the whole log to anyone (draft 3.16, NOTE-LOG).
	TransferUnauthenticated bool `bug:"transfer-unauthenticated" doc:"Transfer serves anyone the whole log (draft 3.16)"`
	// LeakAfterFailedCreate keeps the profile of a refused Create, visible to Get (draft 3.7).
	LeakAfterFailedCreate bool `bug:"leak-after-failed-create" doc:"a refused Create still stores its profile (draft 3.7)"`
	// CrashOnDeepNesting answers 500 instead of 400 on too deep a request (NOTE-LIMITS).
	CrashOnDeepNesting bool `bug:"crash-on-deep-nesting" doc:"500 instead of 400 for too deep nesting (NOTE-LIMITS)"`
	// NoBodyLimit reads bodies of any size (NOTE-LIMITS).
	NoBodyLimit bool `bug:"no-body-limit" doc:"no request body size limit (NOTE-LIMITS)"`
	// HangOnHugeString delays the answer to a request holding a string over 64 KiB past any
	// reasonable client timeout (NOTE-LIMITS).
	HangOnHugeString bool `bug:"hang-on-huge-string" doc:"delay the answer to a request with a huge string (NOTE-LIMITS)"`
	// StatusFails answers Status with 500: neither implemented nor saying it is not (NOTE-UNIMPLEMENTED).
	StatusFails bool `bug:"status-fails" doc:"Status answers 500 (draft 3.11, NOTE-UNIMPLEMENTED)"`
	// CacheableResponses lets responses be cached: no Cache-Control: no-store (WIRE.md 4).
	CacheableResponses bool `bug:"cacheable-responses" doc:"responses without Cache-Control: no-store (WIRE.md 4)"`
	// HelloWithoutVersion answers Hello without a Version (draft 3.5, NOTE-HELLO).
	HelloWithoutVersion bool `bug:"hello-without-version" doc:"HelloResponse without a Version (draft 3.5)"`
	// HelloFirst refuses every transaction but Hello on a connection that has not sent Hello
	// (draft 3: no Hello is needed first, and there is no set sequence).
	HelloFirst bool `bug:"hello-first" doc:"refuse requests before a Hello on the connection (draft 3)"`
	// ValidateNotIdempotent answers repeated ValidateAccount requests differently (draft 3).
	ValidateNotIdempotent bool `bug:"validate-not-idempotent" doc:"ValidateAccount answers differ on repetition (draft 3)"`
	// ValidateAlwaysValid says Valid true for any name, of any domain (draft 3.6.2, NOTE-ACCOUNT-NAMES).
	ValidateAlwaysValid bool `bug:"validate-always-valid" doc:"ValidateAccount says Valid for any name (draft 3.6.2)"`
	// DuplicateCreateSucceeds answers a repeated CreateAccount of an existing account with
	// success (NOTE-IDEMPOTENT).
	DuplicateCreateSucceeds bool `bug:"duplicate-create-succeeds" doc:"a CreateAccount of an existing account succeeds (NOTE-IDEMPOTENT)"`
	// AcceptUnsignedEntry publishes entries that carry no signature (NOTE-PUBLISH-ENTRY).
	AcceptUnsignedEntry bool `bug:"accept-unsigned-entry" doc:"Publish accepts an unsigned entry (NOTE-PUBLISH-ENTRY)"`
	// AcceptCatalogEntryNotAdminSigned publishes a CatalogEntryDevice not signed by an
	// OnlineSignatureKey of the master (draft 7.1.5).
	AcceptCatalogEntryNotAdminSigned bool `bug:"accept-catalog-entry-not-admin-signed" doc:"Publish accepts a device catalog entry not signed by an administration key (draft 7.1.5)"`
	// RefuseWith403 refuses unauthenticated requests with 403 instead of 401 (NOTE-AUTH).
	RefuseWith403 bool `bug:"refuse-with-403" doc:"unauthenticated requests get 403, not 401 (NOTE-AUTH)"`
	// ReencodeEntries stores entries with their payload re-encoded (indented), so that what Get
	// returns is not what was signed (draft 7.1.1.3, WIRE.md 5).
	ReencodeEntries bool `bug:"reencode-entries" doc:"store entries with a re-encoded payload (draft 7.1.1.3)"`
	// CheckpointNotChain reports a Status checkpoint that is not the chain of the last log
	// record (draft 7.1.7, NOTE-LOG).
	CheckpointNotChain bool `bug:"checkpoint-not-chain" doc:"Status checkpoint is not the last record's Chain (draft 7.1.7)"`
	// UndigestedLogRecords writes log records without the Digest of the request that caused
	// them (draft 7.2.4, NOTE-LOG).
	UndigestedLogRecords bool `bug:"undigested-log-records" doc:"log records omit the request Digest (draft 7.2.4)"`
	// AcceptDeviceSignatureKey authenticates a device by its DeviceSignatureKey as well as by
	// its DeviceAuthenticationKey (draft 2.6.6).
	AcceptDeviceSignatureKey bool `bug:"accept-device-signature-key" doc:"a device authenticates with its signature key too (draft 2.6.6)"`
	// MessageClassTagsOnly refuses the canonical request tag (the transaction name) and takes
	// only the 2016 message-class form (NOTE-REQUEST-TAG).
	MessageClassTagsOnly bool `bug:"message-class-tags-only" doc:"refuse the canonical request tag, accept only {\"ValidateRequest\": ...} (NOTE-REQUEST-TAG)"`
	// CheckpointFrozen answers every Status with the checkpoint of the first write: writes no
	// longer show in it (draft 7.1.7, NOTE-LOG: "checkpoints only grow"). It replaces the
	// status-not-implemented knob, a behaviour NOTE-UNIMPLEMENTED permits, as the proof that
	// status.checkpoint-grows can fail.
	CheckpointFrozen bool `bug:"checkpoint-frozen" doc:"Status answers the first write's checkpoint whatever was written since (draft 7.1.7, NOTE-LOG)"`
	// NoNamesIndex does not index profiles by their Names fingerprints (draft 2.6.1).
	NoNamesIndex bool `bug:"no-names-index" doc:"Get by Names finds nothing (draft 2.6.1)"`
	// PendingFloodBlocks keeps unanswered connection requests for ever, with no per-source
	// rate and no eviction, and refuses a new device with 503 once 256 wait (NOTE-PENDING-FLOOD).
	PendingFloodBlocks bool `bug:"pending-flood-blocks" doc:"a flood of connection requests blocks real devices with 503 (NOTE-PENDING-FLOOD)"`
	// NoReadTimeout serves without header or request read timeouts, so a client trickling its
	// headers holds its connection for ever (NOTE-SLOW-CLIENT).
	NoReadTimeout bool `bug:"no-read-timeout" doc:"a client sending its headers a byte at a time keeps its connection for ever (NOTE-SLOW-CLIENT)"`
	// QuadraticGetScope builds a Get's KeyValues scope by concatenation, quadratic in the
	// body (issue 17; CTL-REQUEST-COST).
	QuadraticGetScope bool `bug:"quadratic-get-scope" doc:"a Get's KeyValues cost grows with the square of the body (CTL-REQUEST-COST)"`
	// DeleteMissingSucceeds answers DeleteAccount of an account that does not exist (never
	// created, or already deleted) with success (draft 3.8, NOTE-ENUMERATION).
	DeleteMissingSucceeds bool `bug:"delete-missing-succeeds" doc:"DeleteAccount of a missing account succeeds (draft 3.8)"`
	// StaleReads serves Get and ConnectStatus from a cache keyed by the request body, never
	// invalidated by writes (NOTE-IDEMPOTENT: a read after a write must see it).
	StaleReads bool `bug:"stale-reads" doc:"Get and ConnectStatus answered from a cache writes never invalidate (NOTE-IDEMPOTENT)"`
	// PublishForeignProfile accepts a Publish of another master's ProfileMesh as the account's
	// profile (draft 3.10, NOTE-PUBLISH-ENTRY).
	PublishForeignProfile bool `bug:"publish-foreign-profile" doc:"Publish of another master's ProfileMesh becomes the account's profile (draft 3.10)"`
	// PublishWipesAccount saves the account record after a Publish without its master and
	// devices, so the account is unusable afterwards (draft 3.10).
	PublishWipesAccount bool `bug:"publish-wipes-account" doc:"Publish saves the account record without its master and devices (draft 3.10)"`
	// SignatureBytesUnchecked accepts a ProfileMaster whose signature names the right key,
	// whatever its signature bytes (draft 2.6.5, WIRE.md).
	SignatureBytesUnchecked bool `bug:"signature-bytes-unchecked" doc:"a ProfileMaster signature is judged by its kid, not its bytes (draft 2.6.5)"`
	// CrashOnHeaderlessEnvelope answers 500 for a DareMessage without a Header (NOTE-LIMITS).
	CrashOnHeaderlessEnvelope bool `bug:"crash-on-headerless-envelope" doc:"500 for a DareMessage without a Header (NOTE-LIMITS)"`
	// UnknownAccount400 refuses a request naming an unknown account with 400, not 404
	// (NOTE-ENUMERATION).
	UnknownAccount400 bool `bug:"unknown-account-400" doc:"an unknown account is refused 400, not 404 (NOTE-ENUMERATION)"`
	// ChainUnlinked computes each log record's Chain without the previous one, so the log
	// binds no history (NOTE-LOG).
	ChainUnlinked bool `bug:"chain-unlinked" doc:"each log Chain ignores the previous record's (draft 7.1.7, NOTE-LOG)"`
	// BiasedServerNonce draws 32 random bits and 96 fixed bits, half of them ones, so the
	// pooled bits look balanced (draft 7.1.3).
	BiasedServerNonce bool `bug:"biased-server-nonce" doc:"ServerNonce of 32 random and 96 fixed balanced bits (draft 7.1.3)"`
	// RefuseOneCharNames refuses a local part of one character, though the minimum is 1
	// (NOTE-ACCOUNT-NAMES).
	RefuseOneCharNames bool `bug:"refuse-one-char-names" doc:"a one-character local part is not Valid (NOTE-ACCOUNT-NAMES)"`
	// PageKeyIgnoresBefore drops Before on the pages after the first (draft 3.4.2).
	PageKeyIgnoresBefore bool `bug:"page-key-ignores-before" doc:"pages after the first ignore Before (draft 3.4.2)"`
	// PageKeyAnyQuery MACs PageKeys without their query, so one query's key pages another
	// (draft 3.4.2, NOTE-PAGE-KEY).
	PageKeyAnyQuery bool `bug:"page-key-any-query" doc:"a PageKey is accepted for a query other than its own (NOTE-PAGE-KEY)"`
	// RefuseSessionOffer refuses with 401 a validly signed request that offers a session, as a
	// portal that ignores the offer line of the signed digest would (NOTE-AUTH-SESSION).
	RefuseSessionOffer bool `bug:"refuse-session-offer" doc:"a signed request carrying a session offer is refused 401 (NOTE-AUTH-SESSION)"`
	// OmitContentType sends responses without a Content-Type (WIRE.md 4, NOTE-HTTP-BINDING).
	OmitContentType bool `bug:"omit-content-type" doc:"responses without Content-Type (WIRE.md 4)"`
	// PendingIgnoresTimeBounds ignores NotBefore and Before in ConnectPending (draft 3.4.2, 3.14).
	PendingIgnoresTimeBounds bool `bug:"pending-ignores-time-bounds" doc:"ConnectPending ignores NotBefore and Before (draft 3.4.2)"`
	// HelloEncodingsWithoutJSON advertises an Encodings list without JSON while answering in
	// JSON (NOTE-HELLO).
	HelloEncodingsWithoutJSON bool `bug:"hello-encodings-without-json" doc:"Hello lists Encodings without application/json (NOTE-HELLO)"`
	// LaxAuthorization reads Authorization as a lenient parser would: a repeated parameter's
	// last value wins, and a nonce of any length passes (NOTE-AUTH).
	LaxAuthorization bool `bug:"lax-authorization" doc:"Authorization: repeated parameters, last wins; any nonce length (NOTE-AUTH)"`
	// CrashOnTransferWindow answers 500 for a Transfer with NotBefore or Before (NOTE-LIMITS).
	CrashOnTransferWindow bool `bug:"crash-on-transfer-window" doc:"500 for a Transfer with a time window (NOTE-LIMITS)"`
	// CrashOnMalformedSession answers 500 for a malformed Mesh-Session Authorization (NOTE-LIMITS).
	CrashOnMalformedSession bool `bug:"crash-on-malformed-session" doc:"500 for a malformed Mesh-Session Authorization (NOTE-LIMITS)"`
	// RefuseKidlessSignatures refuses a ProfileMaster signature without kid, as the 2019
	// reference wrote them (WIRE.md 5).
	RefuseKidlessSignatures bool `bug:"refuse-kidless-signatures" doc:"a ProfileMaster signature without kid is refused (WIRE.md 5)"`
	// RefuseHeaderSignatures refuses a ProfileMaster signed in the DARE header rather than the
	// trailer (WIRE.md 5 allows both).
	RefuseHeaderSignatures bool `bug:"refuse-header-signatures" doc:"a ProfileMaster signature in the DARE header is refused (WIRE.md 5)"`
	// CrashOnConfirmationWithoutAccept answers 500 for a connection result that is a
	// MessageConfirmationResponse without Accept (NOTE-LIMITS).
	CrashOnConfirmationWithoutAccept bool `bug:"crash-on-confirmation-without-accept" doc:"500 for a MessageConfirmationResponse result without Accept (NOTE-LIMITS)"`
	// CrashOnUndecodableProfile answers 500 for a CreateAccount whose Profile envelope carries a
	// payload that is no Mesh structure (NOTE-LIMITS): a mutant that dropped openAs's decoding
	// guard did the same, and no check sent one (issue 16).
	CrashOnUndecodableProfile bool `bug:"crash-on-undecodable-profile" doc:"500 for a Profile envelope whose payload is no Mesh structure (NOTE-LIMITS)"`
	// GrantLowOrderOffer grants a session to an offer the agreement refuses, a low-order X448
	// point (NOTE-AUTH-SESSION): a mutant that inverted the agreement's error test did, and no
	// check sent one (issue 16).
	GrantLowOrderOffer bool `bug:"grant-low-order-offer" doc:"a session offer that is a low-order X448 point is granted a session (NOTE-AUTH-SESSION)"`
	// TransferForgedPageKey serves a Transfer whose PageKey the portal did not issue from the
	// start, as a mutant that ignored Transfer's window error did; no check paged Transfer with
	// a forged key (draft 3.4.2, NOTE-REFUSAL-CODES; issue 16).
	TransferForgedPageKey bool `bug:"transfer-forged-page-key" doc:"Transfer takes a PageKey it did not issue (draft 3.4.2)"`
	// IgnorePublicKeyUDF reads a MasterSignatureKey or device key from its PublicParameters
	// alone, whatever key its UDF names (NOTE-PUBLIC-KEY-UDF): a profile can then claim one
	// identity and sign with another.
	IgnorePublicKeyUDF bool `bug:"ignore-public-key-udf" doc:"a MasterSignatureKey or device key whose UDF names another key is accepted (NOTE-PUBLIC-KEY-UDF)"`
	// NamesPrefixMatch matches a Get's KeyValues Names value as a prefix of the indexed UDFs,
	// as Identifier is matched (NOTE-GET-KEYVALUES: exact, no prefix match).
	NamesPrefixMatch bool `bug:"names-prefix-match" doc:"a Get's KeyValues Names matches any UDF it is a prefix of (NOTE-GET-KEYVALUES)"`
	// SignedHostFromHeader verifies a request signature against the Host header as sent, port
	// and case kept, when it does not verify against the portal's name, as a portal that takes
	// its name from the request would (NOTE-HOST-PORT).
	SignedHostFromHeader bool `bug:"signed-host-from-header" doc:"a request signed for the Host header as sent, port or upper case included, verifies (NOTE-HOST-PORT)"`
	// SessionHostFromHeader verifies a session request's MAC against the Host header as sent
	// when it does not verify against the portal's name: SignedHostFromHeader for sessions.
	SessionHostFromHeader bool `bug:"session-host-from-header" doc:"a session request MAC'd for the Host header as sent, port or upper case included, verifies (NOTE-HOST-PORT)"`
}

// BugInfo describes one knob.
type BugInfo = knobs.Info

// ErrUnknownBug is returned by Set for a name that is no knob.
type ErrUnknownBug = knobs.UnknownError

// ListBugs returns every knob sorted by name.
func ListBugs() []BugInfo { return knobs.List(Bugs{}) }

// Set turns on the knob with the given kebab-case name.
func (b *Bugs) Set(name string) error { return knobs.Set(b, name) }

// Enabled lists the names of the knobs that are on.
func (b Bugs) Enabled() []string { return knobs.Enabled(b) }
