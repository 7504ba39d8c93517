package vectors

// Limits are the decoder limits a structure group's tests run under. They are small, so that
// over-limit documents stay small in the files.
type Limits struct {
	MaxBytes  int `json:"maxBytes"`
	MaxDepth  int `json:"maxDepth"`
	MaxString int `json:"maxString"`
	MaxArray  int `json:"maxArray"`
}

// StructureGroup holds the decoding tests of one structure (files structures-*.json).
type StructureGroup struct {
	Type      string          `json:"type"` // "StructureDecode"
	Structure string          `json:"structure"`
	Section   string          `json:"section"`
	Source    Source          `json:"source"`
	Limits    Limits          `json:"limits"`
	Tests     []StructureTest `json:"tests"`
}

// StructureTest decodes Document (a tagged top-level document, as text). Valid: decodes in
// strict mode and encodes back to Canonical. Acceptable: a lenient decoder takes it (and
// encodes it to Canonical) while a strict one may refuse it. Invalid: must be refused; the
// reference refuses it with ErrorClass.
type StructureTest struct {
	Test
	Document   string `json:"document"`
	Canonical  string `json:"canonical,omitempty"`
	ErrorClass string `json:"errorClass,omitempty"`
}

// Error classes of invalid structure documents.
const (
	ErrSyntax    = "syntax"
	ErrLimit     = "limit"
	ErrType      = "type"
	ErrTag       = "tag"
	ErrUnknown   = "unknown-member"
	ErrDuplicate = "duplicate-member"
	ErrBase64    = "base64"
	ErrDateTime  = "datetime"
	ErrInteger   = "integer"
)
