package wire

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Encoder appends compact JSON to a buffer. Commas are placed by looking at the last byte
// written, so generated code can emit members and elements without tracking state.
type Encoder struct {
	buf []byte
}

// NewEncoder returns an encoder that appends to buf (which may be nil).
func NewEncoder(buf []byte) *Encoder { return &Encoder{buf: buf} }

// Bytes returns what was written.
func (e *Encoder) Bytes() []byte { return e.buf }

func (e *Encoder) comma() {
	if n := len(e.buf); n > 0 {
		if c := e.buf[n-1]; c != '{' && c != '[' && c != ':' {
			e.buf = append(e.buf, ',')
		}
	}
}

// BeginObject writes '{', preceded by a comma when it is an array element.
func (e *Encoder) BeginObject() { e.comma(); e.buf = append(e.buf, '{') }

// EndObject writes '}'.
func (e *Encoder) EndObject() { e.buf = append(e.buf, '}') }

// BeginArray writes '['.
func (e *Encoder) BeginArray() { e.comma(); e.buf = append(e.buf, '[') }

// EndArray writes ']'.
func (e *Encoder) EndArray() { e.buf = append(e.buf, ']') }

// Name writes a member name and ':'.
func (e *Encoder) Name(name string) {
	e.comma()
	e.buf = appendQuoted(e.buf, name)
	e.buf = append(e.buf, ':')
}

// String writes a string value.
func (e *Encoder) String(s string) { e.comma(); e.buf = appendQuoted(e.buf, s) }

// Int32 writes an integer.
func (e *Encoder) Int32(v int32) { e.comma(); e.buf = strconv.AppendInt(e.buf, int64(v), 10) }

// Bool writes true or false.
func (e *Encoder) Bool(v bool) { e.comma(); e.buf = strconv.AppendBool(e.buf, v) }

// Binary writes b as a base64url string without padding.
func (e *Encoder) Binary(b []byte) {
	e.comma()
	e.buf = append(e.buf, '"')
	e.buf = appendBase64(e.buf, b)
	e.buf = append(e.buf, '"')
}

// DateTime writes t in the canonical DateTime form.
func (e *Encoder) DateTime(t time.Time) {
	e.comma()
	e.buf = append(e.buf, '"')
	e.buf = t.UTC().AppendFormat(e.buf, DateTimeLayout)
	e.buf = append(e.buf, '"')
}

const hexDigits = "0123456789abcdef"

// appendQuoted escapes only what JSON requires; invalid UTF-8 becomes U+FFFD.
func appendQuoted(buf []byte, s string) []byte {
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch c {
			case '"', '\\':
				buf = append(buf, '\\', c)
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, "\ufffd"...)
			i++
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
