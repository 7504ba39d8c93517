package observe

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/meshconform/meshconform/harness/result"
)

// Bounds of the trace readers: one NDJSON line, and a whole HAR document (which JSON cannot
// stream entry by entry without a tokenizer; HAR files from browsers stay far below).
const (
	MaxLine = 8 << 20
	MaxHAR  = 256 << 20
)

// ErrFormat is a trace that is neither the proxy's NDJSON nor HAR 1.2.
var ErrFormat = errors.New("not a trace: neither meshconform NDJSON nor HAR 1.2")

// CaptureWriter writes exchanges as NDJSON, one per line, redacted. It is safe for concurrent use.
type CaptureWriter struct {
	mu  sync.Mutex
	w   *bufio.Writer
	red *result.Redactor
	err error
	n   int

	memoMu sync.Mutex
	bodies map[string][]byte // body -> its redaction (redactBody)
}

// NewCaptureWriter writes to w, redacting with red (nil: credential headers only).
func NewCaptureWriter(w io.Writer, red *result.Redactor) *CaptureWriter {
	if red == nil {
		red = result.NewRedactor()
	}
	return &CaptureWriter{w: bufio.NewWriter(w), red: red, bodies: map[string][]byte{}}
}

// Write appends one exchange.
func (c *CaptureWriter) Write(ex *Exchange) error {
	line, err := json.Marshal(ex.redacted(c.red, c.redactBody))
	if err != nil {
		return fmt.Errorf("observe: capture: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if _, err := c.w.Write(append(line, '\n')); err != nil {
		c.err = fmt.Errorf("observe: capture: %w", err)
	}
	c.n++
	return c.err
}

// redactBody is the redactor's Body, remembered by the body's exact bytes: the redaction is a
// function of them alone (the redactor's secrets are fixed), it parses the whole body, and a
// portal answers the same request (a profile's Get) with the same bytes again and again. The
// result is shared between lines, which only read it.
func (c *CaptureWriter) redactBody(b []byte) []byte {
	if c.bodies == nil || len(b) > maxAnswerBody {
		return c.red.Body(b)
	}
	c.memoMu.Lock()
	r, ok := c.bodies[string(b)]
	c.memoMu.Unlock()
	if ok {
		return r
	}
	r = c.red.Body(b)
	c.memoMu.Lock()
	if len(c.bodies) >= maxAnswers {
		clear(c.bodies) // a cache: forgetting costs only time
	}
	c.bodies[string(b)] = r
	c.memoMu.Unlock()
	return r
}

// Flush writes what is buffered.
func (c *CaptureWriter) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	if err := c.w.Flush(); err != nil {
		c.err = fmt.Errorf("observe: capture: %w", err)
	}
	return c.err
}

// Count is the number of exchanges written.
func (c *CaptureWriter) Count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// ReadTrace reads a trace, the proxy's NDJSON or HAR 1.2 (told apart by the first non-blank
// byte and the document's shape), and hands each exchange to fn in order.
func ReadTrace(r io.Reader, fn func(*Exchange) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		b, err := br.Peek(1)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("observe: %w: the file is empty", ErrFormat)
			}
			return fmt.Errorf("observe: reading the trace: %w", err)
		}
		if b[0] == ' ' || b[0] == '\n' || b[0] == '\r' || b[0] == '\t' {
			_, _ = br.ReadByte()
			continue
		}
		if b[0] != '{' {
			return fmt.Errorf("observe: %w: it begins %q", ErrFormat, b)
		}
		break
	}
	// A HAR document begins {"log": ...; an NDJSON line is an exchange object. Read the first
	// line to tell them apart: a HAR file written on one line is one line too.
	first, err := readLine(br)
	if err != nil {
		return err
	}
	// An NDJSON line is a whole JSON object; a first line that is not one begins a
	// pretty-printed document, which only HAR is.
	var probe struct {
		Log json.RawMessage `json:"log"`
	}
	if !json.Valid(first) || (json.Unmarshal(first, &probe) == nil && probe.Log != nil) {
		return readHAR(io.MultiReader(bytes.NewReader(first), br), fn)
	}
	line := 0
	for {
		line++
		if t := bytes.TrimSpace(first); len(t) > 0 {
			var ex Exchange
			dec := json.NewDecoder(bytes.NewReader(t))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&ex); err != nil {
				return fmt.Errorf("observe: %w: line %d: %w", ErrFormat, line, err)
			}
			if err := fn(&ex); err != nil {
				return err
			}
		}
		first, err = readLine(br)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readLine reads one line of at most MaxLine bytes; io.EOF only when nothing is left.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxLine {
			return nil, fmt.Errorf("observe: a trace line exceeds %d bytes", MaxLine)
		}
		switch {
		case err == nil:
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(line) > 0:
			return line, nil
		default:
			return nil, err
		}
	}
}

// The HAR 1.2 subset a judge needs (http://www.softwareishard.com/blog/har-12-spec/).
type harDoc struct {
	Log struct {
		Version string     `json:"version"`
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harEntry struct {
	Started time.Time `json:"startedDateTime"`
	Time    float64   `json:"time"` // milliseconds
	Request struct {
		Method   string      `json:"method"`
		URL      string      `json:"url"`
		Headers  []harHeader `json:"headers"`
		BodySize int64       `json:"bodySize"`
		PostData *struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"` // not in HAR 1.2, written by some tools
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int         `json:"status"`
		Headers []harHeader `json:"headers"`
		Content struct {
			Size     int64  `json:"size"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type harHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func readHAR(r io.Reader, fn func(*Exchange) error) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxHAR+1))
	if err != nil {
		return fmt.Errorf("observe: reading the HAR file: %w", err)
	}
	if len(data) > MaxHAR {
		return fmt.Errorf("observe: the HAR file exceeds %d bytes", MaxHAR)
	}
	var doc harDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("observe: %w: HAR: %w", ErrFormat, err)
	}
	for i, e := range doc.Log.Entries {
		ex, err := fromHAR(i+1, &e)
		if err != nil {
			return err
		}
		if err := fn(ex); err != nil {
			return err
		}
	}
	return nil
}

func fromHAR(seq int, e *harEntry) (*Exchange, error) {
	u, err := url.Parse(e.Request.URL)
	if err != nil {
		return nil, fmt.Errorf("observe: HAR entry %d: %w", seq, err)
	}
	ex := &Exchange{Seq: seq, Start: e.Started, Duration: time.Duration(e.Time * float64(time.Millisecond))}
	ex.Request = Message{Method: e.Request.Method, URL: u.RequestURI(), Header: http.Header{}}
	for _, h := range e.Request.Headers {
		switch http.CanonicalHeaderKey(h.Name) {
		case "Host", ":authority":
			ex.Request.Host = h.Value
		}
		if h.Name != "" && h.Name[0] != ':' {
			ex.Request.Header.Add(h.Name, h.Value)
		}
	}
	if ex.Request.Host == "" {
		ex.Request.Host = u.Host
	}
	ex.Request.Header.Del("Host")
	if pd := e.Request.PostData; pd != nil {
		ex.Request.Body, err = harText(pd.Text, pd.Encoding)
		if err != nil {
			return nil, fmt.Errorf("observe: HAR entry %d request: %w", seq, err)
		}
		if ex.Request.Header.Get("Content-Type") == "" && pd.MimeType != "" {
			ex.Request.Header.Set("Content-Type", pd.MimeType)
		}
	}
	ex.Request.Size = int64(len(ex.Request.Body))
	if e.Response.Status > 0 {
		resp := &Message{Status: e.Response.Status, Header: http.Header{}}
		for _, h := range e.Response.Headers {
			if h.Name != "" && h.Name[0] != ':' {
				resp.Header.Add(h.Name, h.Value)
			}
		}
		resp.Body, err = harText(e.Response.Content.Text, e.Response.Content.Encoding)
		if err != nil {
			return nil, fmt.Errorf("observe: HAR entry %d response: %w", seq, err)
		}
		resp.Size = int64(len(resp.Body))
		if e.Response.Content.Size > resp.Size {
			resp.Size, resp.Truncated = e.Response.Content.Size, true
		}
		ex.Response = resp
	} else {
		ex.Error = "no response recorded"
	}
	return ex, nil
}

func harText(text, encoding string) ([]byte, error) {
	if encoding == "base64" {
		return base64.StdEncoding.DecodeString(text)
	}
	return []byte(text), nil
}
