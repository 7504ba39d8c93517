package wire

import "fmt"

// SyntaxError reports JSON that is not well formed (or not valid UTF-8) at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at offset %d: %s", e.Offset, e.Msg)
}

// LimitError reports input that exceeds one of the decoder's limits. Limit names the limit
// ("body size", "depth", "string length", "array length", "member count").
type LimitError struct {
	Limit  string
	Max    int
	Offset int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s limit of %d exceeded at offset %d", e.Limit, e.Max, e.Offset)
}

// Base64Error reports a Binary value that is not base64url.
type Base64Error struct {
	Msg string
}

func (e *Base64Error) Error() string { return "invalid base64url: " + e.Msg }

// DateTimeError reports a DateTime value that is not RFC 3339.
type DateTimeError struct {
	Value string
}

func (e *DateTimeError) Error() string { return fmt.Sprintf("invalid DateTime %q", e.Value) }
