package result

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// Redacted replaces every secret value in recorded output.
const Redacted = "[redacted]"

// Redactor removes secrets from everything a run records. Three rules apply, so that no report
// ever carries a credential even when a check records carelessly:
//   - header values of credential-bearing headers (Authorization, Cookie, API keys, ...);
//   - JSON member values whose name marks a secret: PIN, Password, Passphrase, Secret, any name
//     containing "private", and the JWK private members d, p, q, dp, dq, qi, k;
//   - PEM private key blocks and every literal secret given to NewRedactor (also in its base64
//     and base64url spellings), wherever they occur.
//
// The JSON rule rewrites only the secret values, byte for byte elsewhere, so a redacted body
// still shows exactly what was sent.
type Redactor struct {
	secrets []string // longest first, so a secret containing another is replaced whole
}

// NewRedactor returns a redactor for the given literal secrets (PINs, passwords, key material
// the caller handed to checks). Empty strings are ignored.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{}
	seen := map[string]bool{}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		forms := []string{s}
		// Short secrets are not re-encoded: their base64 forms are too likely to collide with
		// unrelated text.
		if len(s) >= 8 {
			b := []byte(s)
			forms = append(forms,
				base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
				base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
		}
		for _, f := range forms {
			if !seen[f] {
				seen[f] = true
				r.secrets = append(r.secrets, f)
			}
		}
	}
	sort.SliceStable(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	return r
}

var pemPrivate = regexp.MustCompile(`(?s)-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----.*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`)

// String redacts PEM private keys and literal secrets in free text (logs, messages, errors).
func (r *Redactor) String(s string) string {
	if r == nil {
		r = &Redactor{}
	}
	if strings.Contains(s, "PRIVATE KEY-----") { // the regexp is the slow part; most text has no PEM
		s = pemPrivate.ReplaceAllString(s, Redacted)
	}
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, Redacted)
	}
	return s
}

// Body redacts a message body: secret JSON members first (when the body is JSON), then the
// free-text rules.
func (r *Redactor) Body(b []byte) []byte {
	if out, ok := redactJSONMembers(b); ok {
		b = out
	}
	return []byte(r.String(string(b)))
}

// JSON redacts a JSON value such as a finding's Expected or Observed.
func (r *Redactor) JSON(raw json.RawMessage) json.RawMessage {
	if raw == nil {
		return nil
	}
	out := r.Body(raw)
	if !json.Valid(out) {
		// A literal secret replaced inside an escape sequence could break the syntax; keep the
		// result valid by degrading to a string.
		q, _ := json.Marshal(string(out))
		return q
	}
	return out
}

// Header copies h with credential-bearing values replaced and literal secrets removed.
func (r *Redactor) Header(h map[string][]string) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		cp := make([]string, len(vs))
		for i, v := range vs {
			if SensitiveHeader(k) {
				cp[i] = redactCredentials(k, v)
			} else {
				cp[i] = r.String(v)
			}
		}
		out[k] = cp
	}
	return out
}

// redactCredentials is a credential header's value redacted. An Authorization keeps its scheme
// (RFC 9110 11.4: credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]), which names how
// the client authenticated and is no secret: "Mesh [redacted]", "Mesh-Session [redacted]". So a
// report, and the client cross-check that reads it, still tells a signed request from a session
// request or another scheme. Every other value, and a value whose first word is not a scheme
// token followed by a space, is replaced whole.
func redactCredentials(name, v string) string {
	if n := strings.ToLower(name); n != "authorization" && n != "proxy-authorization" {
		return Redacted
	}
	scheme, rest, ok := strings.Cut(strings.TrimLeft(v, " "), " ")
	if !ok || strings.TrimSpace(rest) == "" || !isSchemeToken(scheme) {
		return Redacted
	}
	return scheme + " " + Redacted
}

// RedactedCredentials reports whether a credential header's value is what Header left of one:
// Redacted alone or a scheme and Redacted. Such a value can be read for its scheme only.
func RedactedCredentials(v string) bool {
	return v == Redacted || strings.HasSuffix(v, " "+Redacted) && isSchemeToken(strings.TrimSuffix(v, " "+Redacted))
}

// isSchemeToken reports whether s is an RFC 9110 token of at most 32 characters, as every
// registered authentication scheme is.
func isSchemeToken(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// SensitiveHeader reports whether a header carries credentials by its name.
func SensitiveHeader(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization", "cookie", "set-cookie":
		return true
	case "www-authenticate", "proxy-authenticate":
		return false // a challenge names a scheme, not a secret
	}
	for _, part := range []string{"token", "secret", "password", "api-key", "apikey", "session", "auth"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// SecretMember reports whether a JSON member name marks a secret value.
func SecretMember(name string) bool {
	n := strings.ToLower(name)
	switch n {
	case "pin", "password", "passphrase", "secret", "d", "p", "q", "dp", "dq", "qi", "k":
		return true
	}
	return strings.Contains(n, "private") || strings.Contains(n, "password") || strings.Contains(n, "secret")
}

// redactJSONMembers replaces the values of secret members in a JSON document. It reports false
// when b is not JSON; the caller then applies only the free-text rules.
func redactJSONMembers(b []byte) ([]byte, bool) {
	if len(bytes.TrimSpace(b)) == 0 || !json.Valid(b) {
		return b, false
	}
	if !mayHoldSecretMember(b) {
		return b, true // the token walk is the slow part; most messages carry no secret
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var spans [][2]int64
	if err := walkJSON(dec, b, &spans, 0); err != nil {
		return b, false
	}
	if len(spans) == 0 {
		return b, true
	}
	out := append([]byte(nil), b...)
	for i := len(spans) - 1; i >= 0; i-- {
		s := spans[i]
		out = append(out[:s[0]], append([]byte(`"`+Redacted+`"`), out[s[1]:]...)...)
	}
	return out, true
}

// mayHoldSecretMember is a cheap superset test of SecretMember over every member name in b.
func mayHoldSecretMember(b []byte) bool {
	l := bytes.ToLower(b)
	for _, w := range []string{`pin"`, "password", "passphrase", "secret", "private",
		`"d"`, `"p"`, `"q"`, `"dp"`, `"dq"`, `"qi"`, `"k"`} {
		if bytes.Contains(l, []byte(w)) {
			return true
		}
	}
	// Member names may be written with escapes (\u0050IN); then only the full walk can tell.
	return bytes.Contains(b, []byte(`\u`))
}

// maxWalkDepth bounds recursion on hostile input; json.Valid has accepted the document, but a
// deeply nested one must not exhaust the stack.
const maxWalkDepth = 256

type errTooDeep struct{}

func (errTooDeep) Error() string { return "json nested too deeply" }

// walkJSON consumes one value from dec, recording the byte spans of secret member values.
func walkJSON(dec *json.Decoder, b []byte, spans *[][2]int64, depth int) error {
	if depth > maxWalkDepth {
		return errTooDeep{}
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			keyEnd := dec.InputOffset()
			if !SecretMember(key) {
				if err := walkJSON(dec, b, spans, depth+1); err != nil {
					return err
				}
				continue
			}
			start := keyEnd
			for start < int64(len(b)) && (b[start] == ':' || b[start] == ' ' || b[start] == '\t' || b[start] == '\n' || b[start] == '\r') {
				start++
			}
			// The whole value goes; spans inside it would overlap this one.
			var inner [][2]int64
			if err := walkJSON(dec, b, &inner, depth+1); err != nil {
				return err
			}
			*spans = append(*spans, [2]int64{start, dec.InputOffset()})
		}
	case '[':
		for dec.More() {
			if err := walkJSON(dec, b, spans, depth+1); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}
