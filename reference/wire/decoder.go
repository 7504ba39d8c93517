package wire

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// Kind is the kind of the next JSON value.
type Kind uint8

// The kinds of JSON value, plus End (no more input) and Invalid (a byte no value starts with).
const (
	Invalid Kind = iota
	Object
	Array
	String
	Number
	Bool
	Null
	End
)

var kindNames = [...]string{"invalid", "object", "array", "string", "number", "boolean", "null", "end of input"}

func (k Kind) String() string { return kindNames[k] }

// Decoder scans one JSON document. It validates as it goes, so a caller that stops early
// has still only accepted well-formed input up to that point; End checks the rest.
type Decoder struct {
	data  []byte
	pos   int
	depth int
	lim   Limits
}

// NewDecoder starts decoding data under lim (zero fields take DefaultLimits).
func NewDecoder(data []byte, lim Limits) (*Decoder, error) {
	lim = lim.orDefault()
	if len(data) > lim.MaxBytes {
		return nil, &LimitError{Limit: "body size", Max: lim.MaxBytes, Offset: lim.MaxBytes}
	}
	return &Decoder{data: data, lim: lim}, nil
}

// Offset is the position of the next unread byte.
func (d *Decoder) Offset() int { return d.pos }

func (d *Decoder) syntax(msg string) error { return &SyntaxError{Offset: d.pos, Msg: msg} }

func (d *Decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

// Peek skips white space and tells what kind of value comes next.
func (d *Decoder) Peek() Kind {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return End
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return Object
	case c == '[':
		return Array
	case c == '"':
		return String
	case c == '-' || (c >= '0' && c <= '9'):
		return Number
	case c == 't' || c == 'f':
		return Bool
	case c == 'n':
		return Null
	}
	return Invalid
}

// End checks that nothing but white space follows the document.
func (d *Decoder) End() error {
	if k := d.Peek(); k != End {
		return d.syntax("data after the top-level value")
	}
	return nil
}

func (d *Decoder) enter() error {
	d.depth++
	if d.depth > d.lim.MaxDepth {
		return &LimitError{Limit: "depth", Max: d.lim.MaxDepth, Offset: d.pos}
	}
	return nil
}

// BeginObject consumes '{'.
func (d *Decoder) BeginObject() error {
	if d.Peek() != Object {
		return d.syntax("expected object")
	}
	d.pos++
	return d.enter()
}

// NextMember reads the next member name of the current object and the ':' after it, and
// returns more=false (having consumed '}') when the object ends. count is the number of
// members read so far in this object, kept by the caller, for the member-count limit.
// The returned name aliases the input when it has no escapes: use it before the next call.
func (d *Decoder) NextMember(count int) (name []byte, more bool, err error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, false, d.syntax("unterminated object")
	}
	if count > 0 {
		if d.data[d.pos] == '}' {
			d.pos++
			d.depth--
			return nil, false, nil
		}
		if d.data[d.pos] != ',' {
			return nil, false, d.syntax("expected ',' or '}' in object")
		}
		d.pos++
		d.skipSpace()
	} else if d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return nil, false, nil
	}
	if count >= d.lim.MaxArray {
		return nil, false, &LimitError{Limit: "member count", Max: d.lim.MaxArray, Offset: d.pos}
	}
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return nil, false, d.syntax("expected member name")
	}
	name, err = d.readStringBytes()
	if err != nil {
		return nil, false, err
	}
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != ':' {
		return nil, false, d.syntax("expected ':' after member name")
	}
	d.pos++
	return name, true, nil
}

// BeginArray consumes '['.
func (d *Decoder) BeginArray() error {
	if d.Peek() != Array {
		return d.syntax("expected array")
	}
	d.pos++
	return d.enter()
}

// NextElement prepares the next element of the current array; more=false (having consumed
// ']') when the array ends. count is the number of elements read so far.
func (d *Decoder) NextElement(count int) (more bool, err error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return false, d.syntax("unterminated array")
	}
	if d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return false, nil
	}
	if count > 0 {
		if d.data[d.pos] != ',' {
			return false, d.syntax("expected ',' or ']' in array")
		}
		d.pos++
	}
	if count >= d.lim.MaxArray {
		return false, &LimitError{Limit: "array length", Max: d.lim.MaxArray, Offset: d.pos}
	}
	return true, nil
}

// ReadNull consumes null.
func (d *Decoder) ReadNull() error { return d.literal("null") }

// ReadBool reads true or false.
func (d *Decoder) ReadBool() (bool, error) {
	if d.Peek() != Bool {
		return false, d.syntax("expected true or false")
	}
	if d.data[d.pos] == 't' {
		return true, d.literal("true")
	}
	return false, d.literal("false")
}

func (d *Decoder) literal(lit string) error {
	d.skipSpace()
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return d.syntax("invalid literal")
	}
	d.pos += len(lit)
	return nil
}

// ReadNumber returns the text of a JSON number, checked against the JSON grammar.
func (d *Decoder) ReadNumber() ([]byte, error) {
	d.skipSpace()
	start := d.pos
	p := d.pos
	if p < len(d.data) && d.data[p] == '-' {
		p++
	}
	switch {
	case p < len(d.data) && d.data[p] == '0':
		p++
	case p < len(d.data) && d.data[p] >= '1' && d.data[p] <= '9':
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
	default:
		d.pos = p
		return nil, d.syntax("invalid number")
	}
	if p < len(d.data) && d.data[p] == '.' {
		p++
		q := p
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
		if p == q {
			d.pos = p
			return nil, d.syntax("invalid number fraction")
		}
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		p++
		if p < len(d.data) && (d.data[p] == '+' || d.data[p] == '-') {
			p++
		}
		q := p
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
		}
		if p == q {
			d.pos = p
			return nil, d.syntax("invalid number exponent")
		}
	}
	if p-start > 64 {
		return nil, &LimitError{Limit: "number length", Max: 64, Offset: start}
	}
	d.pos = p
	return d.data[start:p], nil
}

// ErrNotInt32 is returned by ReadInt32 for a number that is not a 32-bit signed integer.
type ErrNotInt32 struct{ Text string }

func (e *ErrNotInt32) Error() string { return "number " + e.Text + " is not a 32-bit integer" }

// ReadInt32 reads a number that must be an integer in the int32 range (WIRE.md 1).
func (d *Decoder) ReadInt32() (int32, error) {
	num, err := d.ReadNumber()
	if err != nil {
		return 0, err
	}
	v, perr := strconv.ParseInt(string(num), 10, 32)
	if perr != nil {
		return 0, &ErrNotInt32{Text: string(num)}
	}
	return int32(v), nil
}

// ReadString reads a string value.
func (d *Decoder) ReadString() (string, error) {
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return "", d.syntax("expected string")
	}
	b, err := d.readStringBytes()
	return string(b), err
}

// readStringBytes reads a string starting at '"'. Without escapes the result aliases the input.
func (d *Decoder) readStringBytes() ([]byte, error) {
	start := d.pos + 1
	p := start
	for p < len(d.data) {
		c := d.data[p]
		if c == '"' {
			if p-start > d.lim.MaxString {
				return nil, &LimitError{Limit: "string length", Max: d.lim.MaxString, Offset: start}
			}
			d.pos = p + 1
			return d.data[start:p], nil
		}
		if c == '\\' {
			return d.readEscaped(start, p)
		}
		if c < 0x20 {
			d.pos = p
			return nil, d.syntax("control character in string")
		}
		if c < utf8.RuneSelf {
			p++
			continue
		}
		r, size := utf8.DecodeRune(d.data[p:])
		if r == utf8.RuneError && size == 1 {
			d.pos = p
			return nil, d.syntax("invalid UTF-8 in string")
		}
		p += size
	}
	d.pos = p
	return nil, d.syntax("unterminated string")
}

// readEscaped continues a string that has escapes, copying into a fresh buffer.
func (d *Decoder) readEscaped(start, p int) ([]byte, error) {
	out := make([]byte, 0, p-start+16)
	out = append(out, d.data[start:p]...)
	for p < len(d.data) {
		if len(out) > d.lim.MaxString {
			return nil, &LimitError{Limit: "string length", Max: d.lim.MaxString, Offset: start}
		}
		c := d.data[p]
		switch {
		case c == '"':
			d.pos = p + 1
			return out, nil
		case c == '\\':
			if p+1 >= len(d.data) {
				d.pos = p
				return nil, d.syntax("unterminated escape")
			}
			e := d.data[p+1]
			p += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, n, ok := d.unicodeEscape(p)
				if !ok {
					d.pos = p
					return nil, d.syntax("invalid \\u escape")
				}
				p += n
				out = utf8.AppendRune(out, r)
			default:
				d.pos = p - 1
				return nil, d.syntax("invalid escape")
			}
		case c < 0x20:
			d.pos = p
			return nil, d.syntax("control character in string")
		case c < utf8.RuneSelf:
			out = append(out, c)
			p++
		default:
			r, size := utf8.DecodeRune(d.data[p:])
			if r == utf8.RuneError && size == 1 {
				d.pos = p
				return nil, d.syntax("invalid UTF-8 in string")
			}
			out = append(out, d.data[p:p+size]...)
			p += size
		}
	}
	d.pos = p
	return nil, d.syntax("unterminated string")
}

// unicodeEscape decodes the hex digits after \u at p, joining a surrogate pair. A lone
// surrogate is refused: it cannot be UTF-8.
func (d *Decoder) unicodeEscape(p int) (rune, int, bool) {
	r1, ok := hex4(d.data, p)
	if !ok {
		return 0, 0, false
	}
	if !utf16.IsSurrogate(r1) {
		return r1, 4, true
	}
	if p+10 > len(d.data) || d.data[p+4] != '\\' || d.data[p+5] != 'u' {
		return 0, 0, false
	}
	r2, ok := hex4(d.data, p+6)
	if !ok {
		return 0, 0, false
	}
	r := utf16.DecodeRune(r1, r2)
	if r == utf8.RuneError {
		return 0, 0, false
	}
	return r, 10, true
}

func hex4(b []byte, p int) (rune, bool) {
	if p+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[p : p+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// Skip reads and discards one value of any kind, within the limits.
func (d *Decoder) Skip() error {
	switch d.Peek() {
	case Object:
		if err := d.BeginObject(); err != nil {
			return err
		}
		for n := 0; ; n++ {
			_, more, err := d.NextMember(n)
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	case Array:
		if err := d.BeginArray(); err != nil {
			return err
		}
		for n := 0; ; n++ {
			more, err := d.NextElement(n)
			if err != nil {
				return err
			}
			if !more {
				return nil
			}
			if err := d.Skip(); err != nil {
				return err
			}
		}
	case String:
		_, err := d.readStringBytes()
		return err
	case Number:
		_, err := d.ReadNumber()
		return err
	case Bool:
		_, err := d.ReadBool()
		return err
	case Null:
		return d.ReadNull()
	case End:
		return d.syntax("unexpected end of input")
	}
	return d.syntax("invalid character")
}
