package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// Rule names one invariant of the spec files. Tests and tools branch on it.
type Rule string

// The invariants Validate checks. Each one guards against a mistake that would silently mislead a
// report: a check citing a requirement that is not in the draft, a note that does not exist, a
// field whose type no decoder knows.
const (
	RuleIDForm          Rule = "id-form"          // REQ-/CTL-/NOTE- mnemonic slugs
	RuleTextVerbatim    Rule = "text-verbatim"    // a quotation occurs in its source
	RuleNoteExists      Rule = "note-exists"      // every cited note is defined
	RuleLevel           Rule = "level"            // level and keyword agree
	RuleEnum            Rule = "enum"             // kind, appliesTo, verification, source
	RuleRationale       Rule = "rationale"        // a level not given by a keyword says why
	RuleSection         Rule = "section"          // section numbers exist in the draft
	RuleNoteComplete    Rule = "note-complete"    // question, decision and reason are filled in
	RuleBaseExists      Rule = "base-exists"      // inherits/draftInherits name a structure
	RuleInheritCycle    Rule = "inherit-cycle"    // inheritance terminates
	RuleFieldType       Rule = "field-type"       // a field's type is a primitive or a structure
	RuleFieldUnique     Rule = "field-unique"     // no name twice in a structure's wire fields
	RuleTransactionMsgs Rule = "transaction-msgs" // a transaction's messages exist with the right base
)

// Violation is one broken invariant.
type Violation struct {
	Rule    Rule
	Subject string // the requirement, note, structure or transaction at fault
	Detail  string
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s: %s", v.Rule, v.Subject, v.Detail) }

var (
	reqIDForm   = regexp.MustCompile(`^REQ(-[A-Z0-9]+){2,}$`)
	ctlIDForm   = regexp.MustCompile(`^CTL(-[A-Z0-9]+){2,}$`)
	noteIDForm  = regexp.MustCompile(`^NOTE(-[A-Z0-9]+)+$`)
	sectionForm = regexp.MustCompile(`^[1-9][0-9]*(\.[1-9][0-9]*)*$`)
	// keywordLevel maps every RFC 2119 keyword the catalog may carry to its level.
	keywordLevel = map[string]string{
		"MUST": "MUST", "MUST NOT": "MUST", "REQUIRED": "MUST", "SHALL": "MUST", "SHALL NOT": "MUST",
		"SHOULD": "SHOULD", "SHOULD NOT": "SHOULD", "RECOMMENDED": "SHOULD", "MAY": "MAY", "OPTIONAL": "MAY",
	}
)

// Validate checks every invariant of the schema, the requirement catalog and the notes, and
// returns the violations in a stable order (empty when the spec is sound).
func (s *Spec) Validate() []Violation {
	var out []Violation
	add := func(r Rule, subject, format string, args ...any) {
		out = append(out, Violation{Rule: r, Subject: subject, Detail: fmt.Sprintf(format, args...)})
	}
	s.validateNotes(add)
	s.validateRequirements(add)
	s.validateSchema(add)
	return out
}

type addFunc func(r Rule, subject, format string, args ...any)

func (s *Spec) validateNotes(add addFunc) {
	for _, n := range s.Notes {
		if !noteIDForm.MatchString(n.ID) {
			add(RuleIDForm, n.ID, "note IDs are NOTE-<WORDS> in capitals")
		}
		if strings.TrimSpace(n.Question) == "" || strings.TrimSpace(n.Decision) == "" ||
			strings.TrimSpace(n.Reason) == "" || strings.TrimSpace(n.Source) == "" {
			add(RuleNoteComplete, n.ID, "source, question, decision and reason are all required")
		}
	}
}

func (s *Spec) validateRequirements(add addFunc) {
	sections := DraftSections(s.DraftText)
	for _, r := range s.Requirements {
		switch r.Kind {
		case "requirement":
			if !reqIDForm.MatchString(r.ID) {
				add(RuleIDForm, r.ID, "a requirement ID is REQ-<AREA>-<WHAT>")
			}
		case "control":
			if !ctlIDForm.MatchString(r.ID) {
				add(RuleIDForm, r.ID, "a control ID is CTL-<AREA>-<WHAT>")
			}
			if !strings.HasPrefix(r.Section, "7.") {
				add(RuleSection, r.ID, "controls come from section 7, not %q", r.Section)
			}
		default:
			add(RuleEnum, r.ID, "kind %q is neither requirement nor control", r.Kind)
		}
		if !sectionForm.MatchString(r.Section) || !sections[r.Section] {
			add(RuleSection, r.ID, "section %q is not a section of the draft", r.Section)
		}
		s.validateLevel(add, r)
		if r.AppliesTo != "portal" && r.AppliesTo != "client" && r.AppliesTo != "both" {
			add(RuleEnum, r.ID, "appliesTo %q is not portal, client or both", r.AppliesTo)
		}
		if r.Verification != "remote" && r.Verification != "client" && r.Verification != "review" {
			add(RuleEnum, r.ID, "verification %q is not remote, client or review", r.Verification)
		}
		s.validateQuote(add, r)
		for _, id := range r.Notes {
			if _, ok := s.Note(id); !ok {
				add(RuleNoteExists, r.ID, "cites %s, which notes.json does not define", id)
			}
		}
	}
}

// validateLevel checks that an upper-case keyword determines the level and that any other level
// is explained, because a level the draft does not state is a project judgement.
func (s *Spec) validateLevel(add addFunc, r Requirement) {
	if r.Level != "MUST" && r.Level != "SHOULD" && r.Level != "MAY" {
		add(RuleLevel, r.ID, "level %q is not MUST, SHOULD or MAY", r.Level)
		return
	}
	if r.Keyword == "" {
		if strings.TrimSpace(r.Rationale) == "" {
			add(RuleRationale, r.ID, "no keyword fixes the level, so a rationale must say why %s", r.Level)
		}
		return
	}
	want, ok := keywordLevel[r.Keyword]
	if !ok {
		add(RuleLevel, r.ID, "keyword %q is not an RFC 2119 keyword", r.Keyword)
		return
	}
	if want != r.Level {
		add(RuleLevel, r.ID, "keyword %s means level %s, not %s", r.Keyword, want, r.Level)
	}
	if r.Source == "draft" && !strings.Contains(NormalizeSpace(r.Text), r.Keyword) {
		add(RuleLevel, r.ID, "the quoted text does not contain its keyword %s", r.Keyword)
	}
}

// validateQuote checks that the text is a verbatim quotation of the source it names.
func (s *Spec) validateQuote(add addFunc, r Requirement) {
	text := NormalizeSpace(r.Text)
	switch {
	case text == "":
		add(RuleTextVerbatim, r.ID, "text is empty")
	case r.Source == "draft":
		if !strings.Contains(s.normDraft, text) {
			add(RuleTextVerbatim, r.ID, "text is not verbatim in the draft: %q", r.Text)
		}
	case r.Source == "WIRE.md":
		if !strings.Contains(s.normWire, text) {
			add(RuleTextVerbatim, r.ID, "text is not verbatim in WIRE.md: %q", r.Text)
		}
	case strings.HasPrefix(r.Source, "NOTE-"):
		n, ok := s.Note(r.Source)
		if !ok {
			add(RuleNoteExists, r.ID, "source %s is not defined in notes.json", r.Source)
		} else if !strings.Contains(NormalizeSpace(n.Decision), text) {
			add(RuleTextVerbatim, r.ID, "text is not verbatim in the decision of %s", r.Source)
		}
	default:
		add(RuleEnum, r.ID, "source %q is not draft, WIRE.md or a NOTE- ID", r.Source)
	}
}

func (s *Spec) validateSchema(add addFunc) {
	for _, st := range s.Schema.Structures {
		for _, id := range st.Notes {
			if _, ok := s.Note(id); !ok {
				add(RuleNoteExists, st.Name, "cites %s, which notes.json does not define", id)
			}
		}
		for _, base := range []string{st.Inherits, st.DraftInherits} {
			if base == "" {
				continue
			}
			if _, ok := s.Structure(base); !ok {
				add(RuleBaseExists, st.Name, "inherits %s, which the schema does not define", base)
			}
		}
		if s.hasCycle(st.Name) {
			add(RuleInheritCycle, st.Name, "the inheritance chain never ends")
			continue
		}
		seen := map[string]bool{}
		for _, f := range s.AllFields(st.Name) {
			if seen[f.Name] {
				add(RuleFieldUnique, st.Name, "field %s appears twice among its own and inherited fields", f.Name)
			}
			seen[f.Name] = true
		}
		for _, f := range st.Fields {
			if !s.IsPrimitive(f.Type) {
				if _, ok := s.Structure(f.Type); !ok {
					add(RuleFieldType, st.Name+"."+f.Name, "type %s is neither a primitive nor a structure", f.Type)
				}
			}
			for _, id := range f.Notes {
				if _, ok := s.Note(id); !ok {
					add(RuleNoteExists, st.Name+"."+f.Name, "cites %s, which notes.json does not define", id)
				}
			}
		}
	}
	for _, t := range s.Schema.Transactions {
		for _, m := range []struct{ name, base string }{{t.Request, "MeshRequest"}, {t.Response, "MeshResponse"}} {
			if _, ok := s.Structure(m.name); !ok {
				add(RuleTransactionMsgs, t.Name, "message %q is not in the schema", m.name)
			} else if !s.inheritsFrom(m.name, m.base) {
				add(RuleTransactionMsgs, t.Name, "message %s does not inherit %s", m.name, m.base)
			}
		}
	}
}

// hasCycle walks the chain from name and reports whether it revisits a class.
func (s *Spec) hasCycle(name string) bool {
	seen := map[string]bool{}
	for n := name; n != ""; {
		if seen[n] {
			return true
		}
		seen[n] = true
		st, ok := s.Structure(n)
		if !ok {
			return false
		}
		n = st.Inherits
	}
	return false
}

var headingLine = regexp.MustCompile(`(?m)^(?:\[)?([1-9][0-9]*(?:\.[1-9][0-9]*)*)\.(?:\]\(#\))?[ \t]`)

// DraftSections returns the section numbers that head a line of the draft's body (after the
// table of contents), so that a catalog entry cannot cite a section the draft does not have.
func DraftSections(draft string) map[string]bool {
	body := draft
	if i := strings.Index(draft, "\n1. Introduction"); i >= 0 {
		body = draft[i:]
	}
	out := map[string]bool{}
	for _, m := range headingLine.FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	// 2.9.1 sits on the same line as 2.9 ("[2.9.](#) Messages**[2.9.1.](#) ..."), a conversion
	// defect of the published text that spec lint reports; count it as present.
	for _, m := range regexp.MustCompile(`\*\*\[([0-9.]+?)\.\]\(#\)`).FindAllStringSubmatch(body, -1) {
		out[m[1]] = true
	}
	return out
}
