package generate

import (
	"strings"

	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
)

// Shorthands for the script table.
var (
	ok201     = []int{201}
	refused4  = []int{400, 401, 404, 409}
	unauth    = []int{401}
	notFound  = []int{404}
	conflict  = []int{409}
	pending   = []int{202}
	orMissing = []int{201, 501} // Status and Transfer may be absent (NOTE-UNIMPLEMENTED)
)

func two() *int { n := 2; return &n }

// txCase is one script of the table below.
type txCase struct {
	name, comment, section, req, note string
	flags                             []string
	steps                             []vectors.Step
}

func create(a string) vectors.Step {
	return vectors.Step{Op: "CreateAccount", Account: a, ExpectStatus: ok201}
}
func start(a, d string) vectors.Step {
	return vectors.Step{Op: "ConnectStart", Account: a, Device: d, ExpectStatus: ok201}
}

// transactionCases are the scripts, by transaction.
var transactionCases = map[string][]txCase{
	"Hello": {
		{name: "basic", comment: "Hello answers with a HelloResponse", section: "3.5", req: "REQ-TXN-ONE-RESPONSE", flags: []string{"Valid"},
			steps: []vectors.Step{{Op: "Hello", ExpectStatus: ok201}}},
		{name: "foreign-portal", comment: "a Hello whose Portal field names another portal", section: "3.1.1", req: "REQ-HTTP-HOST", flags: []string{"ForeignPortal"},
			steps: []vectors.Step{{Op: "Hello", Mutate: "foreign-portal", ExpectStatus: []int{400}}}},
	},
	"ValidateAccount": {
		{name: "valid", comment: "a plain free name is Valid", section: "3.6.2", req: "REQ-VALIDATE-VALID", flags: []string{"Valid"},
			steps: []vectors.Step{{Op: "ValidateAccount", Account: "a", ExpectStatus: ok201, ExpectFields: map[string]any{"Valid": true}}}},
		{name: "illegal-characters", comment: "a name with spaces and braces is not Valid", section: "3.6.2", req: "REQ-VALIDATE-VALID", flags: []string{"NamingRule"},
			steps: []vectors.Step{{Op: "ValidateAccount", AccountText: "bad {name}@{domain}", ExpectStatus: ok201, ExpectFields: map[string]any{"Valid": false}}}},
		{name: "foreign-domain", comment: "a name in another portal's domain is not Valid", section: "3.6", req: "REQ-ACCOUNT-FOREIGN-DOMAIN", flags: []string{"NamingRule"},
			steps: []vectors.Step{{Op: "ValidateAccount", AccountText: "someone@other-portal.invalid", ExpectStatus: ok201, ExpectFields: map[string]any{"Valid": false}}}},
	},
	"CreateAccount": {
		{name: "valid", comment: "a fresh account with a valid signed profile", section: "3.7", req: "REQ-CREATE-BEFORE-PUBLISH", flags: []string{"Valid"},
			steps: []vectors.Step{create("a")}},
		{name: "duplicate", comment: "the same account twice", section: "3.7", req: "REQ-IDEMPOTENT-CREATE-409", flags: []string{"Duplicate"},
			steps: []vectors.Step{create("a"), {Op: "CreateAccount", Account: "a", ExpectStatus: conflict}}},
		{name: "unsigned-profile", comment: "the ProfileMesh carries no signature", section: "2.6.8", req: "REQ-PROFILE-MESH-SIGNED", flags: []string{"Forged"},
			steps: []vectors.Step{{Op: "CreateAccount", Account: "a", Mutate: "unsigned-profile", ExpectStatus: refused4}}},
		{name: "profile-wrong-signer", comment: "the ProfileMesh is signed by a device key, not an OnlineSignatureKey", section: "2.6.8", req: "REQ-PROFILE-MESH-SIGNED", flags: []string{"Forged"},
			steps: []vectors.Step{{Op: "CreateAccount", Account: "a", Mutate: "profile-wrong-signer", ExpectStatus: refused4}}},
		{name: "profile-names-other-account", comment: "the signed profile names another account", section: "3.7.1", req: "REQ-WIRE-CREATE-PROFILE-ACCOUNT", flags: []string{"Forged"},
			steps: []vectors.Step{{Op: "CreateAccount", Account: "a", Mutate: "profile-names-other-account", ExpectStatus: refused4}}},
		{name: "unsigned-device", comment: "the administration device's catalog entry is unsigned", section: "7.1.5", req: "CTL-PROFILE-CATALOG-SIGNED", flags: []string{"Forged"},
			steps: []vectors.Step{{Op: "CreateAccount", Account: "a", Mutate: "unsigned-device", ExpectStatus: refused4}}},
	},
	"DeleteAccount": {
		{name: "valid", comment: "an authenticated delete removes the account", section: "3.8", req: "REQ-DELETE-KEEPS-PROFILE", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), {Op: "DeleteAccount", Account: "a", Auth: "self", ExpectStatus: ok201}, {Op: "Get", By: "account", Account: "a", ExpectStatus: notFound}}},
		{name: "keeps-profile", comment: "the profile survives the account", section: "3.8", req: "REQ-DELETE-KEEPS-PROFILE", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), {Op: "DeleteAccount", Account: "a", Auth: "self", ExpectStatus: ok201}, {Op: "Get", By: "master", Account: "a", ExpectStatus: ok201, MinEntries: 1}}},
		{name: "unauthenticated", comment: "a delete without authentication", section: "7.1.1.2", req: "REQ-AUTH-STATE-CHANGING", flags: []string{"Unauthenticated"},
			steps: []vectors.Step{create("a"), {Op: "DeleteAccount", Account: "a", ExpectStatus: unauth}}},
		{name: "other-account", comment: "a delete authenticated by another account's device", section: "7.2.1", req: "CTL-INGRESS-ACCESS-CONTROL", flags: []string{"CrossAccount"},
			steps: []vectors.Step{create("a"), create("b"), {Op: "DeleteAccount", Account: "b", Auth: "other:a", ExpectStatus: unauth}}},
		{name: "replayed", comment: "the same authenticated delete sent twice", section: "7.1.1.2", req: "REQ-AUTH-REPLAY", flags: []string{"Replay"},
			steps: []vectors.Step{create("a"), {Op: "DeleteAccount", Account: "a", Auth: "self", Mutate: "replay", ExpectStatus: unauth}}},
	},
	"Get": {
		{name: "by-account", comment: "the account's profile", section: "3.9", req: "REQ-CREATE-BEFORE-PUBLISH", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), {Op: "Get", By: "account", Account: "a", ExpectStatus: ok201, MinEntries: 1}}},
		{name: "by-master", comment: "the master profile by its fingerprint", section: "3.9", req: "REQ-PROFILE-NAMES-FINGERPRINTS", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), {Op: "Get", By: "master", Account: "a", ExpectStatus: ok201, MinEntries: 1}}},
		{name: "by-names", comment: "a KeyValue on Names", section: "2.6.1", req: "REQ-PROFILE-NAMES-FINGERPRINTS", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), {Op: "Get", By: "names", Account: "a", ExpectStatus: ok201, MinEntries: 1}}},
		{name: "unknown-account", comment: "an account never created", section: "3.9", req: "REQ-ENUMERATION-404", flags: []string{"Unknown"},
			steps: []vectors.Step{{Op: "Get", By: "account", Account: "a", ExpectStatus: notFound}}},
		{name: "names-nothing", comment: "a Get naming nothing lists nothing", section: "2.6.1", req: "REQ-ENUMERATION-NO-WILDCARD", flags: []string{"Enumeration"},
			steps: []vectors.Step{create("a"), {Op: "Get", By: "nothing", Multiple: true, ExpectStatus: refused4}}},
		{name: "max-entries", comment: "MaxEntries 2 of four entries", section: "3.4.2", req: "REQ-ENUMERATION-NO-WILDCARD", flags: []string{"Paging"},
			steps: []vectors.Step{create("a"),
				{Op: "Publish", Account: "a", Device: "d1", Auth: "self", ExpectStatus: ok201},
				{Op: "Publish", Account: "a", Device: "d2", Auth: "self", ExpectStatus: ok201},
				{Op: "Publish", Account: "a", Device: "d3", Auth: "self", ExpectStatus: ok201},
				{Op: "Get", By: "account", Account: "a", Multiple: true, MaxEntries: 2, ExpectStatus: ok201, MinEntries: 1, MaxEntriesReturned: two()}}},
	},
	"Publish": {
		{name: "device-profile", comment: "a self-signed device profile, then found by its fingerprint", section: "3.10", req: "REQ-PUBLISH-SIGNED-ENTRY", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), {Op: "Publish", Account: "a", Device: "d1", Auth: "self", ExpectStatus: ok201}, {Op: "Get", By: "device", Device: "d1", ExpectStatus: ok201, MinEntries: 1}}},
		{name: "without-account", comment: "publishing to an account never created", section: "3.7", req: "REQ-CREATE-BEFORE-PUBLISH", flags: []string{"Unknown"},
			steps: []vectors.Step{{Op: "Publish", Account: "a", Device: "d1", Auth: "self", ExpectStatus: refused4}}},
		{name: "unauthenticated", comment: "a Publish without authentication", section: "7.1.1.2", req: "CTL-MESSAGE-ACCESS-CONTROL", flags: []string{"Unauthenticated"},
			steps: []vectors.Step{create("a"), {Op: "Publish", Account: "a", Device: "d1", ExpectStatus: unauth}}},
		{name: "unsigned-entry", comment: "the entry carries no signature", section: "3.10.1", req: "REQ-PUBLISH-SIGNED-ENTRY", flags: []string{"Forged"},
			steps: []vectors.Step{create("a"), {Op: "Publish", Account: "a", Device: "d1", Auth: "self", Mutate: "unsigned-entry", ExpectStatus: refused4}}},
		{name: "device-wrong-signer", comment: "a device profile signed by another device's key", section: "2.6.6", req: "REQ-PROFILE-DEVICE-SIGNED", flags: []string{"Forged"},
			steps: []vectors.Step{create("a"), {Op: "Publish", Account: "a", Device: "d1", Auth: "self", Mutate: "device-wrong-signer", ExpectStatus: refused4}}},
		{name: "stale-authentication", comment: "authentication dated an hour ago", section: "7.1.1.2", req: "REQ-AUTH-REPLAY", flags: []string{"Replay"},
			steps: []vectors.Step{create("a"), {Op: "Publish", Account: "a", Device: "d1", Auth: "self", Mutate: "stale-auth", ExpectStatus: unauth}}},
	},
	"Status": {
		{name: "basic", comment: "Status answers (or is unimplemented, as the draft allows)", section: "3.11", req: "REQ-UNIMPLEMENTED-501", flags: []string{"Valid"},
			steps: []vectors.Step{{Op: "Status", ExpectStatus: orMissing}}},
		{name: "foreign-portal", comment: "a Status whose Portal field names another portal", section: "3.1.1", req: "REQ-HTTP-HOST", flags: []string{"ForeignPortal"},
			steps: []vectors.Step{{Op: "Status", Mutate: "foreign-portal", ExpectStatus: []int{400, 501}}}},
	},
	"ConnectStart": {
		{name: "valid", comment: "a signed connection request, then pending", section: "3.12", req: "REQ-CONNECT-REQUEST-SIGNED", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), start("a", "d1"), {Op: "ConnectStatus", Account: "a", Device: "d1", ExpectStatus: pending}}},
		{name: "unsigned-request", comment: "the connection request carries no signature", section: "3.12.1", req: "REQ-CONNECT-REQUEST-SIGNED", flags: []string{"Forged"},
			steps: []vectors.Step{create("a"), {Op: "ConnectStart", Account: "a", Device: "d1", Mutate: "unsigned-request", ExpectStatus: refused4}}},
		{name: "request-wrong-signer", comment: "the connection request is signed by another device", section: "3.12.1", req: "REQ-CONNECT-REQUEST-SIGNED", flags: []string{"Forged"},
			steps: []vectors.Step{create("a"), {Op: "ConnectStart", Account: "a", Device: "d1", Mutate: "request-wrong-signer", ExpectStatus: refused4}}},
		{name: "unknown-account", comment: "a connection request to an account never created", section: "3.12", req: "REQ-ENUMERATION-404", flags: []string{"Unknown"},
			steps: []vectors.Step{{Op: "ConnectStart", Account: "a", Device: "d1", ExpectStatus: refused4}}},
	},
	"ConnectStatus": {
		{name: "pending", comment: "a device whose request awaits the administrator", section: "3.13", req: "REQ-CONNECT-REQUEST-SIGNED", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), start("a", "d1"), {Op: "ConnectStatus", Account: "a", Device: "d1", ExpectStatus: pending}}},
		{name: "unknown-device", comment: "a device that never asked", section: "3.13", req: "REQ-ENUMERATION-404", flags: []string{"Unknown"},
			steps: []vectors.Step{create("a"), {Op: "ConnectStatus", Account: "a", Device: "d1", ExpectStatus: notFound}}},
	},
	"ConnectPending": {
		{name: "valid", comment: "the administration device lists a pending request", section: "3.14", req: "REQ-AUTH-STATE-CHANGING", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), start("a", "d1"), {Op: "ConnectPending", Account: "a", Auth: "self", ExpectStatus: ok201, MinEntries: 1}}},
		{name: "unauthenticated", comment: "ConnectPending without authentication", section: "7.1.1.2", req: "REQ-AUTH-STATE-CHANGING", flags: []string{"Unauthenticated"},
			steps: []vectors.Step{create("a"), start("a", "d1"), {Op: "ConnectPending", Account: "a", ExpectStatus: unauth}}},
	},
	"ConnectComplete": {
		{name: "accept", comment: "an accepted device receives its result and can authenticate", section: "3.15", req: "REQ-CONNECT-RESULT-SIGNED", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), start("a", "d1"),
				{Op: "ConnectComplete", Account: "a", Device: "d1", Decision: "accept", Auth: "self", ExpectStatus: ok201},
				{Op: "ConnectStatus", Account: "a", Device: "d1", ExpectStatus: ok201},
				{Op: "ConnectPending", Account: "a", Device: "d1", Auth: "device", ExpectStatus: ok201}}},
		{name: "refuse", comment: "a refused device receives the refusal", section: "3.15", req: "REQ-CONNECT-RESULT-SIGNED", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), start("a", "d1"),
				{Op: "ConnectComplete", Account: "a", Device: "d1", Decision: "refuse", Auth: "self", ExpectStatus: ok201},
				{Op: "ConnectStatus", Account: "a", Device: "d1", ExpectStatus: ok201}}},
		{name: "unsigned-result", comment: "the result carries no signature", section: "3.15.1", req: "REQ-CONNECT-RESULT-SIGNED", flags: []string{"Forged"},
			steps: []vectors.Step{create("a"), start("a", "d1"), {Op: "ConnectComplete", Account: "a", Device: "d1", Decision: "accept", Auth: "self", Mutate: "unsigned-result", ExpectStatus: conflict}}},
		{name: "self-signed-result", comment: "the result is signed by the requesting device, not an administration key", section: "3.15.1", req: "REQ-CONNECT-RESULT-ADMIN-KEY", flags: []string{"Forged"},
			steps: []vectors.Step{create("a"), start("a", "d1"), {Op: "ConnectComplete", Account: "a", Device: "d1", Decision: "accept", Auth: "self", Mutate: "result-self-signed", ExpectStatus: conflict}}},
		{name: "unauthenticated", comment: "ConnectComplete without authentication", section: "7.1.1.2", req: "REQ-AUTH-STATE-CHANGING", flags: []string{"Unauthenticated"},
			steps: []vectors.Step{create("a"), start("a", "d1"), {Op: "ConnectComplete", Account: "a", Device: "d1", Decision: "accept", ExpectStatus: unauth}}},
	},
	"Transfer": {
		{name: "unauthenticated", comment: "Transfer without authorisation", section: "3.16", req: "REQ-TRANSFER-AUTHORIZED", flags: []string{"Unauthenticated"},
			steps: []vectors.Step{{Op: "Transfer", ExpectStatus: []int{401, 501}}}},
		{name: "own-account", comment: "an account's device gets its own log records", section: "3.16", req: "REQ-TRANSFER-AUTHORIZED", flags: []string{"Valid"},
			steps: []vectors.Step{create("a"), {Op: "Transfer", Account: "a", Auth: "self", ExpectStatus: orMissing}}},
	},
}

var transactionNotes = map[string]vectors.Note{
	"Valid":           {BugType: "BASIC", Description: "A conforming exchange: the portal accepts every step."},
	"NamingRule":      {BugType: "DEFINED", Description: "The account naming rule of NOTE-ACCOUNT-NAMES."},
	"Duplicate":       {BugType: "EDGE_CASE", Description: "A request repeated: NOTE-IDEMPOTENT says what the second answer is."},
	"Forged":          {BugType: "MISSING_STEP", Description: "Signed material that is unsigned, signed by the wrong key, or names another account.", Effect: "A portal that skips verification stores forged profiles or authorises devices nobody approved."},
	"Unauthenticated": {BugType: "MISSING_STEP", Description: "A request NOTE-AUTH requires to be authenticated, sent without authentication.", Effect: "Anyone can change the account or read its private state."},
	"CrossAccount":    {BugType: "WRONG_KEY", Description: "Authenticated by a device of another account."},
	"Replay":          {BugType: "MISSING_STEP", Description: "An authenticated request replayed, or dated outside the window (NOTE-AUTH)."},
	"Unknown":         {BugType: "EDGE_CASE", Description: "An account or device that does not exist."},
	"Enumeration":     {BugType: "CAN_OF_WORMS", Description: "A request that names nothing (NOTE-ENUMERATION)."},
	"Paging":          {BugType: "EDGE_CASE", Description: "SearchConstraints bounds on a Get (3.4.2)."},
	"ForeignPortal":   {BugType: "MODIFIED_PARAMETER", Description: "The request's Portal field names another portal (3.1.1, NOTE-HTTP-BINDING)."},
}

// transactionFiles writes one file per transaction.
func transactionFiles() ([]file, error) {
	s, err := spec.Load()
	if err != nil {
		return nil, err
	}
	var out []file
	for _, tx := range s.Schema.Transactions {
		cases := transactionCases[tx.Name]
		g := vectors.Group[vectors.TransactionTest]{Type: "TransactionScript", Source: source}
		for _, c := range cases {
			result := vectors.Valid
			if refuses(stepUnderTest(tx.Name, c.steps)) {
				result = vectors.Invalid
			}
			g.Tests = append(g.Tests, vectors.TransactionTest{Test: vectors.Test{TcID: tx.Name + "/" + c.name, Comment: c.comment, Flags: c.flags, Result: result, Section: c.section, Requirement: c.req, NoteID: c.note}, Steps: c.steps})
		}
		f := vectors.File[vectors.Group[vectors.TransactionTest]]{Header: header("transaction_schema.json", "transactions-"+strings.ToLower(tx.Name),
			"Scripts for the "+tx.Name+" transaction (draft "+tx.Section+"), run against a live portal by `meshconform vectors run --portal URL`.",
			"Each step is built with fresh keys, signatures and authentication by the runner; placeholders (\"a\", \"d1\") bind to accounts and devices unique to the run.",
			"Mutations: unsigned-profile, profile-wrong-signer, profile-names-other-account, unsigned-device, unsigned-entry, device-wrong-signer, unsigned-request, request-wrong-signer, unsigned-result, result-self-signed, stale-auth, replay (the step is sent twice; the second answer is judged).")}
		f.TestGroups = []vectors.Group[vectors.TransactionTest]{g}
		for _, t := range g.Tests {
			f.NumberOfTests++
			for _, fl := range t.Flags {
				f.Notes[fl] = transactionNotes[fl]
			}
		}
		out = append(out, file{"transactions-" + strings.ToLower(tx.Name) + ".json", f})
	}
	return out, nil
}

// refuses says whether a step expects the portal to refuse what it sends: a 4xx Status, or a
// ValidateResponse with Valid false.
func refuses(st vectors.Step) bool {
	return st.ExpectStatus[0] >= 400 || st.ExpectFields["Valid"] == false
}

// stepUnderTest is the last step of the script's own transaction: what the test's result is
// about (later steps only observe its effect).
func stepUnderTest(tx string, steps []vectors.Step) vectors.Step {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].Op == tx {
			return steps[i]
		}
	}
	return steps[len(steps)-1]
}
