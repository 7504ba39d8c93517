package conformance

import (
	"context"
	"fmt"
	"strings"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/mesh"
)

// accountChecks verify ValidateAccount, CreateAccount and DeleteAccount (draft 3.6-3.8).
func accountChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "validate.valid", Requirement: "REQ-VALIDATE-VALID", Category: harness.Deviation,
			Title: "ValidateAccount says Valid true for an acceptable free name",
			Doc: "\"If true, the specified account identifier is acceptable.\" Validates a short lower-case name " +
				"made of letters and digits, which every naming rule accepts, and expects Valid true. One request.",
			Accepts: "A ValidateResponse with payload Status 2xx and Valid true for a plain letters-and-digits name (draft 3.6.2, NOTE-ACCOUNT-NAMES); any Reason, Minimum or Maximum.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.ValidateRequest{Account: s.account("ok")}, nil)
				s.ok("ValidateAccount", r, "validating a plain name failed")
				if v := r.resp.(*mesh.ValidateResponse); v.Valid == nil || !*v.Valid {
					t.Fail(harness.Finding{Message: "a plain letters-and-digits name is not Valid", Expected: true, Observed: v.Valid})
				}
			},
		},
		{
			ID: "validate.invalid", Requirement: "REQ-VALIDATE-VALID", Category: harness.Deviation,
			Title: "ValidateAccount says Valid false for an unacceptable name",
			Doc: "\"If false, the account identifier is rejected.\" Validates a name full of characters no account " +
				"rule allows (spaces, braces, a colon) and expects Valid false; a missing Reason (\"Reason: String " +
				"(Optional)\") is noted as information. Example failure: Valid true, or Status 500. One request.",
			Accepts: "A ValidateResponse with Valid false (draft 3.6.2: \"If false, the account identifier is rejected\"), with or without a Reason (\"Reason: String (Optional)\": a missing one is information).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				name := s.t.Name("x") + " {bad}:name@" + env.Domain
				r := s.do(&mesh.ValidateRequest{Account: name}, nil)
				s.answered("ValidateAccount", r)
				v := r.resp.(*mesh.ValidateResponse)
				if v.Valid == nil || *v.Valid {
					t.Fail(harness.Finding{Message: "a name with spaces, braces and a colon is not rejected", Expected: false, Observed: v.Valid})
				}
				if v.Reason == "" { // 3.6.2: "Reason: String (Optional)"
					t.Info("the rejection gives no Reason (the draft makes it optional)")
				}
			},
		},
		{
			ID: "validate.invalid-characters", Requirement: "REQ-VALIDATE-INVALID-CHARACTERS", Category: harness.Deviation,
			Title: "InvalidCharacters includes every illegal character of the proposed name",
			Doc: "3.6.2: the list \"SHOULD include any illegal characters in the proposed account name\". Validates " +
				"a name containing ' ', '{', '}' and ':' and checks each of them is in InvalidCharacters. Example " +
				"failure: InvalidCharacters \" \" without the braces. One request.",
			Accepts: "InvalidCharacters containing each of the space, {, } and : in any order, with any others (draft 3.6.2: \"MAY not be exhaustive but SHOULD include any illegal characters in the proposed account name\"); a missing one warns.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				name := s.t.Name("x") + " {bad}:name@" + env.Domain
				r := s.do(&mesh.ValidateRequest{Account: name}, nil)
				s.answered("ValidateAccount", r)
				v := r.resp.(*mesh.ValidateResponse)
				var missing []string
				for _, c := range []string{" ", "{", "}", ":"} {
					if !strings.Contains(v.InvalidCharacters, c) {
						missing = append(missing, fmt.Sprintf("%q", c))
					}
				}
				if len(missing) > 0 {
					t.Fail(harness.Finding{Message: "InvalidCharacters lacks illegal characters of the name: " + strings.Join(missing, " "), Expected: " {}:", Observed: v.InvalidCharacters})
				}
			},
		},
		{
			ID: "validate.length-bounds", Requirement: "REQ-WIRE-ACCOUNT-CONSISTENT", Category: harness.Deviation,
			Title: "Minimum and Maximum agree with what Validate accepts",
			Doc: "When ValidateResponse states Maximum, a local part of exactly Maximum characters must be Valid " +
				"and one of Maximum+1 must not (NOTE-ACCOUNT-NAMES). Skipped when the portal states no Maximum. " +
				"Three requests.",
			Accepts: "Valid true for a local part of Maximum characters and anything but Valid true for Maximum+1 (NOTE-ACCOUNT-NAMES); skipped when no usable Maximum is stated.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.ValidateRequest{Account: s.account("b")}, nil)
				s.answered("ValidateAccount", r)
				v := r.resp.(*mesh.ValidateResponse)
				if v.Maximum == nil || *v.Maximum < 1 || *v.Maximum > 1024 {
					t.Skip("the portal states no usable Maximum")
				}
				max := int(*v.Maximum)
				local := func(n int) string {
					p := s.t.Name("")
					if len(p) >= n {
						return p[:n]
					}
					return p + strings.Repeat("a", n-len(p))
				}
				at := s.do(&mesh.ValidateRequest{Account: local(max) + "@" + env.Domain}, nil)
				s.answered("ValidateAccount", at)
				if a := at.resp.(*mesh.ValidateResponse); a.Valid == nil || !*a.Valid {
					t.Fail(harness.Finding{Message: fmt.Sprintf("a local part of exactly Maximum=%d characters is not Valid", max), Expected: true, Observed: a.Valid})
				}
				over := s.do(&mesh.ValidateRequest{Account: local(max+1) + "@" + env.Domain}, nil)
				s.answered("ValidateAccount", over)
				if o := over.resp.(*mesh.ValidateResponse); o.Valid != nil && *o.Valid {
					t.Fail(harness.Finding{Message: fmt.Sprintf("a local part of Maximum+1=%d characters is Valid", max+1), Expected: false, Observed: true})
				}
			},
		},
		{
			ID: "validate.create-consistent", Requirement: "REQ-WIRE-ACCOUNT-CONSISTENT", Category: harness.Deviation,
			Title: "Validate, Create, Get and Delete apply the same name rule, case included",
			Doc: "NOTE-ACCOUNT-NAMES: one comparison rule everywhere. Creates an account in lower case, then checks " +
				"that ValidateAccount of its upper-case spelling is not Valid (the name is taken), that CreateAccount " +
				"of that spelling is refused, and that Get of that spelling finds the account. Example failure: Create " +
				"accepts \"ALICE@...\" beside \"alice@...\". Four requests.",
			Accepts: "Get of the upper-case spelling finds the account (Status 2xx) and CreateAccount of it gets any 4xx (NOTE-ACCOUNT-NAMES: one case-insensitive rule); Validate may call that spelling Valid or not (draft 3.6.2: Valid \"does not guarantee creation of the account\"), which is information.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("case")
				upper := strings.ToUpper(strings.TrimSuffix(a.Name, "@"+env.Domain)) + "@" + env.Domain
				g := s.getAccount(upper)
				s.ok("Get", g, "Get of the account's upper-case spelling does not find it")
				v := s.do(&mesh.ValidateRequest{Account: upper}, nil)
				s.answered("ValidateAccount", v)
				if vr := v.resp.(*mesh.ValidateResponse); vr.Valid != nil && *vr.Valid {
					t.Info("Validate reports the upper-case spelling of an existing account as Valid (the draft lets Validate be looser than Create)")
				}
				b := s.newAccount("case")
				b.Name = upper
				req, err := b.CreateRequest()
				if err != nil {
					s.harnessFault("%v", err)
				}
				s.refused("CreateAccount", s.do(req, nil), "the upper-case spelling of an existing account was created again")
			},
		},
		{
			ID: "validate.foreign-domain", Requirement: "REQ-ACCOUNT-FOREIGN-DOMAIN", Category: harness.Deviation,
			Title: "A name in another portal's domain is not Valid",
			Doc: "An account is local@portal-domain (NOTE-ACCOUNT-NAMES); a portal cannot host accounts of " +
				"another domain. Validates name@other-portal.invalid and expects Valid false. One request.",
			Accepts: "Anything but Valid true: Valid false, or a refusal (NOTE-ACCOUNT-NAMES: \"A domain other than the portal's is refused\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.ValidateRequest{Account: s.t.Name("f") + "@other-portal.invalid"}, nil)
				s.answered("ValidateAccount", r)
				if v := r.resp.(*mesh.ValidateResponse); v.Valid != nil && *v.Valid {
					t.Fail(harness.Finding{Message: "an account in another portal's domain is Valid", Expected: false, Observed: true})
				}
			},
		},
		{
			ID: "create.basic", Requirement: "REQ-CREATE-BEFORE-PUBLISH", Category: harness.Deviation,
			Title: "CreateAccount with a valid signed profile succeeds and Get finds the profile",
			Doc: "Creates an account with a fresh master profile, administration device and ProfileMesh signed by " +
				"an OnlineSignatureKey (NOTE-CREATE-PROFILE), then Gets it by Account and verifies the returned " +
				"profile's signature chain and Account. Two requests.",
			Accepts: "Payload Status 2xx, then a profile from Get by Account that verifies (NOTE-CREATE-PROFILE).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("basic")
				if _, err := s.c.FetchProfile(ctx, a.Name); err != nil {
					t.Fail(harness.Finding{Message: "the created account's profile cannot be fetched and verified: " + err.Error()})
				}
			},
		},
		{
			ID: "create.duplicate", Requirement: "REQ-IDEMPOTENT-CREATE-409", Category: harness.Deviation,
			Title: "Creating an existing account again is refused with 409",
			Doc: "NOTE-IDEMPOTENT: \"repeating a Create of an existing account is refused 409\". Sends the same " +
				"CreateAccount twice and expects 409 the second time. Two requests.",
			Accepts: "Status 409 for the repeated CreateAccount and nothing else (NOTE-IDEMPOTENT: \"repeating a Create of an existing account is refused 409\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("dup")
				req := s.createRequest(a)
				s.ok("CreateAccount", s.do(req, nil), "the first create failed")
				s.refused("CreateAccount", s.do(req, nil), "the same account was created twice", 409)
			},
		},
		{
			ID: "create.profile-names-account", Requirement: "REQ-WIRE-CREATE-PROFILE-ACCOUNT", Category: harness.Control,
			Title: "A profile naming another account cannot create this one",
			Doc: "CreateRequest.Profile \"MUST name the account being created\". Sends a CreateAccount for one name " +
				"whose signed ProfileMesh names a different account, and expects a refusal; a portal that accepts it " +
				"lets one profile squat many names. One request.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("named")
				req := s.createRequest(a)
				req.Account = s.account("squatted")
				s.refused("CreateAccount", s.do(req, nil), "a profile naming another account created this one")
			},
		},
		{
			ID: "create.unsigned-profile", Requirement: "REQ-PROFILE-MESH-SIGNED", Category: harness.Control,
			Title: "An unsigned ProfileMesh is refused",
			Doc: "2.6.8: the ProfileMesh \"MUST be signed by an OnlineSignatureKey\". Sends a CreateAccount whose " +
				"Profile envelope has no signature and expects a refusal. One request.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES), then Status 404 for Get of the name (NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("unsigned")
				req := s.createRequest(a)
				req.Profile = dare.WithoutSignatures(req.Profile)
				s.refused("CreateAccount", s.do(req, nil), "an unsigned ProfileMesh was accepted")
				s.expect("Get", s.getAccount(a.Name), "the refused account exists", 404)
			},
		},
		{
			ID: "create.profile-wrong-signer", Requirement: "REQ-PROFILE-MESH-SIGNED", Category: harness.Control,
			Title: "A ProfileMesh signed by a key that is not an OnlineSignatureKey is refused",
			Doc: "Signs the account's ProfileMesh with the device's own key instead of an OnlineSignatureKey of " +
				"the master profile and expects CreateAccount to refuse it. One request.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("wrongsig")
				req := s.createRequest(a)
				pm, err := auth.Open(req.Profile)
				if err != nil {
					s.harnessFault("%v", err)
				}
				req.Profile, err = auth.SignStructure(pm, a.Device.DSK)
				if err != nil {
					s.harnessFault("%v", err)
				}
				s.refused("CreateAccount", s.do(req, nil), "a ProfileMesh signed by a non-OSK key was accepted")
			},
		},
		{
			ID: "create.master-not-self-signed", Requirement: "REQ-PROFILE-MASTER-SIGNED", Category: harness.Control,
			Title: "A master profile not signed by its MasterSignatureKey is refused",
			Doc: "2.6.5: \"This profile MUST be signed by\" its MasterSignatureKey (the sentence stops short in the " +
				"draft). Builds a ProfileMesh whose embedded ProfileMaster is signed by the OnlineSignatureKey instead " +
				"and expects CreateAccount to refuse it. One request.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("master")
				pmEnv, err := a.Master.ProfileMaster()
				if err != nil {
					s.harnessFault("%v", err)
				}
				forged := s.resign(pmEnv, a.Master.OSK)
				mesh := &mesh.ProfileMesh{Names: []string{a.Master.UDF()}, Account: a.Name, MasterProfile: forged}
				req := s.createRequest(a)
				signed, err := auth.SignStructure(mesh, a.Master.OSK)
				if err != nil {
					s.harnessFault("%v", err)
				}
				req.Profile = signed
				s.refused("CreateAccount", s.do(req, nil), "a master profile signed by the wrong key was accepted")
			},
		},
		{
			ID: "create.invalid-name", Requirement: "REQ-WIRE-ACCOUNT-CONSISTENT", Category: harness.Deviation,
			Title:   "CreateAccount refuses a name ValidateAccount rejects",
			Doc:     "Creates an account named with characters Validate rejects and expects a refusal. One request.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("x")
				a.Name = s.t.Name("x") + " {bad}@" + env.Domain
				req := s.createRequest(a)
				s.refused("CreateAccount", s.do(req, nil), "an account with an invalid name was created")
			},
		},
		{
			ID: "create.no-leak-after-failure", Requirement: "CTL-MESSAGE-ACCESS-CONTROL", Category: harness.Control,
			Title: "A refused CreateAccount leaves nothing behind",
			Doc: "After a CreateAccount refused for a forged device entry, neither the account nor its profile " +
				"may be retrievable by Account or Identifier: a failed create must not publish material. Three requests.",
			Accepts: "Any 4xx for the create, then Status 404 for Get by Account and by Identifier (NOTE-ENUMERATION: an unknown name answers 404).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("leak")
				req := s.createRequest(a)
				req.Device = dare.WithoutSignatures(req.Device)
				s.refused("CreateAccount", s.do(req, nil), "a create with an unsigned device entry was accepted")
				s.expect("Get", s.getAccount(a.Name), "the refused account is retrievable by Account", 404)
				s.expect("Get", s.do(&mesh.GetRequest{Identifier: a.Master.UDF()}, nil), "the refused account's master profile is retrievable by Identifier", 404)
			},
		},
		{
			ID: "delete.basic", Requirement: "REQ-DELETE-KEEPS-PROFILE", Category: harness.Deviation,
			Title: "DeleteAccount removes the account",
			Doc: "3.8: \"Deletes a portal account\". Creates an account, deletes it (authenticated by its " +
				"administration device) and expects Get by Account to answer 404. Three requests.",
			Accepts: "Payload Status 2xx for the authenticated delete, then Status 404 for Get by Account (NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("del")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed")
				s.expect("Get", s.getAccount(a.Name), "the deleted account is still found", 404)
			},
		},
		{
			ID: "delete.keeps-profile", Requirement: "REQ-DELETE-KEEPS-PROFILE", Category: harness.Deviation,
			Title: "DeleteAccount keeps the profile: Get by Identifier still finds it",
			Doc: "3.8: \"Deletes a portal account but not the underlying profile. Once registered, profiles are " +
				"permanent.\" After deleting an account, Get by the master profile's Identifier must still return it. " +
				"Three requests.",
			Accepts: "Payload Status 2xx and at least one entry for Get by Identifier after the delete (draft 3.8: \"Once registered, profiles are permanent\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("keep")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed")
				r := s.do(&mesh.GetRequest{Identifier: a.Master.UDF()}, nil)
				s.ok("Get", r, "the profile of a deleted account is gone")
				if len(r.resp.(*mesh.GetResponse).Entries) == 0 {
					t.Fail(harness.Finding{Message: "Get by Identifier after delete returned no entries"})
				}
			},
		},
		{
			ID: "delete.unauthenticated", Requirement: "REQ-AUTH-STATE-CHANGING", Category: harness.Control,
			Title: "DeleteAccount without authentication is refused with 401",
			Doc: "NOTE-AUTH: DeleteAccount must be authenticated by a device of the account. Sends it without an " +
				"Authorization header and expects 401, then checks the account still exists. Three requests.",
			Accepts: "Status 401 (NOTE-AUTH: \"Otherwise HTTP 401 and Status 401\"), then the account still found.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("unauth")
				s.refused("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, nil), "an unauthenticated delete was not refused", 401)
				s.ok("Get", s.getAccount(a.Name), "the account is gone after a refused delete")
			},
		},
		{
			ID: "delete.use-after-delete", Requirement: "CTL-MESSAGE-ACCESS-CONTROL", Category: harness.Control,
			Title: "A deleted account accepts no more writes",
			Doc: "After DeleteAccount, a Publish authenticated by the account's former device must be refused " +
				"(404 or 401): the account, and with it the device's authority, is gone. Three requests.",
			Accepts: "Any 4xx for the Publish, 401 or 404 being the usual ones (NOTE-AUTH, NOTE-ENUMERATION, NOTE-REFUSAL-CODES).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("uad")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed")
				d := s.newDevice()
				dp := s.deviceProfile(d)
				s.refused("Publish", s.publish(a, dp), "a deleted account accepted a Publish")
			},
		},
		{
			ID: "delete.enumeration", Requirement: "REQ-ENUMERATION-404", Category: harness.Control,
			Title: "A deleted account and a never-created one answer alike",
			Doc: "NOTE-ENUMERATION: \"an unknown name and a deleted account answer 404 identically\", so a probe " +
				"cannot tell which names ever existed. Compares Get of a deleted account with Get of a fresh name: " +
				"same Status, same StatusDescription. Four requests.",
			Accepts: "The same Status and StatusDescription for both Gets, whatever they are (NOTE-ENUMERATION: \"answer 404 identically\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("enum")
				s.ok("DeleteAccount", s.do(&mesh.DeleteRequest{Account: a.Name}, a.Auth()), "deleting the account failed")
				deleted := s.getAccount(a.Name)
				never := s.getAccount(s.account("never"))
				s.answered("Get", deleted)
				s.answered("Get", never)
				if deleted.status != never.status || deleted.resp.Description() != never.resp.Description() {
					t.Fail(harness.Finding{Message: "a deleted account can be told from a name that never existed",
						Expected: fmt.Sprintf("%d %s", never.status, never.resp.Description()), Observed: fmt.Sprintf("%d %s", deleted.status, deleted.resp.Description())})
				}
			},
		},
	}
}
