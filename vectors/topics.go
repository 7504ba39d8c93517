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

// Group is a test group of the crypto topics: its type, its generator and its tests.
type Group[T any] struct {
	Type   string `json:"type"`
	Source Source `json:"source"`
	Tests  []T    `json:"tests"`
}

// UdfDigestTest: the content-digest UDF of DataHex under ContentType with Alg ("sha2" or
// "sha3"), presented at Bits, is Udf (WIRE.md 5, NOTE-UDF).
type UdfDigestTest struct {
	Test
	ContentType string `json:"contentType"`
	Alg         string `json:"alg"`
	DataHex     string `json:"dataHex"`
	Bits        int    `json:"bits"`
	Udf         string `json:"udf"`
}

// UdfAuthenticatorTest: the keyed UDF of DataHex under ContentType with Key, at Bits, is Udf.
type UdfAuthenticatorTest struct {
	Test
	Key         string `json:"key"`
	ContentType string `json:"contentType"`
	DataHex     string `json:"dataHex"`
	Bits        int    `json:"bits"`
	Udf         string `json:"udf"`
}

// UdfParseTest: parsing Presentation succeeds with TypeByte (valid) or fails (invalid).
type UdfParseTest struct {
	Test
	Presentation string `json:"presentation"`
	TypeByte     int    `json:"typeByte,omitempty"`
	ErrorClass   string `json:"errorClass,omitempty"`
}

// KeyFingerprintTest: the 2019 key fingerprint (UDF of the key info) of Public is Fingerprint.
type KeyFingerprintTest struct {
	Test
	Alg         string `json:"alg"`
	Public      string `json:"public"` // base64url
	Fingerprint string `json:"fingerprint"`
}

// WitnessTest: the connection witness over the four inputs (base64url) is Witness.
type WitnessTest struct {
	Test
	Alg          string `json:"alg"`
	MasterPublic string `json:"masterPublic"`
	ServerNonce  string `json:"serverNonce"`
	DevicePublic string `json:"devicePublic"`
	ClientNonce  string `json:"clientNonce"`
	// MasterUDFBinary and DeviceUDFBinary are UDFbin of each key, hex: the 64 bytes the
	// witness hashes (NOTE-WITNESS), given so that an implementer can find which stage differs.
	MasterUDFBinary string `json:"masterUdfBinary"`
	DeviceUDFBinary string `json:"deviceUdfBinary"`
	Witness         string `json:"witness"`
}

// AuthSessionTest: a session of request authentication (NOTE-AUTH-SESSION, draft 7.1.1.2),
// every binary value base64url. The device whose authentication key is Alg/DakPublic signs a
// request (Time, Nonce, BodyHex) for Account at Host carrying the offer OfferPublic, the X448
// public key of the 56-byte scalar OfferPrivate; the signed digest is OfferDigest. The portal
// answers with the X448 key PortalPublic. valid: the session key is SessionKey (PortalPrivate
// is the portal's scalar), and a session request with the same Time, Nonce and body has the
// digest SessionDigest and the mac Mac. invalid: the client must refuse the grant (ErrorClass).
type AuthSessionTest struct {
	Test
	Alg           string `json:"alg"`
	DakPublic     string `json:"dakPublic"`
	Host          string `json:"host"`
	Account       string `json:"account"`
	OfferPrivate  string `json:"offerPrivate"`
	OfferPublic   string `json:"offerPublic"`
	PortalPrivate string `json:"portalPrivate,omitempty"`
	PortalPublic  string `json:"portalPublic"`
	SessionKey    string `json:"sessionKey,omitempty"`
	Time          string `json:"time"`
	Nonce         string `json:"nonce"`
	BodyHex       string `json:"bodyHex"`
	OfferDigest   string `json:"offerDigest"`
	SessionDigest string `json:"sessionDigest,omitempty"`
	Mac           string `json:"mac,omitempty"`
	ErrorClass    string `json:"errorClass,omitempty"`
}

// KeyRef names a public or private key by algorithm and base64url bytes (private: the seed).
type KeyRef struct {
	Alg   string `json:"alg"`
	Bytes string `json:"bytes"`
}

// DareTest: Envelope (a tagged document) verified against Trusted and, when DecryptionKey is
// given, decrypted with it. valid: every signature verifies and the payload (plaintext) is
// PayloadHex; invalid: the reference refuses it with ErrorClass.
type DareTest struct {
	Test
	Envelope      string   `json:"envelope"`
	Trusted       []KeyRef `json:"trusted"`
	DecryptionKey *KeyRef  `json:"decryptionKey,omitempty"`
	PayloadHex    string   `json:"payloadHex,omitempty"`
	ErrorClass    string   `json:"errorClass,omitempty"`
}

// ShamirTest: recovering Shares gives Secret (valid), or must not (invalid: an error with
// ErrorClass, or, with ErrorClass "wrong-secret", a secret other than Secret).
type ShamirTest struct {
	Test
	Threshold  int      `json:"threshold"`
	Shares     []string `json:"shares"`
	Secret     string   `json:"secret"`
	ErrorClass string   `json:"errorClass,omitempty"`
}

// TransactionTest is a script run against a live portal: each step is a transaction the
// runner builds with the reference implementation (fresh keys, signatures and authentication,
// since those cannot be fixed bytes), sends, and checks against the step's expectations.
// valid: a conforming portal accepts what the test's last step sends; invalid: it must refuse it.
type TransactionTest struct {
	Test
	Steps []Step `json:"steps"`
}

// Step is one transaction of a script. Names ("a", "d1") are placeholders the runner binds to
// fresh accounts and devices, unique per run.
type Step struct {
	Op string `json:"op"` // a transaction name
	// Account is the account placeholder the step acts on; AccountText sends a literal name
	// instead (for naming rules), with "{domain}" replaced by the portal's domain.
	Account     string `json:"account,omitempty"`
	AccountText string `json:"accountText,omitempty"`
	Device      string `json:"device,omitempty"` // a device placeholder
	// Auth is how the request is authenticated (NOTE-AUTH): "" none, "self" the account's
	// administration device, "device" the step's device, "other:<account>" another account's
	// administration device.
	Auth string `json:"auth,omitempty"`
	// By selects a Get: "account", "master", "device", "names", "nothing".
	By         string `json:"by,omitempty"`
	Multiple   bool   `json:"multiple,omitempty"`
	MaxEntries int    `json:"maxEntries,omitempty"`
	// Decision of a ConnectComplete: "accept" or "refuse".
	Decision string `json:"decision,omitempty"`
	// Mutate names one deviation from the valid request (see the file's header).
	Mutate string `json:"mutate,omitempty"`
	// ExpectStatus lists the acceptable payload Status codes.
	ExpectStatus []int `json:"expectStatus"`
	// ExpectFields are top-level response members that must have these JSON values.
	ExpectFields map[string]any `json:"expectFields,omitempty"`
	// MinEntries and MaxEntriesReturned bound the entries of a Get or ConnectPending response.
	MinEntries         int  `json:"minEntries,omitempty"`
	MaxEntriesReturned *int `json:"maxEntriesReturned,omitempty"`
}

// LogChainTest: Records are served LogRecord payloads (Transfer DataItems, NOTE-LOG) following
// PrevChain ("" before the first record). Valid: each record's Index is the previous one's plus
// one, it ends with its Chain member, and its Chain recomputes from the previous Chain and its
// bytes without that member. Invalid: one of these fails, the first failure being ErrorClass
// ("index", "encoding" or "link").
type LogChainTest struct {
	Test
	PrevChain  string   `json:"prevChain"`
	PrevIndex  int      `json:"prevIndex"`
	Records    []string `json:"records"`
	ErrorClass string   `json:"errorClass,omitempty"`
	// Steps (valid tests) spell out each record's computation (NOTE-LOG-RECORD), so that an
	// implementer whose chain differs can find the first stage that does.
	Steps []LogChainStep `json:"steps,omitempty"`
}

// LogChainStep is one record's computation: Body is the request body whose SHA-512 the
// record's Digest holds; Record is R_n (the served record without its Chain member);
// RecordSHA512 is SHA-512(R_n) and ChainBinary the 65 bytes 0x60 || SHA-512(UTF8(Chain_{n-1})
// || SHA-512(R_n)), both hex; Chain is their presentation at 140 bits.
type LogChainStep struct {
	Body         string `json:"body"`
	Record       string `json:"record"`
	RecordSHA512 string `json:"recordSha512"`
	ChainBinary  string `json:"chainBinary"`
	Chain        string `json:"chain"`
}
