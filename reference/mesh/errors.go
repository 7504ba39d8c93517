package mesh

import (
	"fmt"

	"github.com/meshconform/meshconform/reference/wire"
)

// DecodeError locates a decoding failure: the member path (e.g. "CreateRequest.Profile.Header.kid")
// and the byte offset. Err is the cause: a *wire.SyntaxError, *wire.LimitError, *wire.Base64Error,
// *wire.DateTimeError, *wire.ErrNotInt32, *TypeError, *TagError, *UnknownMemberError or
// *DuplicateMemberError. Callers branch with errors.As on the cause.
type DecodeError struct {
	Path   string
	Offset int
	Err    error
}

func (e *DecodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("decode: %v", e.Err)
	}
	return fmt.Sprintf("decode %s: %v", e.Path, e.Err)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// TypeError reports a value of the wrong JSON kind for its field.
type TypeError struct {
	Want string    // the schema type, e.g. "String", "Integer", "object"
	Got  wire.Kind // what the document has
}

func (e *TypeError) Error() string { return fmt.Sprintf("expected %s, found %s", e.Want, e.Got) }

// TagError reports a tagged value whose tag is missing, unknown, or not acceptable where it stands.
type TagError struct {
	Tag  string // the tag found ("" when none)
	Want string // what was acceptable
	Msg  string
}

func (e *TagError) Error() string {
	if e.Tag == "" {
		return fmt.Sprintf("%s (want %s)", e.Msg, e.Want)
	}
	return fmt.Sprintf("tag %q: %s (want %s)", e.Tag, e.Msg, e.Want)
}

// UnknownMemberError reports a member the schema does not define, in strict mode.
type UnknownMemberError struct {
	Name string
}

func (e *UnknownMemberError) Error() string { return fmt.Sprintf("unknown member %q", e.Name) }

// DuplicateMemberError reports a member given twice in one object.
type DuplicateMemberError struct {
	Name string
}

func (e *DuplicateMemberError) Error() string { return fmt.Sprintf("duplicate member %q", e.Name) }

// EncodeError reports a value that cannot be written, such as a nil top-level structure.
type EncodeError struct {
	Msg string
}

func (e *EncodeError) Error() string { return "encode: " + e.Msg }

// within prefixes a decoding error with one path step (a member name or "[i]").
func within(step string, offset int, err error) error {
	if de, ok := err.(*DecodeError); ok {
		if de.Path == "" {
			de.Path = step
		} else if de.Path[0] == '[' {
			de.Path = step + de.Path
		} else {
			de.Path = step + "." + de.Path
		}
		return de
	}
	return &DecodeError{Path: step, Offset: offset, Err: err}
}
