package conformance

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
)

// noteChecks verify interpretation notes whose rules no other check exercised: a key's UDF
// must name its key (NOTE-PUBLIC-KEY-UDF), KeyValues match Names exactly (NOTE-GET-KEYVALUES),
// and the signed host has one form (NOTE-HOST-PORT).
func noteChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "create.public-key-udf", Requirement: "REQ-PUBLIC-KEY-UDF", Category: harness.Control,
			Title: "A ProfileMaster whose key UDF names another key is refused; other presentations of it are not",
			Doc: "NOTE-PUBLIC-KEY-UDF: \"A PublicKey whose UDF names another key is invalid, and so is the profile ... " +
				"carrying it: a portal refuses it\"; the UDF is compared \"case and dashes ignored, a shorter " +
				"presentation matching as a prefix\", and \"An absent UDF is computed from the key\". Sends four " +
				"CreateAccount requests, each correctly signed, whose ProfileMaster's MasterSignatureKey.UDF is: the " +
				"fingerprint of the profile's OnlineSignatureKey (refused, and no account left behind); the key's own " +
				"UDF cut to 100 bits; in lower case without dashes; absent (each created and found). Example failure: " +
				"a portal that reads the key and never its UDF, so a profile claims one identity and signs with " +
				"another. Eight requests.",
			Accepts: "Any 4xx for the CreateAccount whose UDF names another key (NOTE-PUBLIC-KEY-UDF, NOTE-REFUSAL-CODES), then Status 404 for Get of its name (NOTE-ENUMERATION); payload Status 2xx for the CreateAccounts whose UDF is a 100-bit prefix, lower case without dashes, or absent, and for Get of each name (NOTE-PUBLIC-KEY-UDF: \"compared as UDFs (case and dashes ignored, a shorter presentation matching as a prefix)\", \"An absent UDF is computed from the key\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.createVariants("keyudf", []createVariant{
					{"the UDF of its OnlineSignatureKey", func(a *client.Account, req *mesh.CreateRequest) {
						s.setMasterKeyUDF(a, req, a.Master.OSK.Fingerprint())
					}},
				}, func(what string, a *client.Account, r reply) {
					s.refused("CreateAccount", r, "an account was created whose MasterSignatureKey.UDF is "+what)
					s.expect("Get", s.getAccount(a.Name), "an account refused for a MasterSignatureKey.UDF naming another key exists", 404)
				})
				s.createVariants("keyudfok", []createVariant{
					{"its own UDF cut to 100 bits", func(a *client.Account, req *mesh.CreateRequest) {
						s.setMasterKeyUDF(a, req, a.Master.UDF()[:24]) // 20 characters and 4 dashes
					}},
					{"its own UDF in lower case without dashes", func(a *client.Account, req *mesh.CreateRequest) {
						s.setMasterKeyUDF(a, req, looseUDF(a.Master.UDF()))
					}},
					{"absent", func(a *client.Account, req *mesh.CreateRequest) {
						s.setMasterKeyUDF(a, req, "")
					}},
				}, func(what string, a *client.Account, r reply) {
					s.ok("CreateAccount", r, "an account whose MasterSignatureKey.UDF is "+what+" was refused")
					s.ok("Get", s.getAccount(a.Name), "the account whose MasterSignatureKey.UDF is "+what+" is not found")
				})
			},
		},
		{
			ID: "get.keyvalues-exact", Requirement: "REQ-GET-KEYVALUES-EXACT", Category: harness.Deviation,
			Title: "Get by KeyValues Names matches a UDF exactly, case and dashes ignored, never a prefix",
			Doc: "NOTE-GET-KEYVALUES: a Names value is \"matched against every UDF listed in the Names of stored " +
				"entries, exactly once case and dashes are ignored (no prefix match)\", and \"Nothing matched answers " +
				"404\". Creates an account and Gets with KeyValues [{Key: Names, Value: <master UDF>}], then the same " +
				"UDF in lower case without dashes (each must find the account's profile), then the UDF cut to 100 " +
				"bits (404). Example failure: the prefix is matched as an Identifier is, which makes KeyValues a " +
				"search over every fingerprint. Four requests, more when the answers are paged.",
			Accepts: "Payload Status 2xx for the first two Gets, whose entries, on any number of pages (draft 3.9.2), include the ProfileMesh or the ProfileMaster the account was created with (NOTE-GET-KEYVALUES: ProfileMaster and ProfileMesh list the master UDF); Status 404 for the prefix (NOTE-GET-KEYVALUES: \"no prefix match\", \"Nothing matched answers 404\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("kv")
				req := s.createRequest(a)
				s.ok("CreateAccount", s.do(req, nil), "creating a fresh account with a valid signed profile failed (precondition)")
				master := s.masterProfile(req)
				byNames := func(v string) *mesh.GetRequest {
					return &mesh.GetRequest{KeyValues: []mesh.KeyValue{{Key: "Names", Value: v}}}
				}
				for _, v := range []struct{ what, value string }{
					{"the master UDF", a.Master.UDF()},
					{"the master UDF in lower case without dashes", looseUDF(a.Master.UDF())},
				} {
					r, entries := s.getEntries(byNames(v.value), "Get by KeyValues Names of "+v.what+" failed")
					if !containsEnvelope(entries, req.Profile) && !containsEnvelope(entries, master) {
						t.Fail(harness.Finding{Message: "Get by KeyValues Names of " + v.what + " does not return the account's profile",
							Expected: "the ProfileMesh or ProfileMaster created", Observed: excerpt(r.ex)})
					}
				}
				s.expect("Get", s.do(byNames(a.Master.UDF()[:24]), nil), "a KeyValues Names value that is only a prefix of the master UDF matched", 404)
			},
		},
		{
			ID: "auth.signed-host-form", Requirement: "REQ-AUTH-SIGNED-HOST", Category: harness.Control,
			Title: "The signed host is the portal's name alone, whatever the Host header carries",
			Doc: "NOTE-HOST-PORT: \"The signed host is the portal's DNS name alone: no port, no trailing dot, lower " +
				"case\", and \"a request signed ... with the port in the signed host does not verify (401)\", while " +
				"the Host header may carry the port, any case and a trailing dot. Sends an authenticated " +
				"ConnectPending signed for the portal's name with Host name:port, NAME in upper case and name. " +
				"(each accepted), then signed for name:port, NAME and name. with the Host header the same as the " +
				"signed host (each refused 401). Variants the name cannot show are left out: upper case for a name " +
				"without letters, the trailing dot for an IP address. Example failure: a portal that verifies the " +
				"signature against its Host header, so what a client must sign depends on its HTTP stack. Seven " +
				"requests.",
			Accepts: "Payload Status 2xx (a tagged answer without Status is 201, WIRE.md 3) for the requests signed for the portal's name whatever the Host header's port, case or trailing dot (NOTE-HOST-PORT: \"a portal ignores the port and compares the name case-insensitively, a trailing dot ignored\"); payload Status 401, tagged or bare, for the requests whose signed host carries the port, upper case or a trailing dot (NOTE-HOST-PORT: \"The signed host is the portal's DNS name alone: no port, no trailing dot, lower case\", \"does not verify (401)\"; NOTE-AUTH); the HTTP status is not judged.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("hostform")
				body := mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name})
				for _, v := range s.hostForms() {
					s.expectAuth(body, s.signedFor(a, body, s.env.Domain, v.host),
						"a request signed for the portal's name with Host "+v.what)
				}
				for _, v := range s.hostForms() {
					s.expectAuth(body, s.signedFor(a, body, v.host, v.host),
						"a request whose signed host is "+v.what+" (and its Host header the same)", 401)
				}
			},
		},
	}
}

// setMasterKeyUDF rebuilds the request's ProfileMaster with MasterSignatureKey.UDF set to
// udf ("" for none), signed again by the MasterSignatureKey, and the ProfileMesh around it
// signed again by the OnlineSignatureKey: only the UDF differs from a valid request.
func (s *session) setMasterKeyUDF(a *client.Account, req *mesh.CreateRequest, udf string) {
	s.rebuildMaster(a, req, func(env *mesh.DareMessage) *mesh.DareMessage {
		v, err := auth.Open(env)
		if err != nil {
			s.harnessFault("%v", err)
		}
		pm := *v.(*mesh.ProfileMaster)
		k := *pm.MasterSignatureKey
		k.UDF = udf
		pm.MasterSignatureKey = &k
		out, err := auth.SignStructure(&pm, a.Master.MSK)
		if err != nil {
			s.harnessFault("%v", err)
		}
		return out
	})
}

// masterProfile returns the signed ProfileMaster embedded in a CreateRequest's ProfileMesh.
func (s *session) masterProfile(req *mesh.CreateRequest) *mesh.DareMessage {
	v, err := auth.Open(req.Profile)
	if err != nil {
		s.harnessFault("%v", err)
	}
	return v.(*mesh.ProfileMesh).MasterProfile
}

// looseUDF is a UDF presentation in lower case without dashes: the same UDF once case and
// dashes are ignored (NOTE-UDF).
func looseUDF(u string) string { return strings.ToLower(strings.ReplaceAll(u, "-", "")) }

// hostForm is one spelling of the portal's name other than the signed form.
type hostForm struct{ what, host string }

// hostForms are the spellings of the portal's name NOTE-HOST-PORT lets a Host header carry but
// not a signed host: with the port of the target's URL (its scheme's default when it names
// none), in upper case, with a trailing dot. A form the name cannot show is left out.
func (s *session) hostForms() []hostForm {
	d := s.env.Domain
	port := "80"
	if u, err := url.Parse(s.t.URL()); err == nil {
		switch {
		case u.Port() != "":
			port = u.Port()
		case u.Scheme == "https":
			port = "443"
		}
	}
	forms := []hostForm{{"name:port", net.JoinHostPort(d, port)}}
	if up := strings.ToUpper(d); up != d {
		forms = append(forms, hostForm{"the name in upper case", up})
	}
	if net.ParseIP(d) == nil {
		forms = append(forms, hostForm{"the name with a trailing dot", d + "."})
	}
	return forms
}

// signedFor is an Authorization of a's device for body, dated now, signed for host, with the
// Host header set to hostHeader.
func (s *session) signedFor(a *client.Account, body []byte, host, hostHeader string) http.Header {
	v, err := auth.Sign(a.Device.DAK, host, a.Name, body, time.Now(), nil)
	if err != nil {
		s.harnessFault("%v", err)
	}
	return http.Header{"Authorization": {v}, "Host": {hostHeader}}
}
