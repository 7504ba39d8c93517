package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
)

// Problem is one broken invariant in one file.
type Problem struct {
	File string
	TcID string // empty for file-level problems
	Msg  string
}

func (p Problem) String() string {
	if p.TcID == "" {
		return p.File + ": " + p.Msg
	}
	return p.File + ": " + p.TcID + ": " + p.Msg
}

// genericFile reads the parts of any vector file the invariants need.
type genericFile struct {
	vectors.Header
	TestGroups []struct {
		Tests []vectors.Test `json:"tests"`
	} `json:"testGroups"`
}

// Files lints the named files of fsys (vector files under testvectors/, schemas under schemas/).
func Files(fsys fs.FS, names []string, s *spec.Spec) ([]Problem, error) {
	compiler := jsonschema.NewCompiler()
	schemas, err := fs.Glob(fsys, "schemas/*.json")
	if err != nil {
		return nil, err
	}
	for _, p := range schemas {
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("lint: schema %s: %w", p, err)
		}
		if err := compiler.AddResource(schemaURL(path.Base(p)), doc); err != nil {
			return nil, fmt.Errorf("lint: schema %s: %w", p, err)
		}
	}
	var problems []Problem
	seen := map[string]string{}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, path.Join("testvectors", name))
		if err != nil {
			return nil, err
		}
		problems = append(problems, lintFile(compiler, name, data, s, seen)...)
	}
	return problems, nil
}

func schemaURL(name string) string {
	return "https://meshconform.example/vectors/schemas/" + name
}

func lintFile(c *jsonschema.Compiler, name string, data []byte, s *spec.Spec, seen map[string]string) []Problem {
	var out []Problem
	bad := func(tc, format string, args ...any) {
		out = append(out, Problem{File: name, TcID: tc, Msg: fmt.Sprintf(format, args...)})
	}
	var f genericFile
	if err := json.Unmarshal(data, &f); err != nil {
		bad("", "not a vector file: %v", err)
		return out
	}
	sch, err := c.Compile(schemaURL(f.Schema))
	if err != nil {
		bad("", "schema %q: %v", f.Schema, err)
	} else {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			bad("", "parse: %v", err)
		} else if err := sch.Validate(doc); err != nil {
			bad("", "does not validate against %s: %v", f.Schema, err)
		}
	}
	count := 0
	used := map[string]bool{}
	for _, g := range f.TestGroups {
		for _, t := range g.Tests {
			count++
			if prev, dup := seen[t.TcID]; dup {
				bad(t.TcID, "tcId also used in %s", prev)
			}
			seen[t.TcID] = name
			for _, flag := range t.Flags {
				used[flag] = true
				if _, ok := f.Notes[flag]; !ok {
					bad(t.TcID, "flag %q is not defined in notes", flag)
				}
			}
			switch t.Result {
			case vectors.Valid, vectors.Invalid, vectors.Acceptable:
			default:
				bad(t.TcID, "result %q is not valid, invalid or acceptable", t.Result)
			}
			if t.Requirement != "" {
				if _, ok := s.Requirement(t.Requirement); !ok {
					bad(t.TcID, "cites requirement %s, which spec/ does not have", t.Requirement)
				}
			}
			if t.NoteID != "" {
				if _, ok := s.Note(t.NoteID); !ok {
					bad(t.TcID, "cites note %s, which spec/ does not have", t.NoteID)
				}
			}
			if !sectionExists(s, t.Section) {
				bad(t.TcID, "cites section %s, which the draft does not have", t.Section)
			}
		}
	}
	if count != f.NumberOfTests {
		bad("", "numberOfTests is %d, the file has %d tests", f.NumberOfTests, count)
	}
	var unused []string
	for flag := range f.Notes {
		if !used[flag] {
			unused = append(unused, flag)
		}
		if !validBugType(f.Notes[flag].BugType) {
			bad("", "note %s has bugType %q, not in the fixed list", flag, f.Notes[flag].BugType)
		}
	}
	sort.Strings(unused)
	for _, flag := range unused {
		bad("", "note %s is defined but no test uses it", flag)
	}
	return out
}

func validBugType(b string) bool {
	for _, t := range vectors.BugTypes {
		if t == b {
			return true
		}
	}
	return false
}

// sectionExists accepts a section the draft's text numbers, e.g. "3.6" from "3.6. Transaction".
func sectionExists(s *spec.Spec, section string) bool {
	if section == "" {
		return false
	}
	for _, line := range strings.Split(s.DraftText, "\n") {
		l := strings.TrimLeft(strings.TrimSpace(line), "[")
		if strings.HasPrefix(l, section+".") || strings.HasPrefix(l, section+" ") || strings.HasPrefix(l, section+"]") {
			return true
		}
	}
	return false
}
