package observe

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reference/auth"
)

// Exchange is one request and its answer as seen on the wire. It is also the line format of the
// proxy's capture file (NDJSON, bodies in base64 as encoding/json writes []byte).
type Exchange struct {
	Seq      int           `json:"seq"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"durationNs"`
	Request  Message       `json:"request"`
	Response *Message      `json:"response,omitempty"`
	// Error is the transport failure that left the exchange without an answer.
	Error string `json:"error,omitempty"`
	// Auth summarises the Authorization header without its secrets (the signature, the nonce,
	// the session ticket and MAC): a capture redacts the header itself, and the judge still
	// needs what identifies a replay and a stale time.
	Auth *AuthSummary `json:"auth,omitempty"`
	// Portal is the portal's DNS name the recorder judged Host against, so that a trace judges
	// the same way offline.
	Portal string `json:"portal,omitempty"`
}

// Message is one side of an exchange. Request fields: Method, URL (path and query), Host;
// response field: Status. Body holds at most the bytes the recorder kept; Size is what went
// through, Truncated says Body is only its prefix.
type Message struct {
	Method    string      `json:"method,omitempty"`
	URL       string      `json:"url,omitempty"`
	Host      string      `json:"host,omitempty"`
	Status    int         `json:"status,omitempty"`
	Header    http.Header `json:"header,omitempty"`
	Body      []byte      `json:"body,omitempty"`
	Size      int64       `json:"size"`
	Truncated bool        `json:"truncated,omitempty"`
}

// AuthSummary is the non-secret part of an Authorization header.
type AuthSummary struct {
	Scheme  string `json:"scheme"`            // "Mesh" or "Mesh-Session"; "other" for any other scheme
	Account string `json:"account,omitempty"` // Mesh only
	Time    string `json:"time,omitempty"`
	Key     string `json:"key,omitempty"` // the UDF of the signing key (Mesh only)
	Offer   bool   `json:"offer,omitempty"`
	// Nonce identifies the (key, nonce) pair: a digest of the key (or session ticket) and the
	// nonce, which replays can be matched on but nobody can sign with.
	Nonce string `json:"nonce,omitempty"`
	// Value is a digest of the whole header value: the same value sent twice is a replay.
	Value string `json:"value"`
	// Malformed is the parser's complaint when the header does not parse.
	Malformed string `json:"malformed,omitempty"`
}

// Summarize reads an Authorization header value into its summary; nil when there is none or it
// was redacted before it reached the judge.
func Summarize(value string) *AuthSummary {
	if value == "" || result.RedactedCredentials(value) {
		return nil
	}
	s := &AuthSummary{Value: digest([]byte(value))}
	switch {
	case auth.IsSession(value):
		s.Scheme = auth.SessionScheme
		sh, err := auth.ParseSession(value)
		if err != nil {
			s.Malformed = malformed(err)
			return s
		}
		s.Time = sh.Time
		s.Nonce = digest(sh.Ticket, []byte(sh.Nonce))
	default:
		h, err := auth.Parse(value)
		if err != nil {
			s.Scheme = "other"
			if len(value) > len(auth.Scheme) && value[:len(auth.Scheme)+1] == auth.Scheme+" " {
				s.Scheme = auth.Scheme
			}
			s.Malformed = malformed(err)
			return s
		}
		s.Scheme, s.Account, s.Time, s.Key, s.Offer = auth.Scheme, h.Account, h.Time, h.Fingerprint(), h.Offer != ""
		s.Nonce = digest(h.Key, []byte(h.Nonce))
	}
	return s
}

// malformed names what is wrong with a header without quoting it: the parser's error may hold a
// piece of the value (a parameter it could not read), which may be the signature.
func malformed(err error) string {
	if errors.Is(err, auth.ErrMalformed) {
		return auth.ErrMalformed.Error()
	}
	return "unreadable Authorization header"
}

func digest(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		for i := range n {
			n[i] = byte(uint64(len(p)) >> (8 * i))
		}
		h.Write(n[:])
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Redacted returns a copy of ex fit for a capture file or a report: credential headers and
// secret members replaced as harness/result's Redactor does, the Authorization kept only as
// its summary.
func (ex *Exchange) Redacted(r *result.Redactor) *Exchange {
	return ex.redacted(r, r.Body)
}

// redacted is Redacted with the bodies redacted by body, r.Body or a memo of it.
func (ex *Exchange) redacted(r *result.Redactor, body func([]byte) []byte) *Exchange {
	out := *ex
	if out.Auth == nil {
		out.Auth = Summarize(ex.Request.Header.Get("Authorization"))
	}
	out.Request = redactMessage(r, body, ex.Request)
	if ex.Response != nil {
		m := redactMessage(r, body, *ex.Response)
		out.Response = &m
	}
	out.Error = r.String(ex.Error)
	return &out
}

func redactMessage(r *result.Redactor, body func([]byte) []byte, m Message) Message {
	m.Header = http.Header(r.Header(m.Header))
	if len(m.Body) > 0 {
		m.Body = body(m.Body)
	}
	return m
}

// Record converts ex to the result model's exchange (redacted, bodies as text or base64).
func (ex *Exchange) Record(r *result.Redactor, base string) result.Exchange {
	red := ex.Redacted(r)
	rec := result.Exchange{StartedAt: ex.Start, Duration: ex.Duration, Error: red.Error,
		Request: result.Request{Method: red.Request.Method, URL: base + red.Request.URL, Header: red.Request.Header,
			Body: body(red.Request)}}
	if red.Response != nil {
		rec.Response = &result.Response{Status: red.Response.Status, Header: red.Response.Header, Body: body(*red.Response)}
	}
	if ex.Response == nil {
		rec.Problem = "no-answer"
	}
	return rec
}

// maxRecordedBody bounds the body a report keeps of one exchange.
const maxRecordedBody = 4 << 10

func body(m Message) result.Body {
	b := m.Body
	trunc := m.Truncated
	if len(b) > maxRecordedBody {
		b, trunc = b[:maxRecordedBody], true
	}
	out := result.Body{Size: m.Size, Truncated: trunc}
	if isText(b) {
		out.Text = string(b)
	} else {
		out.Base64 = base64.StdEncoding.EncodeToString(b)
	}
	return out
}

func isText(b []byte) bool {
	for _, c := range string(b) {
		if c == 0xFFFD {
			return false
		}
	}
	return true
}
