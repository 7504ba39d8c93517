package targets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meshconform/meshconform/reference/wire"
)

// Base64 fuzzes wire.DecodeBase64: errors are *wire.Base64Error; any bytes survive
// EncodeBase64 then DecodeBase64; and lenient input never yields bytes that strict decoding
// (base64url, no padding, zero trailing bits) of the cleaned text (white space and '='
// removed, as NOTE-BASE64 allows) would not.
var Base64 = register(&Target{
	Name:   "FuzzBase64",
	Parser: "wire.DecodeBase64",
	Check:  checkBase64,
	seeds:  base64Seeds,
})

var strictBase64 = base64.RawURLEncoding.Strict()

// base64Skipped is what NOTE-BASE64 lets a reader skip inside a Binary value.
const base64Skipped = " \t\r\n="

func checkBase64(data []byte) (Outcome, error) {
	const name = "FuzzBase64"
	// Every byte string round-trips through the canonical writer.
	enc := wire.EncodeBase64(data)
	if back, err := wire.DecodeBase64(enc); err != nil || !bytes.Equal(back, data) {
		return Rejected, violation(name, "DecodeBase64(EncodeBase64(x)) == x", "x=%x encoded %q: %v", data, enc, err)
	}
	s := string(data)
	got, err := wire.DecodeBase64(s)
	if err != nil {
		var be *wire.Base64Error
		if !errors.As(err, &be) {
			return Rejected, violation(name, "errors are typed", "%T: %v", err, err)
		}
		return Rejected, nil
	}
	clean := strings.Map(func(r rune) rune {
		if strings.ContainsRune(base64Skipped, r) {
			return -1
		}
		return r
	}, s)
	want, serr := strictBase64.DecodeString(clean)
	if serr != nil || !bytes.Equal(got, want) {
		return Accepted, violation(name, "lenient decoding yields only what strict decoding of the cleaned text yields",
			"input %q gave %x; strict decoding of %q gave %x, %v", clip(data), got, clean, want, serr)
	}
	return Accepted, nil
}

// DateTime fuzzes wire.ParseDateTime: errors are *wire.DateTimeError; an accepted instant is
// in UTC, and its canonical form parses back to the same instant (to the second) and is
// written the same way again.
var DateTime = register(&Target{
	Name:   "FuzzDateTime",
	Parser: "wire.ParseDateTime / FormatDateTime",
	Check:  checkDateTime,
	seeds:  dateTimeSeeds,
})

func checkDateTime(data []byte) (Outcome, error) {
	const name = "FuzzDateTime"
	t, err := wire.ParseDateTime(string(data))
	if err != nil {
		var de *wire.DateTimeError
		if !errors.As(err, &de) {
			return Rejected, violation(name, "errors are typed", "%T: %v", err, err)
		}
		return Rejected, nil
	}
	if t.Location() != time.UTC {
		return Accepted, violation(name, "instants are returned in UTC", "%q gave location %v", data, t.Location())
	}
	first := wire.FormatDateTime(t)
	again, err := wire.ParseDateTime(first)
	if err != nil {
		return Accepted, violation(name, "decode-encode-decode is stable", "%q was written as %q, which does not parse: %v", data, first, err)
	}
	if want := t.Truncate(time.Second); !again.Equal(want) {
		return Accepted, violation(name, "decode-encode-decode is stable", "%q -> %q -> %v, want %v", data, first, again, want)
	}
	if second := wire.FormatDateTime(again); second != first {
		return Accepted, violation(name, "decode-encode-decode is stable", "%q written as %q then %q", data, first, second)
	}
	return Accepted, nil
}

// Scanner fuzzes the wire scanner itself: Decoder.Skip then End over arbitrary bytes under
// very tight limits. Errors are *wire.SyntaxError or *wire.LimitError at an offset inside the
// input; accepted input is well-formed JSON by encoding/json, within every limit by an
// independent measure, and fully consumed; and what encoding/json accepts, the scanner
// accepts too unless it is invalid UTF-8, a lone surrogate escape, or over a limit.
var Scanner = register(&Target{
	Name:   "FuzzScanner",
	Parser: "wire.Decoder.Skip (tight limits)",
	Check:  checkScanner,
	seeds:  scannerSeeds,
})

func checkScanner(data []byte) (Outcome, error) {
	const name = "FuzzScanner"
	d, err := wire.NewDecoder(data, scannerLimits)
	if err == nil {
		err = d.Skip()
		if err == nil {
			err = d.End()
		}
	}
	if err != nil {
		if e := checkWireCause(name, err, false); e != nil {
			return Rejected, e
		}
		var se *wire.SyntaxError
		if errors.As(err, &se) {
			if se.Offset < 0 || se.Offset > len(data) {
				return Rejected, violation(name, "error offsets lie in the input", "offset %d of %d bytes", se.Offset, len(data))
			}
			if json.Valid(data) && utf8.Valid(data) && !hasSurrogateEscape(data) {
				return Rejected, violation(name, "the scanner accepts what encoding/json accepts", "%q: %v", clip(data), err)
			}
		}
		return Rejected, nil
	}
	if d.Offset() != len(data) {
		return Accepted, violation(name, "accepted input is consumed", "offset %d of %d bytes", d.Offset(), len(data))
	}
	return Accepted, checkLimits(name, data, scannerLimits)
}

// hasSurrogateEscape reports whether data has a \u escape in the surrogate range, which
// encoding/json replaces when lone and the wire scanner refuses (it cannot be UTF-8).
func hasSurrogateEscape(data []byte) bool {
	for i := 0; i+3 < len(data); i++ {
		if data[i] == '\\' && data[i+1] == 'u' && (data[i+2] == 'd' || data[i+2] == 'D') {
			switch data[i+3] {
			case '8', '9', 'a', 'b', 'c', 'd', 'e', 'f', 'A', 'B', 'C', 'D', 'E', 'F':
				return true
			}
		}
	}
	return false
}
