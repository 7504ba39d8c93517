package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestLoadIsCachedAndComplete(t *testing.T) {
	a, err := Load()
	mustNoErr(t, err)
	b, err := Load()
	mustNoErr(t, err)
	check(t, a == b, "Load must parse once and share the result")
	equal(t, 1, a.Schema.SchemaVersion, "schemaVersion")
	equal(t, "draft-hallambaker-mesh-security-00", a.Schema.Draft, "draft")
	check(t, strings.Contains(a.DraftText, "Mathematical Mesh Part VII: Security Considerations"), "DraftText is not the draft")
	check(t, MustLoad() == a, "MustLoad returns the shared Spec")
	// Sizes the brief fixes: 33 notes, 50-90 catalog entries, 12 transactions, 5 primitives.
	check(t, len(a.Notes) >= 33, "only %d notes", len(a.Notes))
	check(t, len(a.Requirements) >= 50 && len(a.Requirements) <= 110, "%d requirements", len(a.Requirements)) // 90 until issue 16 added requirements the brief did not foresee
	equal(t, 12, len(a.Schema.Transactions), "transactions")
	equal(t, 5, len(a.Schema.Primitives), "primitives")
}

// TestEmbeddedSpecIsValid runs every invariant on the real files, one subtest per rule, so a
// failure names the rule that broke.
func TestEmbeddedSpecIsValid(t *testing.T) {
	s := MustLoad()
	byRule := map[Rule][]Violation{}
	for _, v := range s.Validate() {
		byRule[v.Rule] = append(byRule[v.Rule], v)
	}
	for _, rule := range []Rule{RuleIDForm, RuleTextVerbatim, RuleNoteExists, RuleLevel, RuleEnum,
		RuleRationale, RuleSection, RuleNoteComplete, RuleBaseExists, RuleInheritCycle, RuleFieldType,
		RuleFieldUnique, RuleTransactionMsgs} {
		t.Run(string(rule), func(t *testing.T) {
			for _, v := range byRule[rule] {
				t.Error(v)
			}
		})
	}
}

// mutate loads the embedded files, lets edit change the decoded JSON, and re-parses the result.
func mutate(t *testing.T, file string, edit func(doc map[string]any)) *Spec {
	t.Helper()
	src := Embedded()
	target := map[string]*[]byte{"schema": &src.Schema, "requirements": &src.Requirements, "notes": &src.Notes}[file]
	mustCheck(t, target != nil, "unknown file %s", file)
	var doc map[string]any
	mustNoErr(t, json.Unmarshal(*target, &doc))
	edit(doc)
	out, err := json.Marshal(doc)
	mustNoErr(t, err)
	*target = out
	s, err := Parse(src)
	mustNoErr(t, err)
	return s
}

func item(doc map[string]any, list string, key, value string) map[string]any {
	for _, x := range doc[list].([]any) {
		m := x.(map[string]any)
		if m[key] == value {
			return m
		}
	}
	panic("test fixture: no " + list + " with " + key + "=" + value)
}

func field(st map[string]any, name string) map[string]any {
	for _, x := range st["fields"].([]any) {
		m := x.(map[string]any)
		if m["name"] == name {
			return m
		}
	}
	panic("test fixture: no field " + name)
}

// TestValidateCatchesMistakes injects one realistic mistake per case and expects Validate to name
// the rule and the culprit; a checker that passes everything would fail here.
func TestValidateCatchesMistakes(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		edit    func(doc map[string]any)
		rule    Rule
		subject string
	}{
		{"positional ID", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["id"] = "REQ-1"
		}, RuleIDForm, "REQ-1"},
		{"control with REQ prefix", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "CTL-INGRESS-CONTACTS")["id"] = "REQ-INGRESS-CONTACTS"
		}, RuleIDForm, "REQ-INGRESS-CONTACTS"},
		{"paraphrased text", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["text"] = "The request MUST put the portal name in Host."
		}, RuleTextVerbatim, "REQ-HTTP-HOST"},
		{"WIRE text not in WIRE.md", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-WIRE-HOST")["text"] = "the request MUST carry the portal's IP address in Host."
		}, RuleTextVerbatim, "REQ-WIRE-HOST"},
		{"note text not in the note", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-AUTH-REFUSE")["text"] = "Otherwise HTTP 403."
		}, RuleTextVerbatim, "REQ-AUTH-REFUSE"},
		{"unknown source", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["source"] = "folklore"
		}, RuleEnum, "REQ-HTTP-HOST"},
		{"requirement cites missing note", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["notes"] = []any{"NOTE-NOWHERE"}
		}, RuleNoteExists, "REQ-HTTP-HOST"},
		{"schema cites missing note", "notes", func(d map[string]any) {
			notes := d["notes"].([]any)
			var kept []any
			for _, n := range notes {
				if n.(map[string]any)["id"] != "NOTE-DARE-TAG" {
					kept = append(kept, n)
				}
			}
			d["notes"] = kept
		}, RuleNoteExists, "DareMessage"},
		{"invalid level", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["level"] = "MUST NOT"
		}, RuleLevel, "REQ-HTTP-HOST"},
		{"level contradicts keyword", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-STATUS-MIRROR")["level"] = "MUST"
		}, RuleLevel, "REQ-HTTP-STATUS-MIRROR"},
		{"keyword absent from quoted text", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["keyword"] = "SHALL"
		}, RuleLevel, "REQ-HTTP-HOST"},
		{"control level without rationale", "requirements", func(d map[string]any) {
			delete(item(d, "requirements", "id", "CTL-INGRESS-ACCESS-CONTROL"), "rationale")
		}, RuleRationale, "CTL-INGRESS-ACCESS-CONTROL"},
		{"bad appliesTo", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["appliesTo"] = "server"
		}, RuleEnum, "REQ-HTTP-HOST"},
		{"bad verification", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["verification"] = "manual"
		}, RuleEnum, "REQ-HTTP-HOST"},
		{"section not in draft", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "REQ-HTTP-HOST")["section"] = "3.99"
		}, RuleSection, "REQ-HTTP-HOST"},
		{"control outside section 7", "requirements", func(d map[string]any) {
			item(d, "requirements", "id", "CTL-INGRESS-CONTACTS")["section"] = "3.1"
		}, RuleSection, "CTL-INGRESS-CONTACTS"},
		{"note without reason", "notes", func(d map[string]any) {
			item(d, "notes", "id", "NOTE-AUTH")["reason"] = " "
		}, RuleNoteComplete, "NOTE-AUTH"},
		{"note ID in lower case", "notes", func(d map[string]any) {
			item(d, "notes", "id", "NOTE-PIN")["id"] = "note-pin"
		}, RuleIDForm, "note-pin"},
		{"missing base class", "schema", func(d map[string]any) {
			item(d, "structures", "name", "ProfileMesh")["inherits"] = "ProfileApp"
		}, RuleBaseExists, "ProfileMesh"},
		{"inheritance cycle", "schema", func(d map[string]any) {
			item(d, "structures", "name", "Profile")["inherits"] = "ProfileMaster"
		}, RuleInheritCycle, "Profile"},
		{"unknown field type", "schema", func(d map[string]any) {
			field(item(d, "structures", "name", "ValidateResponse"), "Valid")["type"] = "Bool"
		}, RuleFieldType, "ValidateResponse.Valid"},
		{"field shadows inherited field", "schema", func(d map[string]any) {
			field(item(d, "structures", "name", "ValidateRequest"), "Account")["name"] = "Portal"
		}, RuleFieldUnique, "ValidateRequest"},
		{"transaction message missing", "schema", func(d map[string]any) {
			item(d, "transactions", "name", "Get")["response"] = "GetReply"
		}, RuleTransactionMsgs, "Get"},
		{"response without MeshResponse base", "schema", func(d map[string]any) {
			item(d, "structures", "name", "ConnectStartResponse")["inherits"] = "MeshRequest"
		}, RuleTransactionMsgs, "ConnectStart"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := mutate(t, tc.file, tc.edit)
			var found []string
			for _, v := range s.Validate() {
				found = append(found, v.String())
				if v.Rule == tc.rule && v.Subject == tc.subject {
					return
				}
			}
			t.Fatalf("no %s violation for %s; got %v", tc.rule, tc.subject, found)
		})
	}
}

func TestParseRejectsBadFiles(t *testing.T) {
	dupReq := func(s *Sources) {
		var doc map[string]any
		_ = json.Unmarshal(s.Requirements, &doc)
		list := doc["requirements"].([]any)
		doc["requirements"] = append(list, list[0])
		s.Requirements, _ = json.Marshal(doc)
	}
	cases := []struct {
		name  string
		edit  func(*Sources)
		file  string
		isDup bool
	}{
		{"truncated schema", func(s *Sources) { s.Schema = s.Schema[:100] }, "schema.json", false},
		{"trailing data", func(s *Sources) { s.Notes = append(s.Notes, []byte(" {}")...) }, "notes.json", false},
		{"requirements not an object", func(s *Sources) { s.Requirements = []byte(`[1,2]`) }, "requirements.json", false},
		{"duplicate requirement", dupReq, "requirements.json", true},
		{"duplicate structure", func(s *Sources) {
			s.Schema = bytes.Replace(s.Schema, []byte(`"name": "EscrowedKeySet"`), []byte(`"name": "PublicKey"`), 1)
		}, "schema.json", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := Embedded()
			tc.edit(&src)
			_, err := Parse(src)
			var le *LoadError
			mustCheck(t, errors.As(err, &le), "want a *LoadError, got %v", err)
			equal(t, tc.file, le.File, "file")
			equal(t, tc.isDup, errors.Is(err, ErrDuplicate), "errors.Is(ErrDuplicate)")
		})
	}
}

// TestEmbeddedFilesHaveNoUnknownMembers keeps the Go types in step with the JSON: a member the
// types lack would be silently dropped by Load.
func TestEmbeddedFilesHaveNoUnknownMembers(t *testing.T) {
	src := Embedded()
	for _, tc := range []struct {
		name string
		data []byte
		v    any
	}{
		{"schema.json", src.Schema, &Schema{}},
		{"requirements.json", src.Requirements, &catalogFile{}},
		{"notes.json", src.Notes, &notesFile{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec := json.NewDecoder(bytes.NewReader(tc.data))
			dec.DisallowUnknownFields()
			mustNoErr(t, dec.Decode(tc.v))
		})
	}
}

func TestLookups(t *testing.T) {
	s := MustLoad()
	names := func(fs []Field) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	t.Run("AllFields", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			want []string
		}{
			{"ProfileMesh", []string{"Names", "Updated", "NotaryToken", "Account", "MasterProfile", "AccountEncryptionKey"}},
			{"ValidateRequest", []string{"Portal", "Service", "ID", "Account", "Reserve", "Language"}},
			{"Profile", []string{"Names", "Updated", "NotaryToken"}},
			{"NoSuchThing", nil},
		} {
			equal(t, tc.want, names(s.AllFields(tc.name)), tc.name)
		}
	})
	t.Run("Subtypes", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			want []string
		}{
			// ProfileApplication is abstract: excluded; ProfileMesh* reached through it.
			{"Profile", []string{"ProfileMaster", "ProfileDevice", "ProfileMesh", "ProfileMeshDevicePublic", "ProfileMeshDevicePrivate"}},
			{"Key", []string{"PublicKeyECDH", "PrivateKeyECDH"}},
			{"CatalogEntryContact", []string{"CatalogEntryContactRecryption"}},
			{"ValidateResponse", nil},
		} {
			equal(t, tc.want, s.Subtypes(tc.name), tc.name)
		}
	})
	t.Run("Transaction", func(t *testing.T) {
		tx, ok := s.Transaction("ValidateAccount")
		mustCheck(t, ok, "ValidateAccount not found")
		equal(t, "ValidateRequest", tx.Request, "request")
		equal(t, "ValidateResponse", tx.Response, "response")
		for msg, want := range map[string]string{"GetRequest": "Get", "ConnectCompleteResponse": "ConnectComplete", "HelloRequest": "Hello"} {
			tx, ok := s.TransactionByMessage(msg)
			mustCheck(t, ok, "%s not found", msg)
			equal(t, want, tx.Name, msg)
		}
		_, ok = s.TransactionByMessage("MeshRequest")
		check(t, !ok, "MeshRequest belongs to no transaction")
		_, ok = s.Transaction("ValidateRequest")
		check(t, !ok, "a message name is not a transaction name")
	})
	t.Run("Structure", func(t *testing.T) {
		st, ok := s.Structure("GetResponse")
		mustCheck(t, ok, "GetResponse not found")
		equal(t, "MeshResponse", st.Inherits, "inherits")
		equal(t, "Entries", st.Fields[0].Name, "wire name")
		equal(t, "DataItems", st.Fields[0].DraftName, "draft name")
		_, ok = s.Structure("DataItem")
		check(t, !ok, "DataItem is not a schema structure")
	})
	t.Run("Requirement and Note", func(t *testing.T) {
		r, ok := s.Requirement("REQ-HTTP-HOST")
		mustCheck(t, ok, "REQ-HTTP-HOST not found")
		equal(t, "3.1", r.Section, "section")
		equal(t, "MUST", r.Level, "level")
		n, ok := s.Note("NOTE-AUTH")
		mustCheck(t, ok, "NOTE-AUTH not found")
		check(t, strings.Contains(n.Decision, "Mesh-Request-Auth-1"), "NOTE-AUTH lost its construction")
		_, ok = s.Requirement("NOTE-AUTH")
		check(t, !ok, "a note ID is not a requirement ID")
	})
	t.Run("IsPrimitive", func(t *testing.T) {
		for typ, want := range map[string]bool{"String": true, "Binary": true, "DateTime": true, "DareMessage": false, "string": false} {
			equal(t, want, s.IsPrimitive(typ), typ)
		}
	})
}

// TestCatalogCoverage checks the catalog against the draft itself: every upper-case keyword
// sentence and every item of section 7 has an entry, so a forgotten sentence is caught.
func TestCatalogCoverage(t *testing.T) {
	s := MustLoad()
	quoted := map[string]map[string]bool{} // text -> keywords catalogued for it
	for _, r := range s.Requirements {
		if r.Source != "draft" {
			continue
		}
		t := NormalizeSpace(r.Text)
		if quoted[t] == nil {
			quoted[t] = map[string]bool{}
		}
		quoted[t][r.Keyword] = true
	}
	covered := func(sentence, keyword string) bool {
		for text, kws := range quoted {
			if strings.Contains(text, sentence) || strings.Contains(sentence, text) {
				if keyword == "" || kws[keyword] {
					return true
				}
			}
		}
		return false
	}
	body := NormalizeSpace(s.DraftText[strings.Index(s.DraftText, "\n2.2. Defined Terms"):])
	kw := regexp.MustCompile(`\b(MUST NOT|SHOULD NOT|SHALL NOT|MUST|SHOULD|SHALL|REQUIRED|MAY)\b`)
	sentences := regexp.MustCompile(`[^.]*\b(MUST|SHOULD|SHALL|REQUIRED|MAY)\b[^.]*`).FindAllString(body, -1)
	mustCheck(t, len(sentences) > 0, "no keyword sentences found")
	for _, sent := range sentences {
		sent = strings.TrimSpace(sent)
		for _, k := range kw.FindAllString(sent, -1) {
			// The shortest catalogued quotation inside this stretch must carry the keyword.
			if !covered(sent, k) && !coveredByPart(quoted, sent, k) {
				t.Errorf("keyword %s in %q has no catalog entry", k, sent)
			}
		}
	}

	lines := strings.Split(s.DraftText, "\n")
	in7 := false
	heading := regexp.MustCompile(`^(\[)?[0-9]+(\.[0-9]+)*\.`)
	for _, line := range lines {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "7. Controls"):
			in7 = true
		case strings.HasPrefix(line, "8. Security Considerations"):
			in7 = false
		case !in7 || line == "" || heading.MatchString(line):
		default:
			found := false
			for _, r := range s.Requirements {
				if r.Kind == "control" && NormalizeSpace(r.Text) == NormalizeSpace(line) ||
					r.Kind == "control" && strings.Contains(NormalizeSpace(line), NormalizeSpace(r.Text)) {
					found = true
				}
			}
			check(t, found, "section 7 item %q has no control entry", line)
		}
	}
}

// coveredByPart accepts a stretch of text that holds several sentences (the regexp splits on
// full stops only) when some catalogued quotation with the keyword lies inside it.
func coveredByPart(quoted map[string]map[string]bool, stretch, keyword string) bool {
	for text, kws := range quoted {
		if kws[keyword] && strings.Contains(stretch, strings.TrimSuffix(text, ".")) {
			return true
		}
	}
	return false
}

func TestDraftSections(t *testing.T) {
	got := DraftSections(MustLoad().DraftText)
	for _, sec := range []string{"1", "2.6.5", "2.8.11", "2.9", "2.9.1", "3.15.2", "7.1.1.2", "7.2.3.1", "11.3"} {
		check(t, got[sec], "section %s should be found", sec)
	}
	for _, sec := range []string{"2.8.16", "3.17", "12"} {
		check(t, !got[sec], "section %s does not exist", sec)
	}
}

func TestNormalizeSpace(t *testing.T) {
	for in, want := range map[string]string{
		"The list of characters\n\nMAY not":   "The list of characters MAY not",
		"  a\tb  ":                            "a b",
		"":                                    "",
		"Keys or key contributions\nenabling": "Keys or key contributions enabling",
	} {
		equal(t, want, NormalizeSpace(in), in)
	}
	s := MustLoad()
	check(t, s.InDraft("The list of characters MAY not be exhaustive"), "a sentence split by a blank line is still found")
	check(t, !s.InDraft(""), "the empty string is no quotation")
	check(t, !s.InDraft("The portal MUST do something else."), "an invented sentence is not in the draft")
}
