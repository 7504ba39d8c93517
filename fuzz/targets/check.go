package targets

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// Limits the codec targets decode under: tight enough that fuzzed input reaches every limit,
// loose enough that the reference's own signed messages fit.
var codecLimits = wire.Limits{MaxBytes: 64 << 10, MaxDepth: 16, MaxString: 16 << 10, MaxArray: 64}

// scannerLimits are the very tight limits of the scanner target, so that each limit is hit
// by inputs of a few dozen bytes.
var scannerLimits = wire.Limits{MaxBytes: 2048, MaxDepth: 6, MaxString: 32, MaxArray: 8}

// maxNumberLen is the longest number text the wire decoder accepts.
const maxNumberLen = 64

var (
	lenient = &mesh.DecodeOptions{Limits: codecLimits}
	strict  = &mesh.DecodeOptions{Strict: true, Limits: codecLimits}
	// reread decodes the codec's own output: strict, since it writes no unknown member, and
	// under the default size limit, since escaping can make a string's text longer
	// (a \b read becomes \u0008 written) while its decoded length, which is limited, is not.
	reread = &mesh.DecodeOptions{Strict: true}
)

// checkDecodeError requires a mesh decoding error to be a *mesh.DecodeError whose cause is
// one of the documented classes, at an offset inside the input.
func checkDecodeError(target string, err error, inputLen int) error {
	var de *mesh.DecodeError
	if !errors.As(err, &de) {
		return violation(target, "errors are typed", "%T is not a *mesh.DecodeError: %v", err, err)
	}
	if de.Offset < 0 || de.Offset > inputLen {
		return violation(target, "error offsets lie in the input", "offset %d of %d bytes: %v", de.Offset, inputLen, err)
	}
	return checkWireCause(target, de.Err, true)
}

// checkWireCause requires the cause of a decoding error to be one of the documented types;
// the mesh types are allowed only where the codec (not the bare scanner) produced the error.
func checkWireCause(target string, cause error, meshTypes bool) error {
	switch cause.(type) {
	case *wire.SyntaxError, *wire.LimitError:
		return nil
	case *wire.Base64Error, *wire.DateTimeError, *wire.ErrNotInt32,
		*mesh.TypeError, *mesh.TagError, *mesh.UnknownMemberError, *mesh.DuplicateMemberError:
		if meshTypes {
			return nil
		}
	}
	return violation(target, "errors are typed", "cause %T is not a documented error class: %v", cause, cause)
}

// isUnknownMember reports whether a decoding error is the strict mode's refusal of an
// unknown member: the only way strict decoding may fail where lenient decoding succeeds.
func isUnknownMember(err error) bool {
	var u *mesh.UnknownMemberError
	return errors.As(err, &u)
}

// shape is what an independent walk measures of a well-formed JSON document.
type shape struct {
	depth, str, count, number int
}

// measure walks a document already known to be well formed and returns its largest nesting
// depth, decoded string length (member names included), member or element count and number
// text length. It is the oracle for "accepted input obeys the limits": it shares no code
// with the wire scanner.
func measure(data []byte) shape {
	var s shape
	var counts []int // members or elements seen in each open container
	afterValue := func() {
		if n := len(counts); n > 0 {
			counts[n-1]++
			s.count = max(s.count, counts[n-1])
		}
	}
	for i := 0; i < len(data); {
		switch c := data[i]; {
		case c == '{' || c == '[':
			counts = append(counts, 0)
			s.depth = max(s.depth, len(counts))
			i++
		case c == '}' || c == ']':
			counts = counts[:len(counts)-1]
			afterValue()
			i++
		case c == '"':
			n, end := stringLen(data, i+1)
			s.str = max(s.str, n)
			i = end
			// A member name is followed by ':' and is not a value of its own.
			j := i
			for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\r' || data[j] == '\n') {
				j++
			}
			if j >= len(data) || data[j] != ':' {
				afterValue()
			}
		case c == '-' || (c >= '0' && c <= '9'):
			j := i
			for j < len(data) && bytes.IndexByte([]byte("+-.eE0123456789"), data[j]) >= 0 {
				j++
			}
			s.number = max(s.number, j-i)
			afterValue()
			i = j
		case c == 't' || c == 'n':
			afterValue()
			i += 4
		case c == 'f':
			afterValue()
			i += 5
		default: // white space, ',' and ':'
			i++
		}
	}
	return s
}

// stringLen returns the decoded UTF-8 length of the string whose text starts at i (after the
// opening quote) and the index after its closing quote.
func stringLen(data []byte, i int) (n, end int) {
	for i < len(data) {
		switch data[i] {
		case '"':
			return n, i + 1
		case '\\':
			if i+1 < len(data) && data[i+1] == 'u' && i+6 <= len(data) {
				v, _ := strconv.ParseUint(string(data[i+2:i+6]), 16, 32)
				r := rune(v)
				i += 6
				if r >= 0xD800 && r < 0xDC00 && i+6 <= len(data) && data[i] == '\\' && data[i+1] == 'u' {
					n += 4 // a surrogate pair is one supplementary character
					i += 6
					continue
				}
				if l := utf8.RuneLen(r); l > 0 {
					n += l
				} else {
					n += 3
				}
				continue
			}
			n++
			i += 2
		default:
			n++
			i++
		}
	}
	return n, i
}

// checkLimits requires an accepted document to be well formed by encoding/json's judgement
// and within lim by the independent measure.
func checkLimits(target string, data []byte, lim wire.Limits) error {
	if !json.Valid(data) {
		return violation(target, "accepted input is well-formed JSON", "encoding/json rejects %q", clip(data))
	}
	if len(data) > lim.MaxBytes {
		return violation(target, "accepted input obeys the limits", "%d bytes > MaxBytes %d", len(data), lim.MaxBytes)
	}
	s := measure(data)
	switch {
	case s.depth > lim.MaxDepth:
		return violation(target, "accepted input obeys the limits", "depth %d > MaxDepth %d", s.depth, lim.MaxDepth)
	case s.str > lim.MaxString:
		return violation(target, "accepted input obeys the limits", "string of %d bytes > MaxString %d", s.str, lim.MaxString)
	case s.count > lim.MaxArray:
		return violation(target, "accepted input obeys the limits", "%d members or elements > MaxArray %d", s.count, lim.MaxArray)
	case s.number > maxNumberLen:
		return violation(target, "accepted input obeys the limits", "number of %d characters > %d", s.number, maxNumberLen)
	}
	return nil
}

// clip shortens an input for a message.
func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "..."
	}
	return string(b)
}

// sameEncoding requires the codec's first and second encodings of a value to be identical.
func sameEncoding(target string, first, second []byte) error {
	if !bytes.Equal(first, second) {
		return violation(target, "decode-encode-decode is stable", "first encoding %q, second %q", clip(first), clip(second))
	}
	if !json.Valid(first) {
		return violation(target, "the codec writes well-formed JSON", "encoding/json rejects %q", clip(first))
	}
	return nil
}

// relateModes checks what lenient (err) and strict (serr) decoding of the same n-byte input
// may do: typed errors only; strict acceptance implies lenient acceptance; strict refuses
// what lenient accepts only for an unknown member. check is the error check of the entry
// point (checkDecodeError for the codec). It reports whether lenient decoding accepted the
// input and whether strict decoding did too, so that the caller compares the two values.
func relateModes(name string, n int, err, serr error, check func(string, error, int) error) (accepted, strictToo bool, e error) {
	if err != nil {
		if e := check(name, err, n); e != nil {
			return false, false, e
		}
		if serr == nil {
			return false, false, violation(name, "strict acceptance implies lenient acceptance", "strict took what lenient refused: %v", err)
		}
		return false, false, check(name, serr, n)
	}
	if serr != nil {
		if e := check(name, serr, n); e != nil {
			return true, false, e
		}
		if !isUnknownMember(serr) {
			return true, false, violation(name, "strict refuses only unknown members beyond lenient", "strict error %v on input lenient accepted", serr)
		}
		return true, false, nil
	}
	return true, true, nil
}

// sameValue compares a value's encoding with the reference encoding first of another value
// decoded from the same input by another path (strict mode, another entry point).
func sameValue(name, property string, first []byte, v mesh.Structure, encode func(mesh.Structure) ([]byte, error)) error {
	got, err := encode(v)
	if err != nil || !bytes.Equal(got, first) {
		return violation(name, property, "%q vs %q (%v)", clip(first), clip(got), err)
	}
	return nil
}
