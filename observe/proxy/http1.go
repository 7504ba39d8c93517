package proxy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// The HTTP/1.x framing Serve needs: it reads a message's head whole, learns from it only what
// delimits the body and the connection, and relays head and body bytes as they came.

const (
	maxHeadBytes  = 1 << 20 // as http.DefaultMaxHeaderBytes
	maxChunkLine  = 4 << 10 // a chunk-size line with its extensions
	maxTrailBytes = 64 << 10
)

var errHeadTooLarge = errors.New("message head over 1 MiB")

// refusal is a request Serve declines to forward, with the status it answers.
type refusal struct {
	status int
	reason string
}

func (r *refusal) Error() string { return r.reason }

func refuse(status int, format string, args ...any) *refusal {
	return &refusal{status: status, reason: fmt.Sprintf(format, args...)}
}

// readError and writeError tell which side of a relay failed.
type readError struct{ err error }
type writeError struct{ err error }

func (e readError) Error() string  { return e.err.Error() }
func (e readError) Unwrap() error  { return e.err }
func (e writeError) Error() string { return e.err.Error() }
func (e writeError) Unwrap() error { return e.err }

// readHead reads a message head up to and including its empty line, into a new slice.
// A connection closed before the first byte gives io.EOF.
func readHead(r *bufio.Reader) ([]byte, error) {
	head := make([]byte, 0, max(512, min(r.Buffered(), 4<<10)))
	lineStart := 0
	for {
		b, err := r.ReadSlice('\n')
		head = append(head, b...)
		if len(head) > maxHeadBytes {
			return nil, errHeadTooLarge
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue // a line longer than the buffer: its rest follows
		case err == io.EOF && len(head) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, io.ErrUnexpectedEOF
		case err != nil:
			return nil, err
		}
		line := head[lineStart:]
		if len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			if lineStart == 0 {
				return nil, errors.New("empty line before the start line")
			}
			return head, nil
		}
		lineStart = len(head)
	}
}

// framing is what a head says about its body and its connection.
type framing struct {
	minor          int   // HTTP/1.minor
	length         int64 // -1: none given
	chunked        bool
	untilClose     bool // a response whose body ends when the connection does
	close          bool // the connection ends after this exchange
	expectContinue bool
	upgrade        bool
	head           bool // a HEAD request
	status         int  // responses
}

// lines calls f with each header line of head (after the start line), without its line end.
func lines(head []byte, f func(line []byte) error) error {
	rest := head[bytes.IndexByte(head, '\n')+1:]
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		line := rest[:i]
		rest = rest[i+1:]
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			return nil
		}
		if err := f(line); err != nil {
			return err
		}
	}
	return nil
}

func startLine(head []byte) []byte {
	return bytes.TrimSuffix(head[:bytes.IndexByte(head, '\n')], []byte{'\r'})
}

// headers reads the header fields framing depends on, refusing what would let the proxy and the
// portal delimit the message differently (folded lines, a space before the colon, control bytes,
// conflicting lengths).
func (f *framing) headers(head []byte) (te [][]byte, err error) {
	var keepAlive bool
	err = lines(head, func(line []byte) error {
		if line[0] == ' ' || line[0] == '\t' {
			return errors.New("obsolete line folding")
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return fmt.Errorf("malformed header line %.40q", line)
		}
		name, value := line[:colon], bytes.Trim(line[colon+1:], " \t")
		for _, c := range value {
			if (c < ' ' && c != '\t') || c == 0x7f {
				return fmt.Errorf("control byte in header %s", name)
			}
		}
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, ok := parseLength(value)
			if !ok {
				return fmt.Errorf("invalid Content-Length %.20q", value)
			}
			if f.length >= 0 && f.length != n {
				return errors.New("conflicting Content-Length headers")
			}
			f.length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			te = append(te, value)
		case bytes.EqualFold(name, []byte("Connection")):
			for tok := range bytes.SplitSeq(value, []byte{','}) {
				tok = bytes.Trim(tok, " \t")
				switch {
				case bytes.EqualFold(tok, []byte("close")):
					f.close = true
				case bytes.EqualFold(tok, []byte("keep-alive")):
					keepAlive = true
				case bytes.EqualFold(tok, []byte("upgrade")):
					f.upgrade = true
				}
			}
		case bytes.EqualFold(name, []byte("Expect")):
			f.expectContinue = f.expectContinue || bytes.EqualFold(value, []byte("100-continue"))
		}
		return nil
	})
	if f.minor == 0 && !keepAlive {
		f.close = true
	}
	return te, err
}

// parseRequest reads the request line and framing of a request head.
func parseRequest(head []byte) (framing, error) {
	f := framing{length: -1}
	line := startLine(head)
	sp1 := bytes.IndexByte(line, ' ')
	sp2 := bytes.LastIndexByte(line, ' ')
	if sp1 <= 0 || sp2 <= sp1+1 {
		return f, refuse(http.StatusBadRequest, "malformed request line %.60q", line)
	}
	method, target, version := line[:sp1], line[sp1+1:sp2], line[sp2+1:]
	if !isToken(method) || bytes.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return f, refuse(http.StatusBadRequest, "malformed request line %.60q", line)
	}
	switch string(version) {
	case "HTTP/1.1":
		f.minor = 1
	case "HTTP/1.0":
	default:
		return f, refuse(http.StatusHTTPVersionNotSupported, "%.20s is not supported: the proxy speaks HTTP/1.0 and HTTP/1.1", version)
	}
	if string(method) == http.MethodConnect {
		return f, refuse(http.StatusNotImplemented, "CONNECT is not supported: this is a reverse proxy")
	}
	f.head = string(method) == http.MethodHead
	te, err := f.headers(head)
	if err != nil {
		return f, refuse(http.StatusBadRequest, "%v", err)
	}
	if len(te) > 0 {
		switch {
		case f.minor == 0:
			return f, refuse(http.StatusBadRequest, "Transfer-Encoding in an HTTP/1.0 request")
		case len(te) > 1 || !bytes.EqualFold(te[0], []byte("chunked")):
			return f, refuse(http.StatusNotImplemented, "unsupported Transfer-Encoding %.40q: only chunked is", bytes.Join(te, []byte(", ")))
		case f.length >= 0:
			return f, refuse(http.StatusBadRequest, "both Transfer-Encoding and Content-Length")
		}
		f.chunked = true
	}
	return f, nil
}

// parseResponse reads the status line and framing of a response head to a request framed by req.
func parseResponse(head []byte, req framing) (framing, error) {
	f := framing{length: -1}
	line := startLine(head)
	switch {
	case len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || (line[7] != '0' && line[7] != '1') ||
		line[8] != ' ' || (len(line) > 12 && line[12] != ' '):
		return f, fmt.Errorf("malformed status line %.60q", line)
	}
	f.minor = int(line[7] - '0')
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return f, fmt.Errorf("malformed status line %.60q", line)
		}
		f.status = f.status*10 + int(c-'0')
	}
	te, err := f.headers(head)
	if err != nil {
		return f, err
	}
	switch {
	case req.head || f.status < 200 || f.status == http.StatusNoContent || f.status == http.StatusNotModified:
		f.length = 0
	case len(te) > 0:
		last := te[len(te)-1]
		if i := bytes.LastIndexByte(last, ','); i >= 0 {
			last = bytes.Trim(last[i+1:], " \t")
		}
		// Transfer-Encoding overrides Content-Length; a message with both is not reused.
		f.chunked = bytes.EqualFold(last, []byte("chunked"))
		f.untilClose = !f.chunked
		f.close = f.close || f.untilClose || f.length >= 0
		f.length = -1
	case f.length < 0:
		f.untilClose, f.close = true, true
	}
	return f, nil
}

func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || bytes.IndexByte([]byte(`"(),/:;<=>?@[\]{}`), c) >= 0 {
			return false
		}
	}
	return true
}

// relayN copies n bytes from src to dst, keeping what k keeps; it flushes dst whenever src has
// nothing more buffered, so that bytes go on as they come and a small message in one write.
func relayN(p *Proxy, dst *bufio.Writer, src *bufio.Reader, n int64, k *keeper) error {
	for n > 0 {
		if src.Buffered() == 0 {
			if err := dst.Flush(); err != nil {
				return writeError{err}
			}
			if _, err := src.Peek(1); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return readError{err}
			}
		}
		b, _ := src.Peek(int(min(int64(src.Buffered()), n)))
		k.keep(p, b)
		if _, err := dst.Write(b); err != nil {
			return writeError{err}
		}
		_, _ = src.Discard(len(b))
		n -= int64(len(b))
	}
	return nil
}

// relayToEOF copies src to dst until src ends (a response delimited by the connection's end).
func relayToEOF(p *Proxy, dst *bufio.Writer, src *bufio.Reader, k *keeper) error {
	for {
		if src.Buffered() == 0 {
			if err := dst.Flush(); err != nil {
				return writeError{err}
			}
			if _, err := src.Peek(1); err == io.EOF {
				return nil
			} else if err != nil {
				return readError{err}
			}
		}
		b, _ := src.Peek(src.Buffered())
		k.keep(p, b)
		if _, err := dst.Write(b); err != nil {
			return writeError{err}
		}
		_, _ = src.Discard(len(b))
	}
}

// relayChunked copies a chunked body, framing and trailers included, keeping its data.
func relayChunked(p *Proxy, dst *bufio.Writer, src *bufio.Reader, k *keeper) error {
	for {
		line, err := readLine(src, maxChunkLine)
		if err != nil {
			return err
		}
		size, ok := chunkSize(line)
		if !ok {
			return readError{fmt.Errorf("malformed chunk size line %.40q", line)}
		}
		if _, err := dst.Write(line); err != nil {
			return writeError{err}
		}
		if size == 0 {
			break
		}
		if err := relayN(p, dst, src, size, k); err != nil {
			return err
		}
		end, err := readLine(src, 2)
		if err != nil {
			return err
		}
		if string(end) != "\r\n" && string(end) != "\n" {
			return readError{errors.New("chunk data not followed by its line end")}
		}
		if _, err := dst.Write(end); err != nil {
			return writeError{err}
		}
	}
	for total := 0; ; { // the trailer section, up to its empty line
		line, err := readLine(src, maxTrailBytes-total)
		if err != nil {
			return err
		}
		total += len(line)
		if _, err := dst.Write(line); err != nil {
			return writeError{err}
		}
		if string(line) == "\r\n" || string(line) == "\n" {
			return nil
		}
	}
}

// readLine returns the next line with its line end, valid until src is read again.
func readLine(src *bufio.Reader, limit int) ([]byte, error) {
	if src.Buffered() == 0 {
		if _, err := src.Peek(1); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, readError{err}
		}
	}
	line, err := src.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull || (err == nil && len(line) > limit) || (err == nil && limit < 2 && len(line) > limit):
		return nil, readError{errors.New("chunk framing line too long")}
	case err == io.EOF:
		return nil, readError{io.ErrUnexpectedEOF}
	case err != nil:
		return nil, readError{err}
	}
	return line, nil
}

// chunkSize parses "hex[;extensions]" with its line end.
func chunkSize(line []byte) (int64, bool) {
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte{'\n'}), []byte{'\r'})
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = bytes.TrimRight(line[:i], " \t")
	}
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int64(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}
