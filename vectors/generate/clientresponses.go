package generate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/vectors"
)

// clientResponseNotes explain the flags of client-responses.json.
var clientResponseNotes = map[string]vectors.Note{
	"Valid":          {BugType: "BASIC", Description: "A conforming answer: the client must complete the operation (exit 0)."},
	"Forged":         {BugType: "MISSING_STEP", Description: "Signed material that is unsigned, signed by a key the profile does not name, or names another account.", Effect: "A client that skips verification connects its device to an attacker's account or trusts an approval nobody gave."},
	"WrongWitness":   {BugType: "MISSING_STEP", Description: "A connection challenge whose witness the client cannot recompute (NOTE-WITNESS).", Effect: "A client that skips the witness cannot detect a portal that swapped the profile between Get and ConnectStart."},
	"PayloadStatus":  {BugType: "DEFINED", Description: "The payload Status is authoritative over the HTTP status (draft 3.2, NOTE-STATUS-CODES)."},
	"Untagged":       {BugType: "MALFORMED", Description: "A response without its class tag (NOTE-RESPONSE-TAG)."},
	"ExtraSignature": {BugType: "EDGE_CASE", Description: "A valid signature by a key the profile names, next to one by a key it does not: a client that requires one valid signature accepts, one that requires all refuses; neither risks anything the valid signature does not vouch for."},
	"UnknownMember":  {BugType: "DEFINED", Description: "A response member the schema does not define (NOTE-UNKNOWN-MEMBERS): ignoring it and refusing it both conform for a client."},
}

// clientSeed is a fixed 32-byte seed per label.
func clientSeed(label string) []byte {
	s := sha256.Sum256([]byte("meshconform client-responses " + label))
	return s[:]
}

// clientResponseFiles writes client-responses.json: answers the test portal serves a client
// binary (`meshconform vectors run --client BIN`).
func clientResponseFiles() ([]file, error) {
	const account = "alice"
	ms, ds := clientSeed("master"), clientSeed("device")
	m, err := client.NewMaster(keys.Ed448, ms)
	if err != nil {
		return nil, err
	}
	d, err := client.NewDevice(keys.Ed448, ds)
	if err != nil {
		return nil, err
	}
	atk, err := keys.Derive(keys.Ed448, clientSeed("attacker"), "attacker")
	if err != nil {
		return nil, err
	}
	a := &client.Account{Name: account, Master: m, Device: d}
	creq, err := a.CreateRequest()
	if err != nil {
		return nil, err
	}
	profile := creq.Profile
	om, err := client.NewMaster(keys.Ed448, clientSeed("other master"))
	if err != nil {
		return nil, err
	}
	otherProfile, err := om.ProfileMesh("mallory")
	if err != nil {
		return nil, err
	}
	// The master profile re-signed by the attacker inside a mesh profile the OSK signs: only
	// a client that verifies the chain down to the MasterSignatureKey sees it.
	v, err := auth.Open(profile)
	if err != nil {
		return nil, err
	}
	pm := *v.(*mesh.ProfileMesh)
	if pm.MasterProfile, err = dare.Resign(pm.MasterProfile, atk); err != nil {
		return nil, err
	}
	masterForged, err := auth.SignStructure(&pm, m.OSK)
	if err != nil {
		return nil, err
	}
	forged, err := dare.Resign(profile, atk)
	if err != nil {
		return nil, err
	}
	extra, err := dare.Resign(profile, m.OSK, atk)
	if err != nil {
		return nil, err
	}
	get := func(entries ...*mesh.DareMessage) (string, error) {
		r := &mesh.GetResponse{Status: mesh.Int(201), StatusDescription: "Operation completed successfully"}
		for _, e := range entries {
			r.Entries = append(r.Entries, *e)
		}
		b, err := mesh.EncodeResponse(r)
		return string(b), err
	}
	validate := func(status int32, desc string) (string, error) {
		b, err := mesh.EncodeResponse(&mesh.ValidateResponse{Status: mesh.Int(status), StatusDescription: desc, Valid: mesh.Bool(true)})
		return string(b), err
	}
	connect := []string{"connect", "request", "{account}"}
	someone := []string{"validate", "someone"}
	var tests []vectors.ClientResponseTest
	add := func(t vectors.ClientResponseTest, mk func() (string, error)) error {
		if mk != nil {
			s, err := mk()
			if err != nil {
				return fmt.Errorf("generate %s: %w", t.TcID, err)
			}
			t.Response = s
		}
		tests = append(tests, t)
		return nil
	}
	tc := func(id, comment, result, section, req, note string, flags ...string) vectors.Test {
		return vectors.Test{TcID: id, Comment: comment, Flags: flags, Result: result, Section: section, Requirement: req, NoteID: note}
	}
	for _, c := range []struct {
		t  vectors.ClientResponseTest
		mk func() (string, error)
	}{
		{vectors.ClientResponseTest{Test: tc("Client/Get/valid-profile", "the account's profile, signed as it was created: the client connects", vectors.Valid, "7.1.5", "CTL-PROFILE-VERIFY-CHAIN", "", "Valid"),
			Op: connect, Setup: "account", Tx: "Get"}, func() (string, error) { return get(profile) }},
		{vectors.ClientResponseTest{Test: tc("Client/Get/profile-forged-signer", "the ProfileMesh re-signed by a key that is no OnlineSignatureKey of the profile", vectors.Invalid, "7.1.5", "CTL-PROFILE-VERIFY-CHAIN", "", "Forged"),
			Op: connect, Setup: "account", Tx: "Get", Errors: []string{"forged"}}, func() (string, error) { return get(forged) }},
		{vectors.ClientResponseTest{Test: tc("Client/Get/profile-unsigned", "the ProfileMesh without signatures", vectors.Invalid, "2.6.8", "REQ-PROFILE-MESH-SIGNED", "", "Forged"),
			Op: connect, Setup: "account", Tx: "Get", Errors: []string{"forged"}}, func() (string, error) { return get(dare.WithoutSignatures(profile)) }},
		{vectors.ClientResponseTest{Test: tc("Client/Get/master-forged-signer", "the ProfileMesh signed by its OnlineSignatureKey, its MasterProfile re-signed by a key that is not the MasterSignatureKey", vectors.Invalid, "7.1.5", "CTL-PROFILE-VERIFY-CHAIN", "", "Forged"),
			Op: connect, Setup: "account", Tx: "Get", Errors: []string{"forged"}}, func() (string, error) { return get(masterForged) }},
		{vectors.ClientResponseTest{Test: tc("Client/Get/profile-other-account", "a validly signed profile of another account (mallory)", vectors.Invalid, "7.1.5", "CTL-PROFILE-VERIFY-CHAIN", "", "Forged"),
			Op: connect, Setup: "account", Tx: "Get", Errors: []string{"forged"}}, func() (string, error) { return get(otherProfile) }},
		{vectors.ClientResponseTest{Test: tc("Client/Get/extra-signature", "the profile signed by its OnlineSignatureKey and by a key it does not name", vectors.Acceptable, "7.1.5", "CTL-PROFILE-VERIFY-CHAIN", "", "ExtraSignature"),
			Op: connect, Setup: "account", Tx: "Get", Errors: []string{"forged"}}, func() (string, error) { return get(extra) }},
		{vectors.ClientResponseTest{Test: tc("Client/ConnectStart/wrong-witness", "the challenge's witness computed with the nonces swapped (built on the spot: it covers the client's own nonce and device key)", vectors.Invalid, "2.9.3", "REQ-WIRE-WITNESS", "", "WrongWitness"),
			Op: connect, Setup: "account", Tx: "ConnectStart", Fault: "wrong-witness", Errors: []string{"witness"}}, nil},
		{vectors.ClientResponseTest{Test: tc("Client/ConnectStatus/forged-result", "the approval re-signed by a key that is no administration key (built on the spot: it names the client's device)", vectors.Invalid, "3.15.1", "REQ-CONNECT-RESULT-SIGNED", "", "Forged"),
			Op: []string{"connect", "status"}, Setup: "connected", Tx: "ConnectStatus", Fault: "forged-result", Errors: []string{"forged"}}, nil},
		{vectors.ClientResponseTest{Test: tc("Client/ConnectStatus/unsigned-result", "the approval without signatures (built on the spot: it names the client's device)", vectors.Invalid, "3.13.2", "REQ-CONNECT-RESULT-ADMIN-KEY", "", "Forged"),
			Op: []string{"connect", "status"}, Setup: "connected", Tx: "ConnectStatus", Fault: "unsigned-result", Errors: []string{"forged"}}, nil},
		{vectors.ClientResponseTest{Test: tc("Client/ConnectStatus/pending", "Status 202: no result has been posted yet", vectors.Valid, "3.2", "REQ-STATUS-AUTHORITATIVE", "NOTE-STATUS-CODES", "Valid"),
			Op: []string{"connect", "status"}, Setup: "connected", Tx: "ConnectStatus"}, func() (string, error) {
			b, err := mesh.EncodeResponse(&mesh.ConnectStatusResponse{Status: mesh.Int(202), StatusDescription: "pending"})
			return string(b), err
		}},
		{vectors.ClientResponseTest{Test: tc("Client/ValidateAccount/valid", "Valid, under HTTP 200", vectors.Valid, "3.2", "REQ-STATUS-AUTHORITATIVE", "", "Valid"),
			Op: someone, Tx: "ValidateAccount"}, func() (string, error) { return validate(201, "Operation completed successfully") }},
		{vectors.ClientResponseTest{Test: tc("Client/ValidateAccount/success-under-http-500", "a successful payload under HTTP 500: the payload Status decides", vectors.Valid, "3.2", "REQ-STATUS-AUTHORITATIVE", "NOTE-STATUS-CODES", "PayloadStatus"),
			Op: someone, Tx: "ValidateAccount", HTTPStatus: 500}, func() (string, error) { return validate(201, "Operation completed successfully") }},
		{vectors.ClientResponseTest{Test: tc("Client/ValidateAccount/409-under-http-200", "payload Status 409 under HTTP 200", vectors.Invalid, "3.2", "REQ-STATUS-AUTHORITATIVE", "NOTE-STATUS-CODES", "PayloadStatus"),
			Op: someone, Tx: "ValidateAccount", Errors: []string{"status"}}, func() (string, error) { return validate(409, "refused") }},
		{vectors.ClientResponseTest{Test: tc("Client/ValidateAccount/503-under-http-200", "payload Status 503 (overload) under HTTP 200", vectors.Invalid, "3.2", "REQ-STATUS-AUTHORITATIVE", "NOTE-STATUS-CODES", "PayloadStatus"),
			Op: someone, Tx: "ValidateAccount", Errors: []string{"status"}}, func() (string, error) { return validate(503, "overloaded") }},
		{vectors.ClientResponseTest{Test: tc("Client/ValidateAccount/307-under-http-200", "payload Status 307 naming another URI: incomplete, not success", vectors.Invalid, "3.2", "REQ-STATUS-AUTHORITATIVE", "NOTE-STATUS-CODES", "PayloadStatus"),
			Op: someone, Tx: "ValidateAccount", Errors: []string{"status"}}, func() (string, error) { return validate(307, "http://elsewhere.invalid/.well-known/mmm/") }},
		{vectors.ClientResponseTest{Test: tc("Client/ValidateAccount/untagged", "the ValidateResponse object without its class tag", vectors.Invalid, "3.2", "REQ-WIRE-RESPONSE-TAG", "", "Untagged"),
			Op: someone, Tx: "ValidateAccount", Errors: []string{"protocol"}}, func() (string, error) {
			b, err := mesh.MarshalBare(&mesh.ValidateResponse{Status: mesh.Int(201), StatusDescription: "Operation completed successfully", Valid: mesh.Bool(true)})
			return string(b), err
		}},
		{vectors.ClientResponseTest{Test: tc("Client/ValidateAccount/unknown-member", "a member the schema does not define next to Valid", vectors.Acceptable, "3.2", "REQ-WIRE-LIMITS", "NOTE-UNKNOWN-MEMBERS", "UnknownMember"),
			Op: someone, Tx: "ValidateAccount", Errors: []string{"protocol"}}, func() (string, error) {
			return `{"ValidateResponse":{"Status":201,"StatusDescription":"Operation completed successfully","Valid":true,"MeshconformExtension":{"Depth":1}}}`, nil
		}},
	} {
		if err := add(c.t, c.mk); err != nil {
			return nil, err
		}
	}
	g := vectors.ClientResponseGroup{Type: "ClientResponse", Source: source, Account: account,
		MasterSeed: hex.EncodeToString(ms), DeviceSeed: hex.EncodeToString(ds), Tests: tests}
	f := vectors.File[vectors.ClientResponseGroup]{Header: header("client_response_schema.json", "client-responses",
		"Answers a test portal serves a client binary, run by `meshconform vectors run --client BIN` (docs/SHIM.md).",
		"The portal holds the group's account, its keys derived from masterSeed and deviceSeed (reference/client NewMaster, NewDevice, Ed448); the client runs op (\"{account}\" is the account) and the portal answers tx with response verbatim under httpStatus (default 200), or with fault applied to its correct answer where the answer covers what the client generates on the spot; every other request gets the correct answer.",
		"Setup: account (the portal holds the account), connected (also: the client's `connect request` got correct answers and was approved).",
		"Verdict: valid, the client exits 0; invalid, exit 1 naming one of errors (docs/SHIM.md identifiers, where the client's configuration maps them); acceptable, exit 0 or 1. Never a crash or hang.")}
	f.TestGroups = []vectors.ClientResponseGroup{g}
	for _, t := range tests {
		f.NumberOfTests++
		for _, fl := range t.Flags {
			n, ok := clientResponseNotes[fl]
			if !ok {
				return nil, fmt.Errorf("generate: flag without a note: %s", fl)
			}
			f.Notes[fl] = n
		}
	}
	return []file{{"client-responses.json", f}}, nil
}
