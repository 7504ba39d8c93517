package udf

import (
	"fmt"
)

// ParseError says what is wrong with a presentation and where.
type ParseError struct {
	Input string // the input, truncated to 64 characters for messages
	Pos   int    // byte offset of the offending character, -1 when not positional
	Err   error  // one of ErrEmpty, ErrTooLong, ErrAlphabet, ErrDash, ErrTooShort, ErrUnknownType
}

func (e *ParseError) Error() string {
	if e.Pos >= 0 {
		return fmt.Sprintf("udf: %v at offset %d in %q", e.Err, e.Pos, e.Input)
	}
	return fmt.Sprintf("udf: %v in %q", e.Err, e.Input)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Parsed is a validated presentation.
type Parsed struct {
	Text  string // canonical form: upper case, dashes every four characters
	Type  byte   // the type byte
	Bits  int    // bits carried by the presentation (5 per character)
	Bytes []byte // the whole bytes carried, type byte first; trailing partial bits dropped
}

// Value returns the bytes after the type byte.
func (p *Parsed) Value() []byte { return p.Bytes[1:] }

// KnownType reports whether typ is a type byte of the 2019 reference.
func KnownType(typ byte) bool {
	switch typ {
	case TypeAuthenticatorSHA2, TypeAuthenticatorSHA3, TypeSecret, TypeDigestSHA3,
		TypeDigestSHA3Comp, TypeDigestSHA2, TypeDigestSHA2Comp, TypeNonce, TypeShare:
		return true
	}
	return false
}

// Parse validates a presentation: Base32 alphabet (either case), groups of exactly four
// characters separated by single dashes (the last group may be shorter), at least MinChars
// characters, a known type byte. Dashes are optional as a whole: an undashed string is
// accepted, a partly dashed one is not, since a misplaced dash signals a transcription error.
func Parse(s string) (*Parsed, error) { return ParseWith(s, MinChars) }

// ParseWith is Parse with another minimum length, for values whose length the caller checks
// itself (a 32-bit secret's share is 12 characters, all of them needed).
func ParseWith(s string, minChars int) (*Parsed, error) {
	short := s
	if len(short) > 64 {
		short = short[:64] + "..."
	}
	fail := func(pos int, err error) (*Parsed, error) {
		return nil, &ParseError{Input: short, Pos: pos, Err: err}
	}
	if s == "" {
		return fail(-1, ErrEmpty)
	}
	if len(s) > MaxChars+MaxChars/4 {
		return fail(-1, ErrTooLong)
	}
	raw := make([]byte, 0, len(s))
	dashed := false
	for i := 0; i < len(s); i++ {
		if s[i] == '-' {
			dashed = true
			break
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-':
			// A dash is legal only after a complete group of four and before more text.
			if len(raw) == 0 || len(raw)%4 != 0 || i == len(s)-1 || s[i-1] == '-' {
				return fail(i, ErrDash)
			}
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return fail(i, ErrAlphabet)
		}
		if dashed && len(raw) > 0 && len(raw)%4 == 0 && s[i-1] != '-' {
			return fail(i, ErrDash)
		}
		raw = append(raw, c)
	}
	if len(raw) > MaxChars {
		return fail(-1, ErrTooLong)
	}
	if len(raw) < max(minChars, 2) { // two characters hold the type byte
		return fail(-1, ErrTooShort)
	}
	bytes := decodeBits(raw)
	if !KnownType(bytes[0]) {
		return fail(0, ErrUnknownType)
	}
	return &Parsed{Text: Dashes(string(raw)), Type: bytes[0], Bits: 5 * len(raw), Bytes: bytes}, nil
}

// decodeBits turns upper-case Base32 characters into whole bytes, dropping trailing bits.
// Done by hand because encoding/base32 rejects lengths that are not a padding boundary,
// and presentations are cut at arbitrary characters.
func decodeBits(raw []byte) []byte {
	out := make([]byte, 0, len(raw)*5/8)
	var acc uint32
	n := 0
	for _, c := range raw {
		var v byte
		if c >= 'A' && c <= 'Z' {
			v = c - 'A'
		} else {
			v = c - '2' + 26
		}
		acc = acc<<5 | uint32(v)
		n += 5
		if n >= 8 {
			out = append(out, byte(acc>>(n-8)))
			n -= 8
			acc &= 1<<n - 1
		}
	}
	return out
}
