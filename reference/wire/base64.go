package wire

import (
	"encoding/base64"
	"strings"
)

var strictRawURL = base64.RawURLEncoding.Strict()

// EncodeBase64 writes Binary the canonical way: base64url without padding (WIRE.md 1).
func EncodeBase64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// DecodeBase64 reads Binary leniently as NOTE-BASE64 decides: whitespace embedded by the
// reference writer's line wrapping and '=' padding are skipped; any other character outside
// the base64url alphabet is an error, and so is a length no encoding can produce.
func DecodeBase64(s string) ([]byte, error) {
	clean := s
	if strings.ContainsAny(s, " \t\r\n=") {
		var sb strings.Builder
		sb.Grow(len(s))
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case ' ', '\t', '\r', '\n', '=':
			default:
				sb.WriteByte(c)
			}
		}
		clean = sb.String()
	}
	// Strict: the unused low bits of the last character must be zero, so each byte string has
	// exactly one encoding and a reader cannot be handed two spellings of the same value.
	b, err := strictRawURL.DecodeString(clean)
	if err != nil {
		return nil, &Base64Error{Msg: err.Error()}
	}
	return b, nil
}

func appendBase64(buf, b []byte) []byte {
	return base64.RawURLEncoding.AppendEncode(buf, b)
}
