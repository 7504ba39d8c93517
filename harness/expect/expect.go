package expect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"strings"
)

// Version is the only file version understood.
const Version = 1

// Disabled categories: why a check is not run against this target.
const (
	NotImplemented   = "not-implemented"
	KnownBug         = "known-bug"
	Environment      = "environment"
	DisagreeWithSpec = "disagree-with-spec"
)

// Categories lists the disabled categories in presentation order.
var Categories = []string{NotImplemented, KnownBug, Environment, DisagreeWithSpec}

// File is the parsed expectations file.
type File struct {
	Version          int               `json:"version"`
	Disabled         []Disabled        `json:"disabled"`
	ExpectedFailures []ExpectedFailure `json:"expectedFailures"`
}

// Disabled is a check (glob) that is not run, with the reason reported as a skip.
type Disabled struct {
	Check    string `json:"check"`
	Reason   string `json:"reason"`
	Category string `json:"category"`
}

// ExpectedFailure is a check (glob) expected to fail. Message, when set, pins the failure: it is
// a regular expression (a plain substring is a valid one) the failure message must match, so a
// different failure of the same check is not hidden.
type ExpectedFailure struct {
	Check   string `json:"check"`
	Reason  string `json:"reason"`
	Message string `json:"message,omitempty"`

	re *regexp.Regexp
}

// Error is a problem in the expectations file; the command line maps it to exit 2.
type Error struct {
	Source string // file name, or "expectations"
	Where  string // e.g. "disabled[2]"
	Err    error
}

func (e *Error) Error() string {
	if e.Where == "" {
		return fmt.Sprintf("%s: %v", e.Source, e.Err)
	}
	return fmt.Sprintf("%s: %s: %v", e.Source, e.Where, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }

// maxFile bounds the file size: it is user input.
const maxFile = 4 << 20

// Load reads and validates an expectations file.
func Load(name string) (*File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, &Error{Source: name, Err: err}
	}
	defer f.Close()
	return Parse(name, f)
}

// Parse reads and validates an expectations document strictly: unknown members, a wrong
// version, empty or malformed globs, unknown categories, missing reasons and bad message patterns
// are all errors, because a silently ignored line would hide a failure.
func Parse(source string, r io.Reader) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFile+1))
	if err != nil {
		return nil, &Error{Source: source, Err: err}
	}
	if len(data) > maxFile {
		return nil, &Error{Source: source, Err: fmt.Errorf("larger than %d bytes", maxFile)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, &Error{Source: source, Err: fmt.Errorf("parse: %w", err)}
	}
	if dec.More() {
		return nil, &Error{Source: source, Err: errors.New("trailing data after the JSON object")}
	}
	if f.Version != Version {
		return nil, &Error{Source: source, Where: "version", Err: fmt.Errorf("version %d, want %d", f.Version, Version)}
	}
	for i := range f.Disabled {
		d := &f.Disabled[i]
		where := fmt.Sprintf("disabled[%d]", i)
		if err := checkGlob(d.Check); err != nil {
			return nil, &Error{Source: source, Where: where, Err: err}
		}
		if strings.TrimSpace(d.Reason) == "" {
			return nil, &Error{Source: source, Where: where, Err: errors.New("reason is required")}
		}
		if !validCategory(d.Category) {
			return nil, &Error{Source: source, Where: where, Err: fmt.Errorf("category %q is not one of %s", d.Category, strings.Join(Categories, ", "))}
		}
	}
	for i := range f.ExpectedFailures {
		x := &f.ExpectedFailures[i]
		where := fmt.Sprintf("expectedFailures[%d]", i)
		if err := checkGlob(x.Check); err != nil {
			return nil, &Error{Source: source, Where: where, Err: err}
		}
		if strings.TrimSpace(x.Reason) == "" {
			return nil, &Error{Source: source, Where: where, Err: errors.New("reason is required")}
		}
		if x.Message != "" {
			re, err := regexp.Compile(x.Message)
			if err != nil {
				return nil, &Error{Source: source, Where: where, Err: fmt.Errorf("message: %w", err)}
			}
			x.re = re
		}
	}
	return &f, nil
}

func validCategory(c string) bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// ErrBadGlob reports a check pattern path.Match cannot use.
var ErrBadGlob = errors.New("bad check glob")

func checkGlob(g string) error {
	if strings.TrimSpace(g) == "" {
		return fmt.Errorf("%w: empty", ErrBadGlob)
	}
	if _, err := path.Match(g, ""); err != nil {
		return fmt.Errorf("%w %q: %w", ErrBadGlob, g, err)
	}
	return nil
}

// DisabledFor returns the first disabled entry matching the check ID.
func (f *File) DisabledFor(id string) (*Disabled, bool) {
	if f == nil {
		return nil, false
	}
	for i := range f.Disabled {
		if ok, _ := path.Match(f.Disabled[i].Check, id); ok {
			return &f.Disabled[i], true
		}
	}
	return nil, false
}

// ExpectedFailureFor returns the first expected-failure entry matching the check ID.
func (f *File) ExpectedFailureFor(id string) (*ExpectedFailure, bool) {
	if f == nil {
		return nil, false
	}
	for i := range f.ExpectedFailures {
		if ok, _ := path.Match(f.ExpectedFailures[i].Check, id); ok {
			return &f.ExpectedFailures[i], true
		}
	}
	return nil, false
}

// Matches reports whether a failure message satisfies the entry: always when no message is
// pinned.
func (x *ExpectedFailure) Matches(message string) bool {
	if x.Message == "" {
		return true
	}
	if x.re == nil {
		// Built by hand rather than parsed: fall back to a substring test.
		return strings.Contains(message, x.Message)
	}
	return x.re.MatchString(message)
}

// Unused lists the entries whose glob matches none of ids: stale lines that would otherwise
// rot silently.
func (f *File) Unused(ids []string) []string {
	if f == nil {
		return nil
	}
	matchesAny := func(g string) bool {
		for _, id := range ids {
			if ok, _ := path.Match(g, id); ok {
				return true
			}
		}
		return false
	}
	var out []string
	for i, d := range f.Disabled {
		if !matchesAny(d.Check) {
			out = append(out, fmt.Sprintf("disabled[%d] %q matches no check", i, d.Check))
		}
	}
	for i, x := range f.ExpectedFailures {
		if !matchesAny(x.Check) {
			out = append(out, fmt.Sprintf("expectedFailures[%d] %q matches no check", i, x.Check))
		}
	}
	return out
}
