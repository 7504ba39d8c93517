package spec

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// ImplementingPath is where the implementer's guide is committed, relative to the module root.
const ImplementingPath = "docs/IMPLEMENTING.md"

// chapter is one part of the implementer's guide: the decisions, transactions and structures an
// implementer needs at that point, in that order. Whatever a chapter's structures cite and no
// earlier chapter rendered is rendered at the chapter's end, so a note is never out of reach
// of the structure that needs it.
type chapter struct {
	title, intro string
	notes        []string // interpretation notes, in reading order
	transactions []string // transactions, each with its request and response
	structures   []string // further structures
	prefixes     []string // draft sections whose requirements the chapter lists
}

// guide is the reading order of docs/IMPLEMENTING.md: wire format, Hello, authentication, each
// transaction, connection flow, log. A note, structure or requirement no chapter names lands
// in the appendices, so that an addition to spec/ is never missing from the guide.
var guide = []chapter{
	{title: "The wire format",
		intro:      "Every exchange is one HTTP POST of a JSON request, answered by one JSON response. These decisions fix how a message travels, how it is tagged, what every primitive looks like, which status it carries and which limits bound it.",
		notes:      []string{"NOTE-HTTP-BINDING", "NOTE-HOST-PORT", "NOTE-REQUEST-TAG", "NOTE-RESPONSE-TAG", "NOTE-TAGGED-FIELDS", "NOTE-BASE64", "NOTE-DATETIME", "NOTE-EMPTY", "NOTE-UNKNOWN-MEMBERS", "NOTE-RESPONSE-EXTENSIONS", "NOTE-STATUS-CODES", "NOTE-CONNECT-RESPONSE-BASE", "NOTE-NO-TRANSACTION", "NOTE-REFUSAL-CODES", "NOTE-CLIENT-STATUS", "NOTE-LIMITS", "NOTE-CLIENT-LIMITS", "NOTE-REQUEST-COST", "NOTE-SLOW-CLIENT", "NOTE-IDEMPOTENT", "NOTE-READ-YOUR-WRITES", "NOTE-ENUMERATION"},
		structures: []string{"MeshRequest", "MeshResponse"},
		prefixes:   []string{"3", "3.1", "3.2"}},
	{title: "Keys, fingerprints and envelopes",
		intro:      "Profiles, entries and connection messages travel signed in DARE envelopes; keys are named by their UDF fingerprints. A portal verifies what it stores, a client what it trusts.",
		notes:      []string{"NOTE-UDF", "NOTE-PUBLIC-PARAMETERS", "NOTE-PUBLIC-KEY-UDF", "NOTE-DARE-TAG", "NOTE-DARE-DIGEST", "NOTE-DATAITEM", "NOTE-SHAMIR"},
		structures: []string{"PublicKey", "Key", "PublicKeyECDH", "PrivateKeyECDH", "DareMessage", "DareHeader", "DareRecipient", "DareSignature", "DareTrailer"},
		prefixes:   []string{"2.5.1", "3.3", "7.1.3", "7.1.4"}},
	{title: "Accounts and profiles",
		intro:      "An account is a name at the portal bound to a master profile; devices are admitted to it by catalog entries signed by an administration key.",
		notes:      []string{"NOTE-ACCOUNT-NAMES", "NOTE-ACCOUNT-FORMS", "NOTE-RECRYPTION-KEY-NAME"},
		structures: []string{"Profile", "ProfileMaster", "ProfileApplication", "ProfileMesh", "ProfileDevice", "ProfileMeshDevicePublic", "ProfileMeshDevicePrivate", "CatalogEntry", "CatalogEntryDevice", "DeviceRecreationKey"},
		prefixes:   []string{"2.6", "2.6.1", "2.6.5", "2.6.6", "2.6.8", "7.1.5"}},
	{title: "Hello",
		intro:        "Hello needs nothing and changes nothing: it is the first exchange of most clients and the suite's pre-flight.",
		notes:        []string{"NOTE-HELLO"},
		transactions: []string{"Hello"},
		prefixes:     []string{"3.5"}},
	{title: "Request authentication",
		intro:    "The draft asks for message-level access control by the device's authentication key (7.1.1.2, 7.2.1) but defines no mechanism. DeleteAccount, Publish, ConnectPending, ConnectComplete and Transfer carry an HTTP Authorization header; everything else is anonymous.",
		notes:    []string{"NOTE-AUTH", "NOTE-AUTH-SESSION"},
		prefixes: []string{"7.1.1.1", "7.1.1.2", "7.1.1.3", "7.2.1"}},
	{title: "Accounts: ValidateAccount, CreateAccount, DeleteAccount",
		notes:        []string{"NOTE-CREATE-PROFILE", "NOTE-CREATE-DEVICE"},
		transactions: []string{"ValidateAccount", "CreateAccount", "DeleteAccount"},
		prefixes:     []string{"3.6", "3.6.2", "3.7", "3.7.1", "3.8"}},
	{title: "Publishing and retrieving: Publish, Get",
		intro:        "Entries are signed envelopes; Get finds them by Account, Identifier or KeyValues, never by wildcard, and pages through them.",
		notes:        []string{"NOTE-PUBLISH-ENTRY", "NOTE-GET-ENTRIES", "NOTE-GET-IDENTIFIER", "NOTE-GET-KEYVALUES", "NOTE-PAGING", "NOTE-PAGE-KEY", "NOTE-EMPTY-RESULT"},
		transactions: []string{"Publish", "Get"},
		structures:   []string{"KeyValue", "SearchConstraints"},
		prefixes:     []string{"3.4.2", "3.9", "3.9.1", "3.10.1"}},
	{title: "Connecting a device: ConnectStart, ConnectStatus, ConnectPending, ConnectComplete",
		intro:        "A new device asks to join an account; an administration device of the account sees the request, both show the user the same witness, and the administration device posts a signed result the new device collects.",
		notes:        []string{"NOTE-CONNECT-FLOW", "NOTE-CONNECT-IDS", "NOTE-SIGNED-CONNECTION-REQUEST", "NOTE-SIGNED-CONNECTION-RESULT", "NOTE-WITNESS", "NOTE-PIN", "NOTE-PIN-CHECK", "NOTE-PENDING-FLOOD"},
		transactions: []string{"ConnectStart", "ConnectStatus", "ConnectPending", "ConnectComplete"},
		structures:   []string{"ConnectionChallenge", "MeshMessage", "MessageConnectionRequest", "MessageConnectionPIN", "MessageConfirmationResponse"},
		prefixes:     []string{"2.9.3", "3.12.1", "3.13.2", "3.15.1"}},
	{title: "The log: Status, Transfer",
		intro:        "Every accepted write is appended to a hash-chained log; Status reports its checkpoint and Transfer serves its records. The draft marks both transactions \"not currently implemented\".",
		notes:        []string{"NOTE-LOG", "NOTE-LOG-RECORD", "NOTE-UNIMPLEMENTED"},
		transactions: []string{"Status", "Transfer"},
		structures:   []string{"LogRecord"},
		prefixes:     []string{"3.11", "3.16", "7.1.7"}},
}

// authenticated are the transactions NOTE-AUTH requires to be authenticated.
var authenticated = map[string]bool{"DeleteAccount": true, "Publish": true, "ConnectPending": true, "ConnectComplete": true, "Transfer": true}

// guideWriter renders the guide once, remembering what it rendered so that each note,
// structure and requirement appears exactly once and later mentions link to it.
type guideWriter struct {
	s    *Spec
	b    bytes.Buffer
	done map[string]bool // "note:ID", "struct:Name", "req:ID"
}

// ImplementingGuide renders docs/IMPLEMENTING.md from the schema, the interpretation notes
// and the requirement catalog. Its output depends on spec/ alone, so the committed file can be
// compared with it (TestImplementingGuideIsCurrent).
func (s *Spec) ImplementingGuide() []byte {
	w := &guideWriter{s: s, done: map[string]bool{}}
	w.header()
	for i, c := range guide {
		w.chapter(i+1, c)
	}
	w.appendices(len(guide) + 1)
	return w.b.Bytes()
}

func (w *guideWriter) p(format string, a ...any) { fmt.Fprintf(&w.b, format, a...) }

func (w *guideWriter) header() {
	v := Versions()
	w.p("# Implementing a Mesh portal or client\n\n")
	w.p("<!-- Generated from spec/ by `go generate ./spec`; do not edit. TestImplementingGuideIsCurrent fails when it is stale: `go test ./spec -run ImplementingGuide -update` regenerates it. -->\n\n")
	w.p("This guide is everything an implementer of the Mesh portal protocol needs beside the draft (%s, in spec/), in the order one needs it: ", v.Draft)
	w.p("the wire format, keys and envelopes, accounts and profiles, Hello, request authentication, each transaction, the connection of a device and the log. ")
	w.p("It is generated from the project's machine-readable sources: spec/WIRE.md's facts and decisions as interpretation notes (spec/notes.json, %s), ", v.Notes)
	w.p("every structure and message of spec/schema.json (%s) with the fields the draft's text drops, ", v.Schema)
	w.p("and the requirement catalog the checks enforce (spec/requirements.json, %s). ", v.Catalog)
	w.p("Reports cite notes and requirements by ID: each has an anchor here.\n\n")
	w.p("A field's **source** says where it comes from: *draft* (the draft's text), *wire* (the reference implementation's schema, dropped by the draft's generator: WIRE.md 2) or *project* (added by this project, with a note). ")
	w.p("Fields are listed in wire order, inherited fields first. Examples show the shape of each message with placeholder values: `\"base64url\"` for Binary, `\"2019-04-01T00:00:00Z\"` for DateTime.\n\n")
	w.p("## Contents\n\n")
	for i, c := range guide {
		w.p("%d. [%s](#%s)\n", i+1, c.title, anchor(fmt.Sprintf("%d. %s", i+1, c.title)))
	}
	n := len(guide)
	for i, t := range []string{"Other decisions", "Other structures of the draft", "Requirements not listed above"} {
		w.p("%d. [%s](#%s)\n", n+i+1, t, anchor(fmt.Sprintf("%d. %s", n+i+1, t)))
	}
	w.p("\n")
}

func (w *guideWriter) chapter(n int, c chapter) {
	w.p("## %d. %s\n\n", n, c.title)
	if c.intro != "" {
		w.p("%s\n\n", prose(c.intro))
	}
	for _, id := range c.notes {
		w.note(id)
	}
	var cited []string
	for _, tx := range c.transactions {
		cited = append(cited, w.transaction(tx)...)
	}
	if len(c.structures) > 0 {
		w.p("### Structures\n\n")
		for _, name := range c.structures {
			cited = append(cited, w.structure(name, "")...)
		}
	}
	pending := false
	for _, id := range cited {
		if !w.done["note:"+id] {
			if !pending {
				w.p("### Further decisions these structures cite\n\n")
				pending = true
			}
			w.note(id)
		}
	}
	w.requirements(func(r *Requirement) bool { return slices.Contains(c.prefixes, r.Section) }, "### Requirements\n\n")
}

func (w *guideWriter) appendices(n int) {
	w.p("## %d. Other decisions\n\n", n)
	w.p("Interpretation notes no chapter above needed.\n\n")
	for _, nt := range w.s.Notes {
		w.note(nt.ID)
	}
	w.p("## %d. Other structures of the draft\n\n", n+1)
	w.p("Structures of the draft's section 2 that no portal transaction above carries directly; they travel inside profiles, catalogs and messages.\n\n")
	for _, st := range w.s.Schema.Structures {
		w.structure(st.Name, "")
	}
	w.p("## %d. Requirements not listed above\n\n", n+2)
	w.requirements(func(*Requirement) bool { return true }, "")
}

// note renders an interpretation note once; later calls do nothing.
func (w *guideWriter) note(id string) {
	if w.done["note:"+id] {
		return
	}
	n, ok := w.s.Note(id)
	if !ok {
		return
	}
	w.done["note:"+id] = true
	w.p("<a id=\"%s\"></a>\n#### %s\n\n", strings.ToLower(id), id)
	w.p("*%s* (source: %s)\n\n", prose(n.Question), prose(n.Source))
	w.p("%s\n\n", prose(n.Decision))
	w.p("Why: %s\n\n", prose(n.Reason))
}

// transaction renders a transaction with its request and response; it returns the notes they cite.
func (w *guideWriter) transaction(name string) []string {
	t, ok := w.s.Transaction(name)
	if !ok {
		return nil
	}
	w.p("### %s (draft %s)\n\n", t.Name, t.Section)
	if t.DraftStatus != "" {
		w.p("The draft marks it \"%s\".\n\n", t.DraftStatus)
	}
	w.p("%s\n\n", prose(t.Description))
	w.p("The request is `{\"%s\": {...}}` (NOTE-REQUEST-TAG), the response `{\"%s\": {...}}` (NOTE-RESPONSE-TAG).", t.Name, t.Response)
	if authenticated[t.Name] {
		w.p(" The request carries `Authorization: Mesh ...` or `Authorization: Mesh-Session ...` ([NOTE-AUTH](#note-auth), [NOTE-AUTH-SESSION](#note-auth-session)); without a valid one the answer is HTTP 401 and Status 401.")
	} else {
		w.p(" It needs no authentication.")
	}
	w.p("\n\n")
	cited := w.structure(t.Request, t.Name)
	return append(cited, w.structure(t.Response, t.Response)...)
}

// structure renders a structure or message once, with an example under tag when tag is set;
// it returns the notes it and its fields cite.
func (w *guideWriter) structure(name, tag string) []string {
	if w.done["struct:"+name] {
		return nil
	}
	st, ok := w.s.Structure(name)
	if !ok {
		return nil
	}
	w.done["struct:"+name] = true
	w.p("<a id=\"%s\"></a>\n#### %s\n\n", "s-"+strings.ToLower(name), name)
	var facts []string
	facts = append(facts, fmt.Sprintf("%s, draft %s", st.Kind, st.Section))
	if st.Inherits != "" {
		facts = append(facts, "inherits "+w.ref(st.Inherits))
	}
	if st.DraftInherits != "" && st.DraftInherits != st.Inherits {
		facts = append(facts, fmt.Sprintf("the draft says it inherits %s", st.DraftInherits))
	}
	if st.Abstract {
		facts = append(facts, "abstract: only its subtypes ("+strings.Join(w.s.Subtypes(name), ", ")+") travel")
	}
	facts = append(facts, "source: "+st.Source)
	w.p("%s. *(%s)*\n\n", prose(strings.TrimSuffix(st.Description, ".")), strings.Join(facts, "; "))
	cited := slices.Clone(st.Notes)
	if len(st.Notes) > 0 {
		w.p("Decisions: %s.\n\n", w.noteRefs(st.Notes))
	}
	fields := w.s.AllFields(name)
	if len(fields) > 0 {
		w.p("| Field | Type | Source | Description |\n| --- | --- | --- | --- |\n")
		own := map[string]bool{}
		for _, f := range st.Fields {
			own[f.Name] = true
		}
		for _, f := range fields {
			typ := f.Type
			if !w.s.IsPrimitive(f.Type) {
				typ = w.ref(f.Type)
			}
			if f.Tagged {
				typ = "tagged " + typ
			}
			if f.Repeated {
				typ = "list of " + typ
			}
			desc := f.Description
			if !own[f.Name] {
				desc = "(inherited) " + desc
			}
			if f.DraftName != "" && f.DraftName != f.Name {
				desc += " The draft calls it " + f.DraftName + "."
			}
			if f.DraftType != "" && f.DraftType != f.Type {
				desc += " The draft's type: " + f.DraftType + "."
			}
			if len(f.Notes) > 0 {
				desc += " See " + w.noteRefs(f.Notes) + "."
				cited = append(cited, f.Notes...)
			}
			w.p("| `%s` | %s | %s | %s |\n", f.Name, typ, f.Source, cell(desc))
		}
		w.p("\n")
	}
	if tag != "" || st.Kind == "message" {
		if tag == "" {
			tag = name
		}
		if !st.Abstract {
			w.p("```json\n{\"%s\": %s}\n```\n\n", tag, w.example(name, 0))
		}
	}
	return cited
}

// example is a JSON value of the shape of structure name, placeholders for every field; depth
// bounds nesting so that examples stay short.
func (w *guideWriter) example(name string, depth int) string {
	if name == "DareMessage" {
		return `[{"dig": "S512"}, "base64url", {"signatures": [{"alg": "S512", "kid": "UDF", "signature": "base64url"}], "PayloadDigest": "base64url"}]`
	}
	if depth > 1 {
		return "{}"
	}
	var parts []string
	for _, f := range w.s.AllFields(name) {
		parts = append(parts, fmt.Sprintf("%q: %s", f.Name, w.fieldExample(f, depth)))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (w *guideWriter) fieldExample(f Field, depth int) string {
	var v string
	switch f.Type {
	case "String":
		v = `"string"`
	case "Binary":
		v = `"base64url"`
	case "Integer":
		v = "0"
		if f.Name == "Status" {
			v = "201"
		}
	case "Boolean":
		v = "true"
	case "DateTime":
		v = `"2019-04-01T00:00:00Z"`
	default:
		typ := f.Type
		if f.Tagged {
			if subs := w.s.Subtypes(f.Type); len(subs) > 0 && w.isAbstract(f.Type) {
				typ = subs[0]
			}
			v = fmt.Sprintf("{%q: %s}", typ, w.example(typ, depth+1))
		} else {
			v = w.example(typ, depth+1)
		}
	}
	if f.Repeated {
		return "[" + v + "]"
	}
	return v
}

func (w *guideWriter) isAbstract(name string) bool {
	st, ok := w.s.Structure(name)
	return ok && st.Abstract
}

// requirements lists, once each, the catalog's requirements that keep selects, under head.
func (w *guideWriter) requirements(keep func(*Requirement) bool, head string) {
	var list []*Requirement
	for i := range w.s.Requirements {
		r := &w.s.Requirements[i]
		if !w.done["req:"+r.ID] && keep(r) {
			list = append(list, r)
		}
	}
	if len(list) == 0 {
		return
	}
	w.p("%s", head)
	for _, r := range list {
		w.done["req:"+r.ID] = true
		w.p("- <a id=\"%s\"></a>**%s** (%s, %s, %s): %s", strings.ToLower(r.ID), r.ID, r.Level, r.Section, r.AppliesTo, prose(r.Text))
		if len(r.Notes) > 0 {
			w.p(" See %s.", w.noteRefs(r.Notes))
		}
		w.p("\n")
	}
	w.p("\n")
}

func (w *guideWriter) ref(name string) string {
	if _, ok := w.s.Structure(name); ok {
		return fmt.Sprintf("[%s](#s-%s)", name, strings.ToLower(name))
	}
	return name
}

func (w *guideWriter) noteRefs(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprintf("[%s](#%s)", id, strings.ToLower(id)))
	}
	return strings.Join(out, ", ")
}

// anchor is the GitHub anchor of a heading: lower case, spaces to dashes, punctuation dropped.
func anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// prose escapes what Markdown would otherwise read as markup in the sources' plain text:
// angle brackets (HTML), asterisks, and underscores that could open emphasis.
func prose(s string) string {
	var b strings.Builder
	prev := ' '
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '*':
			b.WriteString(`\*`)
		case r == '_' && !isWordRune(prev):
			b.WriteString(`\_`)
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r > 127
}

// cell is prose fit for a table cell.
func cell(s string) string { return strings.ReplaceAll(prose(s), "|", `\|`) }
