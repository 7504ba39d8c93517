package spec

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// The embedded files are the single source of truth; embedding them means a binary never reads a
// stale copy from disk and tests in other packages need no path to this folder.
var (
	//go:embed schema.json
	schemaJSON []byte
	//go:embed requirements.json
	requirementsJSON []byte
	//go:embed notes.json
	notesJSON []byte
	//go:embed draft-hallambaker-mesh-security-00.txt
	draftText string
	//go:embed WIRE.md
	wireText string
)

// Spec is everything the project knows about the protocol: the schema, the requirement catalog,
// the interpretation notes and the draft's text the catalog quotes. A Spec returned by Load is
// shared by every caller and must be treated as read-only.
type Spec struct {
	Schema       Schema
	Requirements []Requirement
	Notes        []Note
	DraftText    string

	structures   map[string]int
	transactions map[string]int
	byMessage    map[string]int
	requirements map[string]int
	notes        map[string]int
	primitives   map[string]bool
	normDraft    string // the draft white-space normalised, computed once for InDraft
	normWire     string // WIRE.md white-space normalised
}

// Schema mirrors spec/schema.json.
type Schema struct {
	SchemaVersion int           `json:"schemaVersion"`
	Draft         string        `json:"draft"`
	Description   string        `json:"description"`
	Primitives    []Primitive   `json:"primitives"`
	Structures    []Structure   `json:"structures"`
	Transactions  []Transaction `json:"transactions"`
}

// Primitive is a scalar wire type (String, Binary, Integer, Boolean, DateTime).
type Primitive struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// Structure is a structure, message or envelope of the schema. Fields holds its own fields only;
// AllFields adds the inherited ones.
type Structure struct {
	Name          string   `json:"name"`
	Kind          string   `json:"kind"`
	Section       string   `json:"section"`
	Inherits      string   `json:"inherits,omitempty"`
	DraftInherits string   `json:"draftInherits,omitempty"`
	Source        string   `json:"source"`
	Description   string   `json:"description"`
	Abstract      bool     `json:"abstract,omitempty"`
	Notes         []string `json:"notes,omitempty"`
	Fields        []Field  `json:"fields"`
}

// Field is one member of a structure as it travels on the wire.
type Field struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	Description string   `json:"description"`
	Source      string   `json:"source"`
	DraftName   string   `json:"draftName,omitempty"`
	DraftType   string   `json:"draftType,omitempty"`
	Repeated    bool     `json:"repeated,omitempty"`
	Tagged      bool     `json:"tagged,omitempty"`
	Notes       []string `json:"notes,omitempty"`
}

// Transaction pairs a request message with its response message.
type Transaction struct {
	Name        string `json:"name"`
	Section     string `json:"section"`
	Request     string `json:"request"`
	Response    string `json:"response"`
	DraftStatus string `json:"draftStatus,omitempty"`
	Description string `json:"description"`
}

// Requirement is one entry of spec/requirements.json: a keyword sentence of the draft, a control of
// its section 7, or a project decision that a check enforces.
type Requirement struct {
	ID           string   `json:"id"`
	Section      string   `json:"section"`
	Level        string   `json:"level"`
	Keyword      string   `json:"keyword,omitempty"`
	Kind         string   `json:"kind"`
	Text         string   `json:"text"`
	AppliesTo    string   `json:"appliesTo"`
	Verification string   `json:"verification"`
	Rationale    string   `json:"rationale,omitempty"`
	Source       string   `json:"source"`
	Notes        []string `json:"notes,omitempty"`
}

// Note is an interpretation note: a question the draft leaves open and the project's answer.
type Note struct {
	ID       string `json:"id"`
	Source   string `json:"source"`
	Question string `json:"question"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// ErrDuplicate marks two entries with the same name or ID, which would make lookups ambiguous.
var ErrDuplicate = errors.New("duplicate entry")

// LoadError reports which embedded (or supplied) file could not be parsed.
type LoadError struct {
	File string
	Err  error
}

func (e *LoadError) Error() string { return fmt.Sprintf("spec: %s: %v", e.File, e.Err) }
func (e *LoadError) Unwrap() error { return e.Err }

var loadOnce = sync.OnceValues(func() (*Spec, error) {
	return Parse(Sources{Schema: schemaJSON, Requirements: requirementsJSON, Notes: notesJSON,
		Draft: draftText, Wire: wireText})
})

// Sources are the raw files a Spec is built from.
type Sources struct {
	Schema, Requirements, Notes []byte
	Draft                       string // the draft's text, quoted by source "draft" entries
	Wire                        string // WIRE.md, quoted by source "WIRE.md" entries
}

// Embedded returns the files compiled into the binary, for tools (spec lint) and for tests that
// derive a deliberately broken copy.
func Embedded() Sources {
	return Sources{Schema: bytes.Clone(schemaJSON), Requirements: bytes.Clone(requirementsJSON),
		Notes: bytes.Clone(notesJSON), Draft: draftText, Wire: wireText}
}

// Load parses the embedded files once and returns the shared result.
func Load() (*Spec, error) { return loadOnce() }

// MustLoad is Load for callers that cannot proceed without the spec; the embedded files are fixed
// at build time, so a failure here is a build defect, not bad input.
func MustLoad() *Spec {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

// catalogFile and notesFile are the top-level shapes of requirements.json and notes.json.
type catalogFile struct {
	SchemaVersion int           `json:"schemaVersion"`
	Requirements  []Requirement `json:"requirements"`
}

type notesFile struct {
	SchemaVersion int    `json:"schemaVersion"`
	Notes         []Note `json:"notes"`
}

// Parse builds a Spec from explicit file contents. Load uses it on the embedded copies; tests use
// it to prove that a defective catalog is caught. It checks only what lookups depend on (parsable
// JSON, unique names); Validate checks the catalog's invariants.
func Parse(src Sources) (*Spec, error) {
	s := &Spec{DraftText: src.Draft, normDraft: NormalizeSpace(src.Draft), normWire: NormalizeSpace(src.Wire)}
	if err := decode(src.Schema, &s.Schema); err != nil {
		return nil, &LoadError{File: "schema.json", Err: err}
	}
	var cf catalogFile
	if err := decode(src.Requirements, &cf); err != nil {
		return nil, &LoadError{File: "requirements.json", Err: err}
	}
	s.Requirements = cf.Requirements
	var nf notesFile
	if err := decode(src.Notes, &nf); err != nil {
		return nil, &LoadError{File: "notes.json", Err: err}
	}
	s.Notes = nf.Notes
	if err := s.index(); err != nil {
		return nil, err
	}
	return s, nil
}

// decode is lenient about unknown members so that the lead can add schema metadata without
// breaking every package at once; TestEmbeddedFilesHaveNoUnknownMembers keeps the Go types honest.
func decode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON document")
	}
	return nil
}

// index builds the lookup maps; a duplicate name would make lookups ambiguous, so it is an error.
func (s *Spec) index() error {
	s.structures = make(map[string]int, len(s.Schema.Structures))
	for i, st := range s.Schema.Structures {
		if _, dup := s.structures[st.Name]; dup {
			return &LoadError{File: "schema.json", Err: fmt.Errorf("%w: structure %q", ErrDuplicate, st.Name)}
		}
		s.structures[st.Name] = i
	}
	s.primitives = make(map[string]bool, len(s.Schema.Primitives))
	for _, p := range s.Schema.Primitives {
		s.primitives[p.Name] = true
	}
	s.transactions = make(map[string]int, len(s.Schema.Transactions))
	s.byMessage = make(map[string]int, 2*len(s.Schema.Transactions))
	for i, t := range s.Schema.Transactions {
		if _, dup := s.transactions[t.Name]; dup {
			return &LoadError{File: "schema.json", Err: fmt.Errorf("%w: transaction %q", ErrDuplicate, t.Name)}
		}
		s.transactions[t.Name] = i
		for _, m := range []string{t.Request, t.Response} {
			if _, dup := s.byMessage[m]; dup {
				return &LoadError{File: "schema.json", Err: fmt.Errorf("%w: message %q in two transactions", ErrDuplicate, m)}
			}
			s.byMessage[m] = i
		}
	}
	s.requirements = make(map[string]int, len(s.Requirements))
	for i, r := range s.Requirements {
		if _, dup := s.requirements[r.ID]; dup {
			return &LoadError{File: "requirements.json", Err: fmt.Errorf("%w: requirement %q", ErrDuplicate, r.ID)}
		}
		s.requirements[r.ID] = i
	}
	s.notes = make(map[string]int, len(s.Notes))
	for i, n := range s.Notes {
		if _, dup := s.notes[n.ID]; dup {
			return &LoadError{File: "notes.json", Err: fmt.Errorf("%w: note %q", ErrDuplicate, n.ID)}
		}
		s.notes[n.ID] = i
	}
	return nil
}

// Structure returns the named structure or message.
func (s *Spec) Structure(name string) (*Structure, bool) {
	i, ok := s.structures[name]
	if !ok {
		return nil, false
	}
	return &s.Schema.Structures[i], true
}

// AllFields returns the fields of name including inherited ones, base-most class first, which is
// wire order. An unknown name yields nil; an inheritance cycle stops at the repeated class rather
// than looping.
func (s *Spec) AllFields(name string) []Field {
	var chain []*Structure
	seen := map[string]bool{}
	for n := name; n != "" && !seen[n]; {
		seen[n] = true
		st, ok := s.Structure(n)
		if !ok {
			break
		}
		chain = append(chain, st)
		n = st.Inherits
	}
	var out []Field
	for i := len(chain) - 1; i >= 0; i-- {
		out = append(out, chain[i].Fields...)
	}
	return out
}

// Subtypes returns the concrete structures that inherit name directly or transitively, in schema
// order: the set a decoder must accept where the schema says a field has type name.
func (s *Spec) Subtypes(name string) []string {
	var out []string
	for _, st := range s.Schema.Structures {
		if st.Abstract || st.Name == name {
			continue
		}
		if s.inheritsFrom(st.Name, name) {
			out = append(out, st.Name)
		}
	}
	return out
}

// inheritsFrom reports whether child has base among its ancestors (not counting itself).
func (s *Spec) inheritsFrom(child, base string) bool {
	seen := map[string]bool{child: true}
	st, ok := s.Structure(child)
	for ok && st.Inherits != "" && !seen[st.Inherits] {
		if st.Inherits == base {
			return true
		}
		seen[st.Inherits] = true
		st, ok = s.Structure(st.Inherits)
	}
	return false
}

// Transaction returns the named transaction (e.g. "ValidateAccount").
func (s *Spec) Transaction(name string) (*Transaction, bool) {
	i, ok := s.transactions[name]
	if !ok {
		return nil, false
	}
	return &s.Schema.Transactions[i], true
}

// TransactionByMessage returns the transaction whose request or response is msgName.
func (s *Spec) TransactionByMessage(msgName string) (*Transaction, bool) {
	i, ok := s.byMessage[msgName]
	if !ok {
		return nil, false
	}
	return &s.Schema.Transactions[i], true
}

// Requirement returns the catalog entry with the given ID.
func (s *Spec) Requirement(id string) (*Requirement, bool) {
	i, ok := s.requirements[id]
	if !ok {
		return nil, false
	}
	return &s.Requirements[i], true
}

// Note returns the interpretation note with the given ID.
func (s *Spec) Note(id string) (*Note, bool) {
	i, ok := s.notes[id]
	if !ok {
		return nil, false
	}
	return &s.Notes[i], true
}

// IsPrimitive reports whether typ is one of the schema's primitive wire types.
func (s *Spec) IsPrimitive(typ string) bool { return s.primitives[typ] }

// NormalizeSpace collapses every run of white space to one space and trims the ends, so that a
// sentence the draft breaks across lines, blank lines or pages compares equal to its quotation.
func NormalizeSpace(text string) string { return strings.Join(strings.Fields(text), " ") }

// InDraft reports whether text occurs in the draft after white-space normalisation.
func (s *Spec) InDraft(text string) bool {
	t := NormalizeSpace(text)
	return t != "" && strings.Contains(s.normDraft, t)
}
