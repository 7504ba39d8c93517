package vectors

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// SchemaVersion is the version of the vector file format written by this build.
const SchemaVersion = 1

// Results a test may expect.
const (
	Valid      = "valid"      // must be accepted, and yield the expected output
	Invalid    = "invalid"    // must be rejected
	Acceptable = "acceptable" // accepting and rejecting are both conformant; see the flags
)

// BugTypes is the fixed list a note's bugType is taken from.
var BugTypes = []string{
	"BASIC",              // an ordinary valid case
	"EDGE_CASE",          // a boundary that implementations get wrong
	"LEGACY",             // a form older software produced and readers should still take
	"MALFORMED",          // input that breaks the wire format and must be refused
	"MODIFIED_PARAMETER", // a valid object with one part changed
	"MISSING_STEP",       // an implementation that skips a check accepts it
	"CAN_OF_WORMS",       // accepting it opens the door to worse (e.g. limits)
	"SIGNATURE_MALLEABILITY",
	"WRONG_KEY",
	"DEFINED", // the behaviour is defined by an interpretation note
}

// Note explains a flag.
type Note struct {
	BugType     string `json:"bugType"`
	Description string `json:"description"`
	Effect      string `json:"effect,omitempty"`
}

// Source records the generator of a test group.
type Source struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Test is what every test of every file has in common.
type Test struct {
	TcID    string   `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	Result  string   `json:"result"`
	// Section of the draft the test exercises, and the requirement ID or interpretation note.
	Section     string `json:"section"`
	Requirement string `json:"requirement,omitempty"`
	NoteID      string `json:"note,omitempty"`
}

// Header is what every file has in common; Groups holds the topic's test groups as raw JSON,
// decoded by the typed accessors.
type Header struct {
	Schema           string          `json:"schema"`
	SchemaVersion    int             `json:"schemaVersion"`
	Topic            string          `json:"topic"`
	GeneratorVersion string          `json:"generatorVersion"`
	NumberOfTests    int             `json:"numberOfTests"`
	Description      []string        `json:"header"`
	Notes            map[string]Note `json:"notes"`
}

// File is a vector file with groups of type G.
type File[G any] struct {
	Header
	TestGroups []G `json:"testGroups"`
}

//go:embed testvectors schemas
var files embed.FS

// FS returns the embedded vector files (testvectors/) and schemas (schemas/).
func FS() fs.FS { return files }

// Names lists the embedded vector files, without directory, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, "testvectors")
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Raw returns the bytes of an embedded vector file.
func Raw(name string) ([]byte, error) {
	return fs.ReadFile(files, path.Join("testvectors", name))
}

// Schema returns the bytes of an embedded JSON Schema.
func Schema(name string) ([]byte, error) {
	return fs.ReadFile(files, path.Join("schemas", name))
}

// Load decodes an embedded vector file into a File of the given group type.
func Load[G any](name string) (*File[G], error) {
	data, err := Raw(name)
	if err != nil {
		return nil, fmt.Errorf("vectors: %w", err)
	}
	var f File[G]
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("vectors: %s: %w", name, err)
	}
	return &f, nil
}
