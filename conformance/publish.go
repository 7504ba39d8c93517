package conformance

import (
	"context"
	"fmt"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/mesh"
)

// publishChecks verify Publish and Get (draft 3.9, 3.10).
func publishChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "publish.before-create", Requirement: "REQ-CREATE-BEFORE-PUBLISH", Category: harness.Deviation,
			Title: "Publishing to an account that does not exist is refused",
			Doc: "3.7: \"A mesh account must be created and accepted before a profile can be published.\" Publishes " +
				"a signed device profile to a name never created and expects a 4xx (404 or 401). One request.",
			Accepts: "Any 4xx, 404 or 401 being the usual ones (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.newAccount("ghost")
				dp := s.deviceProfile(a.Device)
				s.refused("Publish", s.publish(a, dp), "a profile was published to an account that does not exist")
			},
		},
		{
			ID: "publish.device-profile", Requirement: "REQ-WIRE-DEVICE-IDENTITY", Category: harness.Deviation,
			Title: "A signed device profile is published and found by its Identifier",
			Doc: "Publishes a second device's ProfileDevice, self-signed by its DeviceSignatureKey (2.6.6), to an " +
				"account and expects Get by Identifier (the device's UDF) to return exactly that envelope. Three requests.",
			Accepts: "Payload Status 2xx for the Publish and for Get by Identifier, whose entries include the published envelope once decoded (NOTE-RESPONSE-EXTENSIONS).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("pub")
				d := s.newDevice()
				dp := s.deviceProfile(d)
				s.ok("Publish", s.publish(a, dp), "publishing a valid device profile failed")
				r := s.do(&mesh.GetRequest{Identifier: d.UDF()}, nil)
				s.ok("Get", r, "the published profile is not found by its Identifier")
				if !containsEnvelope(r.resp.(*mesh.GetResponse).Entries, dp) {
					t.Fail(harness.Finding{Message: "Get by Identifier does not return the published envelope", Expected: 1, Observed: len(r.resp.(*mesh.GetResponse).Entries)})
				}
			},
		},
		{
			ID: "publish.unsigned-entry", Requirement: "REQ-PUBLISH-SIGNED-ENTRY", Category: harness.Control,
			Title: "An unsigned entry is refused",
			Doc: "NOTE-PUBLISH-ENTRY: the entry is a signed DareMessage. Publishes a device profile stripped of its " +
				"signature and expects a refusal. One request after setup.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("unsigned")
				dp := s.deviceProfile(s.newDevice())
				s.refused("Publish", s.publish(a, dare.WithoutSignatures(dp)), "an unsigned profile was published")
			},
		},
		{
			ID: "publish.device-wrong-signer", Requirement: "REQ-PROFILE-DEVICE-SIGNED", Category: harness.Control,
			Title: "A device profile not signed by its own DeviceSignatureKey is refused",
			Doc: "2.6.6: \"This profile MUST be signed by the DeviceSignatureKey\". Publishes a ProfileDevice " +
				"signed by another device's key and expects a refusal. One request after setup.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES); a 2xx fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("wrongdev")
				d := s.newDevice()
				dp := s.deviceProfile(d)
				forged := s.resign(dp, s.newDevice().DSK)
				s.refused("Publish", s.publish(a, forged), "a device profile signed by another key was published")
			},
		},
		{
			ID: "publish.catalog-entry-not-admin", Requirement: "CTL-PROFILE-CATALOG-SIGNED", Category: harness.Control,
			Title: "A device catalog entry not signed by an administration key is refused",
			Doc: "7.1.5: \"Device catalog MUST be signed by the admin device.\" Publishes a CatalogEntryDevice that " +
				"authorises a new device, signed by that device's own key rather than an OnlineSignatureKey, and " +
				"expects a refusal; then checks that the new device cannot authenticate. Two requests after setup.",
			Accepts: "Any 4xx for the Publish (NOTE-REFUSAL-CODES), then Status 401 for the new device's request (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("catalog")
				d := s.newDevice()
				dp := s.deviceProfile(d)
				entry, err := a.Master.CatalogEntry(a.Name, dp)
				if err != nil {
					s.harnessFault("%v", err)
				}
				forged := s.resign(entry, d.DSK)
				s.refused("Publish", s.publish(a, forged), "a catalog entry not signed by an administration key was accepted")
				rogue := &client.Account{Name: a.Name, Device: d}
				s.refused("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, rogue.Auth()), "a device authorised by a forged entry authenticated", 401)
			},
		},
		{
			ID: "publish.device-credential-not-admin", Requirement: "CTL-PROFILE-VERIFY-CHAIN", Category: harness.Control,
			Title: "A device entry whose device credential is not signed by an administration key is refused",
			Doc: "7.1.5: \"Check that the device credential has been signed by an administration device and that the " +
				"administration device was properly authorized by the master profile.\" Publishes a CatalogEntryDevice " +
				"signed by an OnlineSignatureKey whose inner ProfileMeshDevicePublicSigned is signed by the new device " +
				"itself, and expects a refusal; then checks the device cannot authenticate. Two requests after setup.",
			Accepts: "Any 4xx for the Publish (NOTE-REFUSAL-CODES), then Status 401 for the new device's request (NOTE-AUTH).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("credential")
				d := s.newDevice()
				inner, err := auth.SignStructure(&mesh.ProfileMeshDevicePublic{DeviceProfile: s.deviceProfile(d)}, d.DSK)
				if err != nil {
					s.harnessFault("%v", err)
				}
				entry, err := auth.SignStructure(&mesh.CatalogEntryDevice{Account: a.Name, UDF: d.UDF(), AuthUDF: d.AuthUDF(), ProfileMeshDevicePublicSigned: inner}, a.Master.OSK)
				if err != nil {
					s.harnessFault("%v", err)
				}
				s.refused("Publish", s.publish(a, entry), "a device entry with a self-signed device credential was accepted")
				rogue := &client.Account{Name: a.Name, Device: d}
				s.refused("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, rogue.Auth()), "a device with a self-signed credential authenticated", 401)
			},
		},
		{
			ID: "get.by-account", Requirement: "CTL-PROFILE-VERIFY-CHAIN", Category: harness.Control,
			Title: "Get by Account returns the account's signed ProfileMesh",
			Doc: "Get with Account returns the account's profile (NOTE-GET-ENTRIES): one entry, a ProfileMesh " +
				"signed by an OnlineSignatureKey of its embedded, self-signed master profile, naming the account. " +
				"Two requests.",
			Accepts: "Payload Status 2xx whose first entry is a ProfileMesh that verifies and names the account (NOTE-GET-ENTRIES, draft 2.6).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("get")
				r := s.getAccount(a.Name)
				s.ok("Get", r, "Get by Account failed")
				entries := r.resp.(*mesh.GetResponse).Entries
				if len(entries) == 0 {
					t.Fail(harness.Finding{Message: "Get by Account returned no entry"})
				}
				if _, err := client.VerifyProfile(&entries[0], a.Name); err != nil {
					t.Fail(harness.Finding{Message: "the returned profile does not verify: " + err.Error()})
				}
			},
		},
		{
			ID: "get.by-names", Requirement: "REQ-PROFILE-NAMES-FINGERPRINTS", Category: harness.Deviation,
			Title: "Get by a KeyValue on Names finds profiles by fingerprint",
			Doc: "2.6.1: Names are \"Fingerprints of index terms for profile retrieval\". Gets with KeyValues " +
				"[{Key: Names, Value: <the master's UDF>}] and expects the account's profile. Two requests.",
			Accepts: "Payload Status 2xx with at least one entry (draft 2.6.1).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("names")
				r := s.do(&mesh.GetRequest{KeyValues: []mesh.KeyValue{{Key: "Names", Value: a.Master.UDF()}}}, nil)
				s.ok("Get", r, "Get by Names failed")
				if len(r.resp.(*mesh.GetResponse).Entries) == 0 {
					t.Fail(harness.Finding{Message: "Get by Names returned nothing"})
				}
			},
		},
		{
			ID: "get.unknown", Requirement: "REQ-ENUMERATION-404", Category: harness.Deviation,
			Title: "Get of an unknown account or identifier answers 404",
			Doc: "Gets a never-created account and an identifier no profile has, and expects Status 404 for both. " +
				"Two requests.",
			Accepts: "Status 404 for both (NOTE-ENUMERATION).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.expect("Get", s.getAccount(s.account("nobody")), "an unknown account was found", 404)
				s.expect("Get", s.do(&mesh.GetRequest{Identifier: "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF"}, nil), "an unknown identifier was found", 404)
			},
		},
		{
			ID: "get.no-listing", Requirement: "REQ-ENUMERATION-NO-WILDCARD", Category: harness.Control,
			Title: "A Get that names nothing lists nothing",
			Doc: "2.6.1: fingerprints are \"a precaution against enumeration attacks\"; NOTE-ENUMERATION: \"no request " +
				"lists accounts or profiles it did not name\". Sends a Get with no Account, Identifier or KeyValues, " +
				"and one with Multiple and a wildcard Account \"*\", and expects no entries: a 4xx, or a 2xx with an " +
				"empty list (NOTE-EMPTY-RESULT). Two requests.",
			Accepts: "No entry: a 4xx, or Status 2xx with an empty list (NOTE-EMPTY-RESULT).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				s.create("list")
				for _, req := range []*mesh.GetRequest{{Multiple: mesh.Bool(true)}, {Account: "*", Multiple: mesh.Bool(true)}} {
					r := s.do(req, nil)
					s.answered("Get", r)
					// NOTE-EMPTY-RESULT: a refusal, or success with no entries; never an entry.
					if n := len(r.resp.(*mesh.GetResponse).Entries); n > 0 || r.status/100 != 2 && r.status/100 != 4 {
						t.Fail(harness.Finding{Message: "a Get naming nothing was answered with data", Expected: "a refusal (4xx), or 2xx with no entries", Observed: fmt.Sprintf("Status %d, %d entries", r.status, n)})
					}
				}
			},
		},
		{
			ID: "get.max-entries", Requirement: "REQ-ENUMERATION-NO-WILDCARD", Category: harness.Deviation, Section: "3.4.2",
			Title: "MaxEntries bounds a Get and a PageKey pages through every entry exactly once",
			Doc: "3.4.2: MaxEntries is the \"Maximum number of data entries to return\"; a PageKey \"indicates that the " +
				"number ... of the data records returned exceeds\" the constraints, and a request with it \"returns the next " +
				"set\". Publishes four device profiles to an account, then pages through Get {Account, Multiple} with " +
				"MaxEntries 2: every page has at most 2 entries, and the pages together hold every entry exactly once. " +
				"About ten requests.",
			Accepts: "Pages of any size from 1 to MaxEntries, each published entry exactly once across them (draft 3.4.2; 3.9.2: a PageKey also for \"internal server limits\"); a page with no entry and a PageKey fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("page")
				var published []*mesh.DareMessage
				for i := 0; i < 4; i++ {
					dp := s.deviceProfile(s.newDevice())
					s.ok("Publish", s.publish(a, dp), "publishing a device profile failed")
					published = append(published, dp)
				}
				all := s.pageAll(a.Name, &mesh.SearchConstraints{MaxEntries: mesh.Int(2)}, func(n int, sc *mesh.SearchConstraints) {
					if n > 2 {
						t.Fail(harness.Finding{Message: "a page holds more entries than MaxEntries", Expected: "at most 2", Observed: n})
					}
				})
				for _, p := range published {
					if c := countEnvelope(all, p); c != 1 {
						t.Fail(harness.Finding{Message: "paging does not return each published entry exactly once", Expected: 1, Observed: c})
					}
				}
			},
		},
		{
			ID: "get.max-bytes", Requirement: "REQ-ENUMERATION-NO-WILDCARD", Category: harness.Deviation, Section: "3.4.2",
			Title: "MaxBytes bounds the data a Get returns",
			Doc: "3.4.2: MaxBytes is the \"Maximum number of data bytes to return\". Publishes three device profiles " +
				"and pages with MaxBytes set to one and a half entries' size: every page but a single oversized entry " +
				"stays within the bound, and paging returns everything. About eight requests.",
			Accepts: "Pages of at most one entry (MaxBytes is one and a half entries; an entry larger than MaxBytes goes alone), every entry reached by paging (draft 3.4.2, 3.9.2).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("bytes")
				var size int
				for i := 0; i < 3; i++ {
					dp := s.deviceProfile(s.newDevice())
					s.ok("Publish", s.publish(a, dp), "publishing a device profile failed")
					b, _ := mesh.MarshalBare(dp)
					size = len(b)
				}
				limit := size * 3 / 2
				all := s.pageAll(a.Name, &mesh.SearchConstraints{MaxBytes: mesh.Int(int32(limit))}, func(n int, sc *mesh.SearchConstraints) {
					if n > 1 {
						t.Fail(harness.Finding{Message: "a page holds more data than MaxBytes", Expected: fmt.Sprintf("at most %d bytes (one entry)", limit), Observed: fmt.Sprintf("%d entries", n)})
					}
				})
				if len(all) < 4 {
					t.Fail(harness.Finding{Message: "paging with MaxBytes lost entries", Expected: "4 entries (profile + 3 devices)", Observed: len(all)})
				}
			},
		},
		{
			ID: "get.time-window", Requirement: "REQ-ENUMERATION-NO-WILDCARD", Category: harness.Deviation, Section: "3.4.2",
			Title: "NotBefore and Before select entries by publication time",
			Doc: "3.4.2: NotBefore selects data \"published on or after\" and Before data \"published before the " +
				"specified time instant\". Gets an account's entries four times: Before an hour ago and NotBefore an " +
				"hour ahead (expecting none), Before an hour ahead and NotBefore an hour ago (expecting all). Five requests.",
			Accepts: "No entry where the window excludes them, as Status 2xx with an empty list or as 404 (NOTE-EMPTY-RESULT); the account's entries where it includes them.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("time")
				past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
				for _, c := range []struct {
					name string
					sc   *mesh.SearchConstraints
					none bool
				}{
					{"Before an hour ago", &mesh.SearchConstraints{Before: mesh.Time(past)}, true},
					{"NotBefore an hour ahead", &mesh.SearchConstraints{NotBefore: mesh.Time(future)}, true},
					{"Before an hour ahead", &mesh.SearchConstraints{Before: mesh.Time(future)}, false},
					{"NotBefore an hour ago", &mesh.SearchConstraints{NotBefore: mesh.Time(past)}, false},
				} {
					r := s.do(&mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: c.sc}, nil)
					s.answered("Get", r)
					n := len(r.resp.(*mesh.GetResponse).Entries)
					if c.none && n > 0 {
						t.Fail(harness.Finding{Message: c.name + " returned entries published just now", Expected: 0, Observed: n})
					}
					if !c.none && n == 0 {
						t.Fail(harness.Finding{Message: c.name + " returned nothing", Expected: "the account's entries", Observed: fmt.Sprintf("Status %d, 0 entries", r.status)})
					}
				}
			},
		},
		{
			ID: "get.page-key-forged", Requirement: "REQ-ENUMERATION-NO-WILDCARD", Category: harness.Control, Section: "3.4.2",
			Title: "A forged PageKey is refused",
			Doc: "A PageKey is the portal's own continuation token; a client that edits one must not page into " +
				"another query's data. Pages an account's entries with MaxEntries 1, changes one character of the " +
				"PageKey it got, and expects a 4xx refusal; then the same with a Transfer of the account's own log " +
				"records, when the portal implements Transfer. Up to six requests.",
			Accepts: "Any 4xx (NOTE-REFUSAL-CODES: a PageKey the portal did not issue is refused), for Get and for Transfer; Transfer may be unimplemented: Status 501, or HTTP 404/501 without a MeshResponse (NOTE-UNIMPLEMENTED).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("forge")
				dp := s.deviceProfile(s.newDevice())
				s.ok("Publish", s.publish(a, dp), "publishing a device profile failed")
				r := s.do(&mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}}, nil)
				s.ok("Get", r, "a paged Get failed")
				key := r.resp.(*mesh.GetResponse).PageKey
				if key == "" {
					t.Fail(harness.Finding{Message: "two entries with MaxEntries 1 gave no PageKey", Expected: "a PageKey"})
				}
				forged := s.do(&mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1), PageKey: forge(key)}}, nil)
				s.refused("Get", forged, "a forged PageKey was accepted")
				// Transfer pages the account's log records the same way (a mutant that ignored its
				// window's error served a forged key from the start, issue 16).
				tr := s.do(&mesh.TransferRequest{SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}}, a.Auth())
				if noSuchTransaction(tr) {
					return // Transfer is one the draft lets a portal leave out (3.16)
				}
				s.ok("Transfer", tr, "a paged Transfer of the account's own records failed")
				tkey := tr.resp.(*mesh.TransferResponse).PageKey
				if tkey == "" {
					t.Fail(harness.Finding{Message: "two log records with MaxEntries 1 gave no Transfer PageKey", Expected: "a PageKey"})
				}
				s.refused("Transfer", s.do(&mesh.TransferRequest{SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1), PageKey: forge(tkey)}}, a.Auth()),
					"a forged PageKey was accepted by Transfer")
			},
		},
		{
			ID: "get.idempotent", Requirement: "REQ-IDEMPOTENT-READS", Category: harness.Deviation,
			Title: "Repeating a Get returns the same data",
			Doc: "NOTE-IDEMPOTENT: \"Repeating a Get, Validate or Status changes nothing\". Sends the same Get twice " +
				"and compares the entries byte for byte. Three requests.",
			Accepts: "The same entries and PageKey both times, compared once decoded (NOTE-IDEMPOTENT, NOTE-RESPONSE-EXTENSIONS); the StatusDescription and unknown members may differ.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("idem")
				one := s.getAccount(a.Name)
				two := s.getAccount(a.Name)
				s.ok("Get", one, "Get failed")
				s.ok("Get", two, "Get failed")
				// The data is the entries and the paging; the StatusDescription, say, may vary.
				g1, g2 := one.resp.(*mesh.GetResponse), two.resp.(*mesh.GetResponse)
				b1, _ := mesh.Marshal(&mesh.GetResponse{Entries: g1.Entries, PageKey: g1.PageKey})
				b2, _ := mesh.Marshal(&mesh.GetResponse{Entries: g2.Entries, PageKey: g2.PageKey})
				if string(b1) != string(b2) {
					t.Fail(harness.Finding{Message: "two identical Gets returned different data", Expected: string(b1), Observed: string(b2)})
				}
			},
		},
	}
}

// pageAll follows PageKeys through Get {Account, Multiple}, calling check with each page's size.
func (s *session) pageAll(account string, sc *mesh.SearchConstraints, check func(n int, sc *mesh.SearchConstraints)) []mesh.DareMessage {
	var all []mesh.DareMessage
	for page := 0; page < 50; page++ {
		r := s.do(&mesh.GetRequest{Account: account, Multiple: mesh.Bool(true), SearchConstraints: sc}, nil)
		s.ok("Get", r, "a paged Get failed")
		g := r.resp.(*mesh.GetResponse)
		check(len(g.Entries), sc)
		all = append(all, g.Entries...)
		if g.PageKey == "" {
			return all
		}
		if len(g.Entries) == 0 {
			s.t.Fail(harness.Finding{Message: "paging makes no progress: a page with no entries and a PageKey", Expected: "at least one entry per page, or no PageKey", Observed: fmt.Sprintf("0 entries, PageKey %q", g.PageKey)})
		}
		next := *sc
		next.PageKey = g.PageKey
		sc = &next
	}
	s.t.Fail(harness.Finding{Message: "paging did not end after 50 pages"})
	return nil
}

func countEnvelope(list []mesh.DareMessage, want *mesh.DareMessage) int {
	wb, _ := mesh.Marshal(want)
	n := 0
	for i := range list {
		if b, _ := mesh.Marshal(&list[i]); string(b) == string(wb) {
			n++
		}
	}
	return n
}

func containsEnvelope(list []mesh.DareMessage, want *mesh.DareMessage) bool {
	return countEnvelope(list, want) > 0
}

// forge changes one character in the middle of a PageKey.
func forge(key string) string {
	b := []byte(key)
	if len(b) == 0 {
		return "A"
	}
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
