package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/spec"
)

// Severity grades a finding: an error makes the draft wrong or ambiguous for an implementer, a
// warning is a likely mistake, info records a difference the project has resolved or a blemish.
type Severity string

const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Kind names a class of defect; tests and tools branch on it.
type Kind string

const (
	KindResponseInheritsRequest Kind = "response-inherits-request"
	KindRequestDescribedAsResp  Kind = "request-described-as-response"
	KindUndefinedType           Kind = "undefined-type"
	KindTOCMismatch             Kind = "toc-name-mismatch"
	KindTOCMissing              Kind = "toc-missing-entry"
	KindBodyMissing             Kind = "body-missing-section"
	KindTOCNumbering            Kind = "toc-numbering"
	KindTOCNoTitle              Kind = "toc-empty-title"
	KindTOCPageOrder            Kind = "toc-page-order"
	KindNumbering               Kind = "numbering"
	KindHeadingNoTitle          Kind = "heading-empty-title"
	KindHeadingMarkup           Kind = "heading-markup"
	KindMergedHeading           Kind = "merged-heading"
	KindTitleDefect             Kind = "title-defect"
	KindEmptySection            Kind = "empty-section"
	KindTruncatedSentence       Kind = "truncated-sentence"
	KindSplitSentence           Kind = "split-sentence"
	KindDuplicateField          Kind = "duplicate-field"
	KindDuplicateInherits       Kind = "duplicate-inherits"
	KindDuplicateRequest        Kind = "duplicate-request"
	KindDuplicateResponse       Kind = "duplicate-response"
	KindConflict                Kind = "conflicting-definition"
	KindNoBase                  Kind = "message-without-base"
	KindNoDescription           Kind = "no-description"
	KindEmptyStructure          Kind = "empty-structure"
	KindMissingInherits         Kind = "missing-inherits"
	KindFieldsContradictText    Kind = "fields-contradict-text"
	KindNotImplemented          Kind = "not-implemented"
	KindPlaceholder             Kind = "placeholder"
	KindLostCharacter           Kind = "lost-character"
	KindStrayCharacter          Kind = "stray-character"
	KindKeywordMisuse           Kind = "keyword-misuse"
	KindLowercaseKeyword        Kind = "lowercase-keyword"
	KindSchemaMissing           Kind = "schema-missing"
	KindSchemaMismatch          Kind = "schema-mismatch"
	KindSchemaRenamed           Kind = "schema-renamed"
	KindSchemaOnly              Kind = "schema-only"
)

// severities fixes the grade of each kind so that output does not depend on where it was found.
var severities = map[Kind]Severity{
	KindResponseInheritsRequest: Error, KindRequestDescribedAsResp: Warning, KindUndefinedType: Error,
	KindTOCMismatch: Error, KindTOCMissing: Warning, KindBodyMissing: Error, KindTOCNumbering: Info,
	KindTOCNoTitle: Warning, KindTOCPageOrder: Info, KindNumbering: Warning, KindHeadingNoTitle: Warning,
	KindHeadingMarkup: Info, KindMergedHeading: Warning, KindTitleDefect: Info, KindEmptySection: Warning,
	KindTruncatedSentence: Error, KindSplitSentence: Warning, KindDuplicateField: Warning,
	KindDuplicateInherits: Warning, KindDuplicateRequest: Warning, KindDuplicateResponse: Warning,
	KindConflict: Error, KindNoBase: Warning, KindNoDescription: Info, KindEmptyStructure: Info, KindMissingInherits: Info,
	KindFieldsContradictText: Error, KindNotImplemented: Info, KindPlaceholder: Warning,
	KindLostCharacter: Info, KindStrayCharacter: Info, KindKeywordMisuse: Warning,
	KindLowercaseKeyword: Info, KindSchemaMissing: Error, KindSchemaMismatch: Error,
	KindSchemaRenamed: Info, KindSchemaOnly: Info,
}

// Finding is one defect of the draft, located by section number.
type Finding struct {
	Section  string   `json:"section"`
	Kind     Kind     `json:"kind"`
	Severity Severity `json:"severity"`
	Message  string   `json:"message"`
}

// ErrNotADraft is returned for input in which no numbered section can be found: linting it would
// report nothing and look like a clean draft.
var ErrNotADraft = errors.New("no numbered sections found: not an Internet-Draft text")

// primitives are the draft's scalar types; any other type name must be defined somewhere.
var primitives = map[string]bool{"String": true, "Binary": true, "Integer": true, "Boolean": true, "DateTime": true}

// Lint checks the draft's text on its own and, when schema is not nil, against the schema. The
// findings come sorted by section, kind and message.
func Lint(draft string, schema *spec.Schema) ([]Finding, error) {
	doc := parse(draft)
	if len(doc.Sections) == 0 {
		return nil, ErrNotADraft
	}
	l := &linter{doc: doc}
	l.defs, l.txs = doc.definitions()
	l.checkTOC()
	l.checkHeadings()
	l.checkDefinitions()
	l.checkTransactions()
	l.checkProse()
	if schema != nil {
		l.checkSchema(schema)
	}
	sort.SliceStable(l.out, func(i, j int) bool {
		a, b := l.out[i], l.out[j]
		if c := compareSections(a.Section, b.Section); c != 0 {
			return c < 0
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Message < b.Message
	})
	return l.out, nil
}

type linter struct {
	doc  *document
	defs []*definition
	txs  []*transaction
	out  []Finding
}

func (l *linter) add(sec string, k Kind, format string, args ...any) {
	l.out = append(l.out, Finding{Section: sec, Kind: k, Severity: severities[k], Message: fmt.Sprintf(format, args...)})
}

func (l *linter) sectionByNumber() map[string]*section {
	m := map[string]*section{}
	for _, s := range l.doc.Sections {
		if _, dup := m[s.Number]; !dup {
			m[s.Number] = s
		}
	}
	return m
}

func (l *linter) checkTOC() {
	toc := l.doc.TOC
	if len(toc) == 0 {
		return
	}
	// Entries without the trailing dot come in runs; one finding per run keeps the report readable.
	for i := 0; i < len(toc); {
		if toc[i].Dotted {
			i++
			continue
		}
		j := i
		for j+1 < len(toc) && !toc[j+1].Dotted {
			j++
		}
		if i == j {
			l.add(toc[i].Number, KindTOCNumbering, "table of contents entry %q lacks the trailing dot of the other entries", toc[i].Number)
		} else {
			l.add(toc[i].Number, KindTOCNumbering, "table of contents entries %s to %s (%d entries) lack the trailing dot of the other entries", toc[i].Number, toc[j].Number, j-i+1)
		}
		i = j + 1
	}
	prev, prevPage := "", 0
	depth := 0
	for _, e := range toc {
		if e.Title == "" {
			l.add(e.Number, KindTOCNoTitle, "table of contents entry %s. has no title", e.Number)
		}
		if e.Page < prevPage {
			l.add(e.Number, KindTOCPageOrder, "table of contents gives page %d for %s, before page %d of the previous entry", e.Page, e.Number, prevPage)
		}
		if !expectedNext(prev, e.Number) {
			l.add(e.Number, KindNumbering, "table of contents entry %s does not follow %s", e.Number, orStart(prev))
		}
		prev, prevPage = e.Number, e.Page
		depth = max(depth, strings.Count(e.Number, ".")+1)
	}
	body := l.sectionByNumber()
	inTOC := map[string]bool{}
	for _, e := range toc {
		inTOC[e.Number] = true
		s, ok := body[e.Number]
		switch {
		case !ok:
			l.add(e.Number, KindBodyMissing, "table of contents lists %s %q but the body has no such section", e.Number, e.Title)
		case e.Title != "" && s.Title != "" && e.Title != s.Title:
			l.add(e.Number, KindTOCMismatch, "table of contents says %q, the body says %q", e.Title, s.Title)
		}
	}
	// The table of contents lists sections down to its own depth; deeper ones are legitimately absent.
	for _, s := range l.doc.Sections {
		if !inTOC[s.Number] && strings.Count(s.Number, ".")+1 <= depth {
			l.add(s.Number, KindTOCMissing, "section %s %q is missing from the table of contents", s.Number, s.Title)
		}
	}
}

func orStart(prev string) string {
	if prev == "" {
		return "the start"
	}
	return prev
}

func (l *linter) checkHeadings() {
	secs := l.doc.Sections
	prev := ""
	for i, s := range secs {
		if !expectedNext(prev, s.Number) {
			l.add(s.Number, KindNumbering, "section %s does not follow %s", s.Number, orStart(prev))
		}
		prev = s.Number
		if s.Title == "" {
			l.add(s.Number, KindHeadingNoTitle, "heading %s. has no title", s.Number)
		}
		if strings.Contains(s.Title, "()") {
			l.add(s.Number, KindTitleDefect, "title %q contains empty parentheses", s.Title)
		}
		if s.Merged != "" {
			l.add(s.Number, KindMergedHeading, "headings %s and %s run together on one line (line %d)", s.Number, s.Merged, s.Line)
		}
		// A leaf section (no subsection follows) with nothing under it says nothing.
		leaf := i+1 >= len(secs) || !strings.HasPrefix(secs[i+1].Number, s.Number+".")
		if leaf && len(s.Items) == 0 && s.Merged == "" {
			l.add(s.Number, KindEmptySection, "section %s %q is empty", s.Number, s.Title)
		}
	}
	// Link residue from the HTML conversion comes in runs; report each run once.
	for i := 0; i < len(secs); {
		if !secs[i].Markup {
			i++
			continue
		}
		j := i
		for j+1 < len(secs) && secs[j+1].Markup {
			j++
		}
		if i == j {
			l.add(secs[i].Number, KindHeadingMarkup, "heading %s keeps the link markup \"[%s.](#)\"", secs[i].Number, secs[i].Number)
		} else {
			l.add(secs[i].Number, KindHeadingMarkup, "headings %s to %s (%d headings) keep the link markup \"[n.](#)\"", secs[i].Number, secs[j].Number, j-i+1)
		}
		i = j + 1
	}
}

// defined returns the names of every structure and message the draft defines.
func (l *linter) defined() map[string]*definition {
	m := map[string]*definition{}
	for _, d := range l.defs {
		if _, dup := m[d.Name]; !dup {
			m[d.Name] = d
		}
	}
	return m
}

// responseNames are the messages a transaction names as its response, plus any *Response message.
func (l *linter) responseNames() map[string]bool {
	m := map[string]bool{}
	for _, t := range l.txs {
		for _, r := range t.Responses {
			m[r] = true
		}
	}
	for _, d := range l.defs {
		if strings.HasSuffix(d.Name, "Response") && d.Kind == "Message" {
			m[d.Name] = true
		}
	}
	return m
}

func (l *linter) requestNames() map[string]bool {
	m := map[string]bool{"MeshRequest": true}
	for _, t := range l.txs {
		for _, r := range t.Requests {
			m[r] = true
		}
	}
	return m
}

func (l *linter) checkDefinitions() {
	defs := l.defined()
	responses, requests := l.responseNames(), l.requestNames()
	undefined := func(sec, typ, role string, seen map[string]bool) {
		if primitives[typ] || defs[typ] != nil || seen[typ] {
			return
		}
		seen[typ] = true
		l.add(sec, KindUndefinedType, "%s %s is never defined in the draft", role, typ)
	}
	for _, d := range l.defs {
		sec := d.Sec.Number
		seen := map[string]bool{}
		if first, ok := defs[d.Name]; ok && first != d {
			l.add(sec, KindConflict, "%s %s is defined again (first in %s)", strings.ToLower(d.Kind), d.Name, first.Sec.Number)
		}
		for i, base := range d.Inherits {
			if i > 0 && base == d.Inherits[0] {
				l.add(sec, KindDuplicateInherits, "%s: \"Inherits: %s\" is given twice", d.Name, base)
				continue
			} else if i > 0 {
				l.add(sec, KindConflict, "%s inherits both %s and %s", d.Name, d.Inherits[0], base)
			}
			undefined(sec, base, "base class", seen)
			if responses[d.Name] && requests[base] {
				l.add(sec, KindResponseInheritsRequest, "response %s inherits the request class %s, so it carries no Status", d.Name, base)
			}
		}
		if d.Kind == "Message" && len(d.Inherits) == 0 && d.Name != "MeshRequest" && d.Name != "MeshResponse" {
			l.add(sec, KindNoBase, "message %s inherits neither MeshRequest nor MeshResponse", d.Name)
		}
		fields := map[string]*fieldLine{}
		for _, f := range d.Fields {
			if prev, dup := fields[f.Name]; dup {
				if prev.Type != f.Type || prev.Repeated != f.Repeated {
					l.add(sec, KindConflict, "%s.%s is given twice with different types (%s, %s)", d.Name, f.Name, prev.Type, f.Type)
				} else {
					l.add(sec, KindDuplicateField, "%s.%s is given twice", d.Name, f.Name)
				}
				continue
			}
			fields[f.Name] = f
			undefined(sec, f.Type, "type", seen)
		}
		if len(d.Description) == 0 {
			l.add(sec, KindNoDescription, "%s %s has no description", strings.ToLower(d.Kind), d.Name)
		}
		if d.NoFields && len(d.Fields) > 0 {
			l.add(sec, KindConflict, "%s says [No fields] but lists %d", d.Name, len(d.Fields))
		}
		if len(d.Inherits) == 0 {
			if base := namePrefix(d.Name, defs); base != "" {
				l.add(sec, KindMissingInherits, "%s has no \"Inherits:\" line although its name extends %s (%s)", d.Name, base, defs[base].Sec.Number)
			}
		}
		if d.NoFields && len(d.Inherits) == 0 {
			l.add(sec, KindEmptyStructure, "%s has no fields and no base class", d.Name)
		}
		if d.NoFields && mentionsFields(d.Description) {
			l.add(sec, KindFieldsContradictText, "%s says [No fields] but its description mentions fields: %q", d.Name, d.Description[0].Text)
		}
		if requests[d.Name] && d.Name != "MeshRequest" && len(d.Description) > 0 &&
			strings.HasPrefix(d.Description[0].Text, "Reports the success or failure") {
			l.add(sec, KindRequestDescribedAsResp, "request %s is described as a response: %q", d.Name, d.Description[0].Text)
		}
	}
}

// namePrefix returns the longest other defined name that name extends at a word boundary
// (CatalogEntryApplicationMail extends CatalogEntryApplication): the draft's naming convention for
// a subclass, so a missing base class is probably an omission.
func namePrefix(name string, defs map[string]*definition) string {
	best := ""
	for other := range defs {
		if len(other) < len(name) && strings.HasPrefix(name, other) && len(other) > len(best) {
			if c := name[len(other)]; c >= 'A' && c <= 'Z' {
				best = other
			}
		}
	}
	return best
}

var fieldsWord = regexp.MustCompile(`\bfields?\b`)

func mentionsFields(desc []item) bool {
	for _, it := range desc {
		if fieldsWord.MatchString(it.Text) {
			return true
		}
	}
	return false
}

func (l *linter) checkTransactions() {
	defs := l.defined()
	for _, t := range l.txs {
		sec := t.Sec.Number
		seen := map[string]bool{}
		for role, list := range map[string][]string{"request": t.Requests, "response": t.Responses} {
			kind := KindDuplicateRequest
			if role == "response" {
				kind = KindDuplicateResponse
			}
			if len(list) == 0 {
				l.add(sec, KindConflict, "transaction %s names no %s message", t.Name, role)
			}
			for i, m := range list {
				if i > 0 && m == list[0] {
					l.add(sec, kind, "transaction %s: \"%s: %s\" is given twice", t.Name, strings.ToUpper(role[:1])+role[1:], m)
				} else if i > 0 {
					l.add(sec, KindConflict, "transaction %s names two %s messages, %s and %s", t.Name, role, list[0], m)
				}
				if defs[m] == nil && !seen[m] {
					seen[m] = true
					l.add(sec, KindUndefinedType, "%s message %s of transaction %s is never defined in the draft", role, m, t.Name)
				}
			}
		}
		for _, it := range t.Description {
			if it.Text == "[Not currently implemented]" {
				l.add(sec, KindNotImplemented, "transaction %s is marked \"not currently implemented\"", t.Name)
			}
		}
	}
}

var (
	keywordRe    = regexp.MustCompile(`\b(MUST|SHOULD|SHALL|REQUIRED|MAY|RECOMMENDED)\b`)
	lowerKeyword = regexp.MustCompile(`\b(must|should|shall)\b`)
	mayNot       = regexp.MustCompile(`\bMAY not\b`)
	// danglingWords are words after which an English sentence cannot end.
	danglingWords = map[string]bool{"by": true, "the": true, "a": true, "an": true, "of": true, "to": true,
		"with": true, "for": true, "in": true, "and": true, "or": true, "from": true, "that": true,
		"which": true, "is": true, "be": true, "must": true, "should": true, "may": true}
)

func hasLowerKeyword(s string) bool {
	return strings.Contains(s, "must") || strings.Contains(s, "should") || strings.Contains(s, "shall")
}

// dangling reports whether s ends in a word no sentence ends with. A map lookup on the last word
// replaces an end-anchored regexp, which Go evaluates by rescanning from every position.
func dangling(s string) bool {
	k := strings.LastIndexAny(s, " \t")
	return danglingWords[strings.ToLower(s[k+1:])]
}

// strayEnd reports a stray character after the final full stop (".a") or a trailing slash.
func strayEnd(s string) bool {
	n := len(s)
	if n >= 1 && s[n-1] == '/' {
		return true
	}
	return n >= 2 && s[n-2] == '.' && s[n-1] >= 'a' && s[n-1] <= 'z'
}

var ()

// checkProse looks at the running text: sentences cut off or split, placeholders and conversion
// damage.
func (l *linter) checkProse() {
	secs := l.doc.Sections
	for _, s := range secs {
		for i, it := range s.Items {
			text := it.Text
			if it.Field != nil {
				text = it.Field.Description
			}
			if text == "" {
				continue
			}
			next := l.nextItem(s, i)
			ends := strings.TrimRight(text, " ")
			stray := strayEnd(ends)
			if !endsSentence(ends) && !stray {
				if next != nil && next.Field == nil && startsContinuation(next.Text) {
					l.add(s.Number, KindSplitSentence, "a sentence breaks off at %q and continues in the next paragraph (line %d) with %q", tail(ends), next.Line, head(next.Text))
				} else if dangling(ends) {
					l.add(s.Number, KindTruncatedSentence, "the sentence %q stops mid-requirement", lastSentence(ends))
				}
			}
			if strings.Contains(text, "???") {
				l.add(s.Number, KindPlaceholder, "placeholder text left in: %q", text)
			}
			if strings.Contains(text, " ? ") {
				l.add(s.Number, KindLostCharacter, "a character was lost in conversion (\" ? \", probably a dash): %q", text)
			}
			if stray {
				l.add(s.Number, KindStrayCharacter, "stray character at the end of %q", tail(ends))
			}
			// Substring tests first: the regexps run only on the few items that could match.
			if strings.Contains(text, "MAY not") && mayNot.MatchString(text) {
				l.add(s.Number, KindKeywordMisuse, "\"MAY not\" is not an RFC 2119 keyword; it reads as either MAY NOT or MAY")
			}
			if hasLowerKeyword(text) && compareSections(s.Number, "2.2") >= 0 && lowerKeyword.MatchString(text) && !keywordRe.MatchString(text) {
				w := lowerKeyword.FindString(text)
				l.add(s.Number, KindLowercaseKeyword, "lower-case %q in %q: normative or not?", w, lastSentence(text))
			}
		}
	}
}

// nextItem returns the item after s.Items[i], looking into the next section only when the page
// break could have split a paragraph across a heading (it cannot: headings end paragraphs).
func (l *linter) nextItem(s *section, i int) *item {
	if i+1 < len(s.Items) {
		return &s.Items[i+1]
	}
	return nil
}

func endsSentence(s string) bool {
	if s == "" {
		return true
	}
	switch s[len(s)-1] {
	case '.', '!', '?', ':', ')', ']', '"', '\'', '>':
		return true
	}
	return false
}

// startsContinuation reports whether a paragraph reads as the rest of a previous sentence: it
// opens with a lower-case word or with an RFC 2119 keyword, which never starts an English sentence.
func startsContinuation(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; c >= 'a' && c <= 'z' {
		return true
	}
	first := strings.Fields(s)[0]
	return keywordRe.MatchString(first) && first == strings.ToUpper(first)
}

func tail(s string) string {
	w := strings.Fields(s)
	if len(w) > 6 {
		w = w[len(w)-6:]
		return "..." + strings.Join(w, " ")
	}
	return strings.Join(w, " ")
}

func head(s string) string {
	w := strings.Fields(s)
	if len(w) > 6 {
		return strings.Join(w[:6], " ") + "..."
	}
	return strings.Join(w, " ")
}

func lastSentence(s string) string {
	if k := strings.LastIndex(s, ". "); k >= 0 {
		return s[k+2:]
	}
	return s
}

// checkSchema compares the draft's definitions with the project schema in both directions.
func (l *linter) checkSchema(sc *spec.Schema) {
	byName := map[string]*spec.Structure{}
	for i := range sc.Structures {
		byName[sc.Structures[i].Name] = &sc.Structures[i]
	}
	drafted := map[string]bool{}
	for _, d := range l.defs {
		drafted[d.Name] = true
		sec := d.Sec.Number
		st, ok := byName[d.Name]
		if !ok {
			l.add(sec, KindSchemaMissing, "the schema lacks %s %s", strings.ToLower(d.Kind), d.Name)
			continue
		}
		if st.Section != sec {
			l.add(sec, KindSchemaMismatch, "the schema places %s in section %s", d.Name, st.Section)
		}
		if len(d.Inherits) > 0 {
			base := d.Inherits[0]
			switch {
			case base == st.Inherits:
			case base == st.DraftInherits:
				l.add(sec, KindSchemaRenamed, "%s: the draft's base %s is %s in the schema%s", d.Name, base, orNone(st.Inherits), cite(st.Notes))
			default:
				l.add(sec, KindSchemaMismatch, "%s inherits %s in the draft but %s in the schema", d.Name, base, orNone(st.Inherits))
			}
		} else if st.Inherits != "" && st.DraftInherits == "" && st.Source == "draft" {
			l.add(sec, KindSchemaMismatch, "%s inherits nothing in the draft but %s in the schema", d.Name, st.Inherits)
		}
		matched := map[string]bool{}
		seen := map[string]bool{}
		for _, f := range d.Fields {
			if seen[f.Name] {
				continue
			}
			seen[f.Name] = true
			sf := schemaField(st, f.Name)
			if sf == nil {
				l.add(sec, KindSchemaMissing, "the schema lacks field %s.%s", d.Name, f.Name)
				continue
			}
			matched[sf.Name] = true
			if sf.Name != f.Name {
				l.add(sec, KindSchemaRenamed, "%s.%s travels as %s%s", d.Name, f.Name, sf.Name, cite(sf.Notes))
			}
			switch {
			case sf.Type == f.Type:
			case sf.DraftType == f.Type:
				l.add(sec, KindSchemaRenamed, "%s.%s: the draft's type %s is %s in the schema%s", d.Name, f.Name, f.Type, sf.Type, cite(sf.Notes))
			default:
				l.add(sec, KindSchemaMismatch, "%s.%s has type %s in the draft but %s in the schema", d.Name, f.Name, f.Type, sf.Type)
			}
			if sf.Repeated != f.Repeated {
				l.add(sec, KindSchemaMismatch, "%s.%s is %s in the draft but %s in the schema", d.Name, f.Name, card(f.Repeated), card(sf.Repeated))
			}
		}
		for _, sf := range st.Fields {
			if !matched[sf.Name] {
				l.add(sec, KindSchemaOnly, "field %s.%s (source %s) is not in the draft%s", d.Name, sf.Name, sf.Source, cite(sf.Notes))
			}
		}
	}
	for _, st := range sc.Structures {
		if !drafted[st.Name] {
			l.add(st.Section, KindSchemaOnly, "%s %s (source %s) is not defined in the draft%s", st.Kind, st.Name, st.Source, cite(st.Notes))
		}
	}
	draftTx := map[string]*transaction{}
	for _, t := range l.txs {
		draftTx[t.Name] = t
	}
	for _, st := range sc.Transactions {
		t, ok := draftTx[st.Name]
		if !ok {
			l.add(st.Section, KindSchemaOnly, "transaction %s is not in the draft", st.Name)
			continue
		}
		delete(draftTx, st.Name)
		if len(t.Requests) > 0 && t.Requests[0] != st.Request || len(t.Responses) > 0 && t.Responses[0] != st.Response {
			l.add(t.Sec.Number, KindSchemaMismatch, "transaction %s pairs %v/%v in the draft but %s/%s in the schema", st.Name, t.Requests, t.Responses, st.Request, st.Response)
		}
	}
	for name, t := range draftTx {
		l.add(t.Sec.Number, KindSchemaMissing, "the schema lacks transaction %s", name)
	}
}

// schemaField finds the schema field a draft field corresponds to, by wire name or by the
// draft's name recorded in the schema.
func schemaField(st *spec.Structure, name string) *spec.Field {
	for i := range st.Fields {
		if st.Fields[i].Name == name {
			return &st.Fields[i]
		}
	}
	for i := range st.Fields {
		if st.Fields[i].DraftName == name {
			return &st.Fields[i]
		}
	}
	return nil
}

func cite(notes []string) string {
	if len(notes) == 0 {
		return ""
	}
	return " (" + strings.Join(notes, ", ") + ")"
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

func card(repeated bool) string {
	if repeated {
		return "[0..Many]"
	}
	return "(Optional)"
}

// WriteText prints one line per finding, "SECTION  KIND  message", then a count line.
func WriteText(w io.Writer, findings []Finding) error {
	counts := map[Severity]int{}
	for _, f := range findings {
		sec := f.Section
		if sec == "" {
			sec = "-"
		}
		if _, err := fmt.Fprintf(w, "%-8s  %-29s  %s\n", sec, f.Kind, f.Message); err != nil {
			return fmt.Errorf("lint: write: %w", err)
		}
		counts[f.Severity]++
	}
	_, err := fmt.Fprintf(w, "%d findings: %d errors, %d warnings, %d info\n", len(findings), counts[Error], counts[Warning], counts[Info])
	if err != nil {
		return fmt.Errorf("lint: write: %w", err)
	}
	return nil
}

// WriteJSON prints the findings and their count as one JSON document.
func WriteJSON(w io.Writer, findings []Finding) error {
	if findings == nil {
		findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Count    int       `json:"count"`
		Findings []Finding `json:"findings"`
	}{len(findings), findings}); err != nil {
		return fmt.Errorf("lint: write: %w", err)
	}
	return nil
}
