package client

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// Errors callers branch on.
var (
	ErrForged    = errors.New("portal sent forged or inconsistent material")
	ErrWitness   = errors.New("connection witness does not match")
	ErrNotAdmin  = errors.New("this device holds no master keys")
	ErrTransport = errors.New("transport failure")
	ErrProtocol  = errors.New("response does not decode")
	// ErrTooLarge is an answer beyond Client.MaxResponse or a StatusDescription beyond
	// MaxDescription; it comes wrapped with ErrProtocol.
	ErrTooLarge = errors.New("response too large")
)

// MaxDescription bounds the StatusDescription the client accepts: a sentence for a person,
// which a hostile portal could otherwise make megabytes long for every log line it lands in.
const MaxDescription = 16 << 10

// StatusError is a response whose payload Status is not a success.
type StatusError struct {
	Tx          string
	Status      int32
	Description string
	RetryAfter  string // the answer's Retry-After header, when it had one (a refusal for load)
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: status %d: %s", e.Tx, e.Status, e.Description)
}

// Auth authenticates a request per NOTE-AUTH.
type Auth struct {
	Signer  keys.Signer
	Account string
	// Sessions, when set, asks the portal for a session and uses it once granted
	// (NOTE-AUTH-SESSION): a MAC instead of a signature on every later request.
	Sessions *Sessions
}

// Exchange is what went over the wire, for checks that look at bytes.
type Exchange struct {
	Request    []byte
	Response   []byte
	HTTPStatus int
	Header     http.Header
}

// Client talks to one portal.
type Client struct {
	URL  string       // the service URL, e.g. http://localhost:8080/.well-known/mmm/
	Host string       // Host header and signed host; default the URL's host name
	HTTP *http.Client // default http.DefaultClient
	Now  func() time.Time
	Rand io.Reader // nonces; default crypto/rand
	// MaxResponse bounds how much of a response is read.
	MaxResponse int64
	// Bugs are misbehaviour knobs for testing the client harness; zero conforms.
	Bugs Bugs
	// Allow are behaviours the documents permit that the client does not show by default.
	Allow Allowances
}

// rand is the nonce source: Rand, or a constant stream under the reuse-nonce knob.
func (c *Client) rand() io.Reader {
	if c.Bugs.ReuseNonce {
		return zeroReader{}
	}
	return c.Rand
}

// New returns a client for the service URL.
func New(serviceURL string) *Client { return &Client{URL: serviceURL} }

// host is the portal's name as Host carries it and NOTE-AUTH signs it: no port, no trailing
// dot, lower case (NOTE-HOST-PORT), the form the portal verifies against.
func (c *Client) host() string {
	name := c.Host
	if name == "" || c.Bugs.IgnoreHost {
		u, err := url.Parse(c.URL)
		if err != nil {
			return ""
		}
		name = u.Hostname()
	}
	return strings.ToLower(strings.TrimSuffix(name, "."))
}

// Do sends one request and decodes the response of its transaction. A non-2xx payload
// Status is returned as a *StatusError together with the decoded response.
func (c *Client) Do(ctx context.Context, req mesh.MeshRequest, a *Auth) (mesh.MeshResponse, *Exchange, error) {
	body, err := mesh.EncodeRequest(req)
	if err != nil {
		return nil, nil, fmt.Errorf("client: %w", err)
	}
	return c.DoRaw(ctx, req.Transaction(), body, a)
}

// DoRaw sends body as the request of transaction tx.
func (c *Client) DoRaw(ctx context.Context, tx string, body []byte, a *Auth) (mesh.MeshResponse, *Exchange, error) {
	if c.Bugs.UnknownMembers {
		body = addUnknownMember(body)
	}
	if c.Allow.SortedMembers {
		body = sortMembers(body)
	}
	resp, ex, used, err := c.exchange(ctx, tx, body, a)
	if c.Allow.Retry503 && retryable(tx, err) {
		resp, ex, used, err = c.exchange(ctx, tx, body, a)
	}
	if used != nil && ex != nil && ex.HTTPStatus == http.StatusUnauthorized {
		// The portal no longer knows the session (it restarted, or the session expired
		// early, or the device was removed): sign the request again, once. A 401 means the
		// request was not acted on, so sending it again is safe.
		a.Sessions.forget(used)
		resp, ex, _, err = c.exchange(ctx, tx, body, a)
	}
	return resp, ex, err
}

// exchange makes one request; used is the session that authenticated it, if one did.
func (c *Client) exchange(ctx context.Context, tx string, body []byte, a *Auth) (_ mesh.MeshResponse, _ *Exchange, used *auth.Session, _ error) {
	ex := &Exchange{Request: body}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, ex, used, fmt.Errorf("client: %w: %w", ErrTransport, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.Allow.Charset {
		hreq.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if c.Host != "" && !c.Bugs.IgnoreHost {
		hreq.Host = c.Host
	}
	if h, ok := c.allowedHost(hreq.URL); ok {
		hreq.Host = h
	}
	if c.Bugs.HostIP {
		if ip, ok := resolvedHost(ctx, hreq.URL); ok {
			hreq.Host = ip
		}
	}
	var offer *auth.Offer
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	if a != nil && !c.Bugs.NoAuthHeader {
		var hv string
		hv, used, offer, err = a.authorize(c.host(), body, now(), c.rand())
		if err != nil {
			return nil, ex, used, err
		}
		hreq.Header.Set("Authorization", hv)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	hresp, err := hc.Do(hreq)
	if err != nil {
		return nil, ex, used, fmt.Errorf("client: %w: %w", ErrTransport, err)
	}
	defer hresp.Body.Close()
	limit := c.MaxResponse
	if limit <= 0 {
		limit = 16 << 20
	}
	if c.Bugs.UnboundedRead {
		limit = 1 << 40
	}
	ex.HTTPStatus, ex.Header = hresp.StatusCode, hresp.Header
	if offer != nil {
		// The client's own clock, the one its sessions are judged live by.
		a.accept(offer, hresp.Header.Get(auth.GrantHeader), c.host(), now())
	}
	// The naive client the unbounded-read and crash-on-malformed knobs stand for reads the
	// whole answer, growing as it goes, and only then decodes.
	naive := c.Bugs.UnboundedRead || c.Bugs.CrashOnMalformed
	if naive {
		ex.Response, err = io.ReadAll(io.LimitReader(hresp.Body, limit))
	} else if hresp.ContentLength > limit {
		return nil, ex, used, fmt.Errorf("client: %w: %w: the answer announces %d bytes, more than %d (HTTP %d)", ErrProtocol, ErrTooLarge, hresp.ContentLength, limit, ex.HTTPStatus)
	} else {
		// One byte beyond the limit tells an answer cut at the limit from one that ends there.
		ex.Response, err = readBody(hresp, limit+1)
	}
	if err != nil {
		if c.Bugs.CrashOnMalformed && errors.Is(err, io.ErrUnexpectedEOF) {
			panic(fmt.Sprintf("crash-on-malformed: truncated body: %v", err))
		}
		return nil, ex, used, fmt.Errorf("client: %w: %w", ErrTransport, err)
	}
	if !naive && int64(len(ex.Response)) > limit {
		ex.Response = ex.Response[:limit:limit]
		return nil, ex, used, fmt.Errorf("client: %w: %w: the answer is longer than %d bytes (HTTP %d)", ErrProtocol, ErrTooLarge, limit, ex.HTTPStatus)
	}
	opts := &mesh.DecodeOptions{Limits: limitsFor(limit)}
	resp, err := mesh.DecodeResponse(ex.Response, tx, opts)
	if err != nil && c.Bugs.AcceptUntagged {
		resp, err = decodeUntagged(ex.Response, tx, opts)
	}
	if err != nil {
		if c.Bugs.CrashOnMalformed {
			panic(fmt.Sprintf("crash-on-malformed: %v", err))
		}
		return nil, ex, used, fmt.Errorf("client: %w (HTTP %d): %w", ErrProtocol, ex.HTTPStatus, err)
	}
	if d := resp.Description(); len(d) > MaxDescription {
		return nil, ex, used, fmt.Errorf("client: %w: %w: StatusDescription of %d bytes, more than %d", ErrProtocol, ErrTooLarge, len(d), MaxDescription)
	}
	code, ok := resp.StatusCode()
	if !ok {
		code = 201
	}
	if c.Bugs.TrustHTTPStatus {
		code = int32(ex.HTTPStatus)
		if code >= 200 && code <= 299 {
			return resp, ex, used, nil
		}
	}
	if code < 200 || code > 299 {
		return resp, ex, used, &StatusError{Tx: tx, Status: code, Description: resp.Description(), RetryAfter: hresp.Header.Get("Retry-After")}
	}
	return resp, ex, used, nil
}

func call[T mesh.MeshResponse](ctx context.Context, c *Client, req mesh.MeshRequest, a *Auth) (T, *Exchange, error) {
	var zero T
	resp, ex, err := c.Do(ctx, req, a)
	if resp == nil {
		return zero, ex, err
	}
	t, ok := resp.(T)
	if !ok {
		return zero, ex, fmt.Errorf("client: %w: %T", ErrProtocol, resp)
	}
	return t, ex, err
}

// Hello calls Hello.
func (c *Client) Hello(ctx context.Context) (*mesh.HelloResponse, *Exchange, error) {
	return call[*mesh.HelloResponse](ctx, c, &mesh.HelloRequest{}, nil)
}

// Validate calls ValidateAccount.
func (c *Client) Validate(ctx context.Context, account string) (*mesh.ValidateResponse, *Exchange, error) {
	return call[*mesh.ValidateResponse](ctx, c, &mesh.ValidateRequest{Account: account}, nil)
}

// Create calls CreateAccount with a prepared request.
func (c *Client) Create(ctx context.Context, req *mesh.CreateRequest) (*mesh.CreateResponse, *Exchange, error) {
	return call[*mesh.CreateResponse](ctx, c, req, nil)
}

// CreateAccount builds and sends the CreateAccount of a.
func (c *Client) CreateAccount(ctx context.Context, a *Account) (*mesh.CreateResponse, *Exchange, error) {
	req, err := a.CreateRequest()
	if err != nil {
		return nil, nil, err
	}
	return c.Create(ctx, req)
}

// Delete calls DeleteAccount.
func (c *Client) Delete(ctx context.Context, account string, a *Auth) (*mesh.DeleteResponse, *Exchange, error) {
	return call[*mesh.DeleteResponse](ctx, c, &mesh.DeleteRequest{Account: account}, a)
}

// Get calls Get.
func (c *Client) Get(ctx context.Context, req *mesh.GetRequest) (*mesh.GetResponse, *Exchange, error) {
	return call[*mesh.GetResponse](ctx, c, req, nil)
}

// Publish calls Publish.
func (c *Client) Publish(ctx context.Context, entry *mesh.DareMessage, a *Auth) (*mesh.PublishResponse, *Exchange, error) {
	return call[*mesh.PublishResponse](ctx, c, &mesh.PublishRequest{Entry: entry}, a)
}

// Status calls Status.
func (c *Client) Status(ctx context.Context) (*mesh.StatusResponse, *Exchange, error) {
	return call[*mesh.StatusResponse](ctx, c, &mesh.StatusRequest{}, nil)
}

// ConnectStart calls ConnectStart.
func (c *Client) ConnectStart(ctx context.Context, req *mesh.ConnectStartRequest) (*mesh.ConnectStartResponse, *Exchange, error) {
	return call[*mesh.ConnectStartResponse](ctx, c, req, nil)
}

// ConnectStatus calls ConnectStatus.
func (c *Client) ConnectStatus(ctx context.Context, account, deviceID string) (*mesh.ConnectStatusResponse, *Exchange, error) {
	return call[*mesh.ConnectStatusResponse](ctx, c, &mesh.ConnectStatusRequest{AccountID: account, DeviceID: deviceID}, nil)
}

// ConnectPending calls ConnectPending.
func (c *Client) ConnectPending(ctx context.Context, account string, sc *mesh.SearchConstraints, a *Auth) (*mesh.ConnectPendingResponse, *Exchange, error) {
	return call[*mesh.ConnectPendingResponse](ctx, c, &mesh.ConnectPendingRequest{AccountID: account, SearchConstraints: sc}, a)
}

// ConnectComplete calls ConnectComplete.
func (c *Client) ConnectComplete(ctx context.Context, account string, result *mesh.DareMessage, a *Auth) (*mesh.ConnectCompleteResponse, *Exchange, error) {
	return call[*mesh.ConnectCompleteResponse](ctx, c, &mesh.ConnectCompleteRequest{AccountID: account, Result: result}, a)
}

// Transfer calls Transfer.
func (c *Client) Transfer(ctx context.Context, sc *mesh.SearchConstraints, a *Auth) (*mesh.TransferResponse, *Exchange, error) {
	return call[*mesh.TransferResponse](ctx, c, &mesh.TransferRequest{SearchConstraints: sc}, a)
}

// readBody reads at most max bytes of an answer. With a Content-Length the buffer is sized
// once; without, the body is read in chunks and joined once, so that an answer of n bytes
// costs about 2n at the peak, not the 3n of a buffer doubling as it goes.
func readBody(hresp *http.Response, max int64) ([]byte, error) {
	r := io.LimitReader(hresp.Body, max)
	if hresp.ContentLength >= 0 {
		buf := bytes.NewBuffer(make([]byte, 0, min(hresp.ContentLength+1, max)+bytes.MinRead))
		_, err := buf.ReadFrom(r)
		return buf.Bytes(), err
	}
	const chunk = 256 << 10
	var chunks [][]byte
	total := 0
	c := make([]byte, 0, chunk)
	for {
		n, err := r.Read(c[len(c):cap(c)])
		c = c[:len(c)+n]
		total += n
		if len(c) == cap(c) || err != nil {
			chunks = append(chunks, c)
			c = make([]byte, 0, chunk)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err // a transport error, io.ErrUnexpectedEOF among them, as it came
		}
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}
