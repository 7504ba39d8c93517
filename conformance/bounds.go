package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/mesh"
)

// boundsChecks probe the lower and time bounds no other check reaches: the shortest name,
// time windows across pages, PageKeys moved to another query, ConnectPending's time bounds,
// and whether Hello's claims match what the portal does.
func boundsChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "validate.minimum-length", Requirement: "REQ-WIRE-ACCOUNT-CONSISTENT", Category: harness.Deviation,
			Title: "A free name of exactly Minimum characters is Valid, and one shorter is not",
			Doc: "NOTE-ACCOUNT-NAMES: \"The local part is 1 to 64 characters\"; the portal's stated Minimum (1 when " +
				"it states none) must agree with what Validate accepts. Validates local parts of exactly Minimum " +
				"characters until one is Valid or one is free (Get answers 404) and still not Valid, which fails; " +
				"when Minimum is above 1, one character fewer must not be Valid. Example failure: one-character " +
				"names refused while Minimum says 1. Two to sixteen requests.",
			Accepts: "A stated Minimum of 1 to 64 (1 when none), Valid true for some local part of exactly Minimum characters, any other answer for one Get finds (draft 3.6.2: Valid does not promise creation, a taken name may be Valid false), and anything but Valid true for Minimum-1 when Minimum is above 1 (NOTE-ACCOUNT-NAMES); any Reason.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.ValidateRequest{Account: s.account("m")}, nil)
				s.answered("ValidateAccount", r)
				min := 1
				if v := r.resp.(*mesh.ValidateResponse); v.Minimum != nil {
					min = int(*v.Minimum)
				}
				if min < 1 || min > 64 {
					t.Fail(harness.Finding{Message: "the stated Minimum is outside NOTE-ACCOUNT-NAMES's 1 to 64", Expected: "1 to 64", Observed: min})
				}
				local := func(i, n int) string { // the i-th candidate local part of n characters
					const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
					b := []byte(strings.Repeat("q", n))
					b[n-1] = alphabet[(int(t.Rand().Uint32())+i)%len(alphabet)]
					return string(b)
				}
				for i := range 8 {
					name := local(i, min) + "@" + env.Domain
					v := s.do(&mesh.ValidateRequest{Account: name}, nil)
					s.answered("ValidateAccount", v)
					if vr := v.resp.(*mesh.ValidateResponse); vr.Valid != nil && *vr.Valid {
						break
					}
					if g := s.getAccount(name); g.status == 404 {
						t.Fail(harness.Finding{Message: fmt.Sprintf("a free local part of exactly Minimum=%d characters is not Valid", min), Expected: true,
							Observed: fmt.Sprintf("Valid false: %s", v.resp.(*mesh.ValidateResponse).Reason)})
					}
					if i == 7 {
						t.Skip("every candidate name of Minimum characters is taken")
					}
				}
				if min > 1 {
					under := s.do(&mesh.ValidateRequest{Account: local(0, min-1) + "@" + env.Domain}, nil)
					s.answered("ValidateAccount", under)
					if u := under.resp.(*mesh.ValidateResponse); u.Valid != nil && *u.Valid {
						t.Fail(harness.Finding{Message: fmt.Sprintf("a local part of Minimum-1=%d characters is Valid", min-1), Expected: false, Observed: true})
					}
				}
			},
		},
		{
			ID: "get.time-window-pages", Requirement: "REQ-ENUMERATION-NO-WILDCARD", Category: harness.Deviation, Section: "3.4.2",
			Title: "Every page of a time window keeps to its Before",
			Doc: "3.4.2: Before selects data \"published before the specified time instant\", and a PageKey continues " +
				"the same search. Publishes three device profiles, waits three seconds, publishes three more, and " +
				"takes Before between the two batches: the entries of one Get with that Before must be the entries " +
				"of the pages (MaxEntries 1) with it. Skipped when the portal's clock puts no entry, or every entry, " +
				"before the instant (a clock skew of over a second). Example failure: pages after the first return " +
				"the second batch. About twenty requests and three seconds.",
			Accepts: "The same entries, in any order and each as often, from the pages of the Get with Before and MaxEntries 1 as from the pages of that Get without MaxEntries, pages of any size up to what was asked (draft 3.4.2 Before and PageKey; draft 3.9.2: \"internal server limits\"); skipped when the window holds none or all of the entries, 404 included (NOTE-EMPTY-RESULT).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("pages")
				for range 3 {
					s.ok("Publish", s.publish(a, s.deviceProfile(s.newDevice())), "publishing a device profile failed")
				}
				t0 := time.Now()
				mid := t0.Add(1500 * time.Millisecond).Truncate(time.Second)
				select {
				case <-time.After(3 * time.Second):
				case <-ctx.Done():
					t.Skip("the run ended while waiting")
				}
				for range 3 {
					s.ok("Publish", s.publish(a, s.deviceProfile(s.newDevice())), "publishing a device profile failed")
				}
				noCheck := func(int, *mesh.SearchConstraints) {}
				all := s.pageAll(a.Name, &mesh.SearchConstraints{}, noCheck)
				if r := s.do(&mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{Before: &mid}}, nil); r.status == 404 {
					// NOTE-EMPTY-RESULT: a window that excludes everything may answer 404.
					t.Skip(fmt.Sprintf("Before %s selects none of the entries: the portal's clock does not split the batches", mid.Format(time.RFC3339)))
				}
				// The portal's pages may be smaller than asked for (draft 3.9.2: "internal server
				// limits"), so both sides follow every PageKey.
				want := s.pageAll(a.Name, &mesh.SearchConstraints{Before: &mid}, noCheck)
				if n := len(want); n == 0 || n >= len(all) {
					t.Skip(fmt.Sprintf("Before %s selects %d of the %d entries: the portal's clock does not split the batches", mid.Format(time.RFC3339), n, len(all)))
				}
				got := s.pageAll(a.Name, &mesh.SearchConstraints{Before: &mid, MaxEntries: mesh.Int(1)}, noCheck)
				if !sameEntries(got, want) {
					t.Fail(harness.Finding{Message: "paging through a window with Before returns other entries than one Get with it", Expected: fmt.Sprintf("%d entries", len(want)), Observed: fmt.Sprintf("%d entries", len(got))})
				}
			},
		},
		{
			ID: "get.page-key-other-query", Requirement: "REQ-PAGE-KEY-QUERY", Category: harness.Control, Section: "3.4.2",
			Title: "A PageKey is refused with a query other than its own",
			Doc: "NOTE-PAGE-KEY: a PageKey continues the query that returned it and is refused with any other. " +
				"Pages one account's entries with MaxEntries 1 and sends the PageKey with the same Get for another " +
				"account; expects a 4xx refusal. Example failure: a PageKey MAC that does not cover the query, so " +
				"a cursor and its time bounds carry over to any search. Five requests.",
			Accepts: "A PageKey for the paged Get of an account with more entries than MaxEntries 1, then any 4xx for another account's Get carrying it (NOTE-PAGE-KEY, NOTE-REFUSAL-CODES).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a, b := s.create("pkq-a"), s.create("pkq-b")
				sc := &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}
				r := s.do(&mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true), SearchConstraints: sc}, nil)
				s.ok("Get", r, "a paged Get failed")
				key := r.resp.(*mesh.GetResponse).PageKey
				if key == "" {
					t.Fail(harness.Finding{Message: "an account's entries with MaxEntries 1 gave no PageKey", Expected: "a PageKey"})
				}
				moved := s.do(&mesh.GetRequest{Account: b.Name, Multiple: mesh.Bool(true), SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1), PageKey: key}}, nil)
				s.refused("Get", moved, "another query's PageKey was accepted")
			},
		},
		{
			ID: "connect.pending-time-window", Requirement: "REQ-ENUMERATION-NO-WILDCARD", Category: harness.Deviation, Section: "3.4.2",
			Title: "ConnectPending keeps to NotBefore and Before",
			Doc: "3.4.2 SearchConstraints, as ConnectPendingRequest carries them: starts a connection, then asks " +
				"ConnectPending with NotBefore an hour ahead and with Before an hour ago (expecting no pending " +
				"request: an empty answer, or 404) and with both around now (expecting the request). Four requests.",
			Accepts: "For the two windows that exclude the pending request, payload Status 2xx with no Pending, or 404 (NOTE-EMPTY-RESULT); for the window around now, payload Status 2xx with at least one Pending on its first page (draft 3.4.2).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("pendtime")
				conn := s.start(a, s.newDevice())
				past, future := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
				for _, c := range []struct {
					name string
					sc   *mesh.SearchConstraints
					none bool
				}{
					{"NotBefore an hour ahead", &mesh.SearchConstraints{NotBefore: &future}, true},
					{"Before an hour ago", &mesh.SearchConstraints{Before: &past}, true},
					{"NotBefore an hour ago and Before an hour ahead", &mesh.SearchConstraints{NotBefore: &past, Before: &future}, false},
				} {
					r := s.do(&mesh.ConnectPendingRequest{AccountID: a.Name, SearchConstraints: c.sc}, a.Auth())
					s.answered("ConnectPending", r)
					n := len(r.resp.(*mesh.ConnectPendingResponse).Pending)
					switch {
					case c.none && (n > 0 || (r.status != 404 && (r.status < 200 || r.status > 299))):
						t.Fail(harness.Finding{Message: c.name + ": the answer is not an empty list", Expected: "Status 2xx with no Pending, or 404", Observed: fmt.Sprintf("Status %d, %d pending", r.status, n)})
					case !c.none && (n == 0 || r.status < 200 || r.status > 299):
						t.Fail(harness.Finding{Message: c.name + ": the pending request " + conn.MessageID + " is not listed", Expected: "Status 2xx with the request", Observed: fmt.Sprintf("Status %d, %d pending", r.status, n)})
					}
				}
			},
		},
		{
			ID: "wire.hello-claims", Requirement: "REQ-WIRE-HELLO-CLAIMS", Category: harness.Deviation,
			Title: "Hello advertises the encoding the portal answers in",
			Doc: "NOTE-HELLO: Version lists Encodings, and \"no encodings listed means JSON\"; what Hello claims must " +
				"be what the portal does. The portal answered this Hello in JSON, so a Version (or Alternate) that " +
				"lists Encodings must list application/json among them. One request.",
			Accepts: "A HelloResponse with payload Status 2xx whose every Version and Alternate lists no Encodings (NOTE-HELLO: \"No encodings listed means JSON\") or lists application/json, in any case and with any media-type parameters, among them.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.HelloRequest{}, nil)
				s.ok("Hello", r, "Hello was not answered with success")
				h := r.resp.(*mesh.HelloResponse)
				versions := h.Alternates
				if h.Version != nil {
					versions = append([]mesh.Version{*h.Version}, versions...)
				}
				for _, v := range versions {
					if len(v.Encodings) == 0 {
						continue
					}
					var ids []string
					for _, e := range v.Encodings {
						ids = append(ids, e.ID...)
					}
					if !slices.ContainsFunc(ids, isJSONMediaType) {
						t.Fail(harness.Finding{Message: "Hello lists encodings without JSON, the encoding it answers in", Expected: "application/json among " + strings.Join(ids, ", "), Observed: string(r.ex.Response)})
					}
				}
			},
		},
	}
}

// sameEntries reports whether two lists hold the same envelopes, each as often, in any order:
// no document orders a Get's entries.
func sameEntries(x, y []mesh.DareMessage) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if countEnvelope(x, &x[i]) != countEnvelope(y, &x[i]) {
			return false
		}
	}
	return true
}

// isJSONMediaType reports whether an encoding ID names application/json, in any case and with
// any parameters (a media type's parameters, charset=utf-8 say, do not change the type).
func isJSONMediaType(id string) bool {
	mt, _, _ := strings.Cut(id, ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/json")
}
