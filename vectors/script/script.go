package script

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/vectors"
)

// Result is the outcome of one script.
type Result struct {
	TcID    string
	Pass    bool
	Step    int    // the failing step, from 1; 0 when the script passed
	Message string // why it failed
}

// Runner runs scripts against one portal.
type Runner struct {
	Client *client.Client // the reference client, pointed at the portal
	Domain string         // the portal's domain: account names are local@Domain
	Seed   uint64         // names and keys derive from it: a new seed per run against a persistent portal
}

// binding holds a script's placeholders.
type binding struct {
	r        *Runner
	rnd      *rand.Rand
	prefix   string
	accounts map[string]*client.Account
	devices  map[string]*client.Device
	conns    map[string]*client.Connection
}

// Run executes every test in order.
func (r *Runner) Run(ctx context.Context, tests []vectors.TransactionTest) []Result {
	out := make([]Result, 0, len(tests))
	for i, t := range tests {
		out = append(out, r.run(ctx, i, t))
	}
	return out
}

func (r *Runner) run(ctx context.Context, index int, t vectors.TransactionTest) Result {
	b := &binding{r: r, rnd: rand.New(rand.NewPCG(r.Seed, uint64(index))),
		prefix:   fmt.Sprintf("v%x-%d", r.Seed&0xffffff, index),
		accounts: map[string]*client.Account{}, devices: map[string]*client.Device{}, conns: map[string]*client.Connection{}}
	defer b.cleanUp(ctx)
	for i, st := range t.Steps {
		if msg := b.step(ctx, st); msg != "" {
			return Result{TcID: t.TcID, Step: i + 1, Message: fmt.Sprintf("step %d (%s): %s", i+1, st.Op, msg)}
		}
	}
	return Result{TcID: t.TcID, Pass: true}
}

// KeptForever are the vectors a second run with the same seed cannot pass against the same
// portal, with why: what they leave a portal rightly keeps after their accounts are deleted.
var KeptForever = map[string]string{
	"ConnectComplete/accept": "the first run's connection result is a replay (409)",
	"ConnectComplete/refuse": "the first run's connection result is a replay (409)",
}

// cleanUp deletes the accounts the script bound, as each conformance check deletes its own, so
// that a run leaves a persistent portal as it found it and a run with the same seed meets the
// same state. An account the script never created, or deleted itself, answers 404; whatever
// else goes wrong is left alone: the script's verdict is already decided.
func (b *binding) cleanUp(ctx context.Context) {
	names := slices.Sorted(maps.Keys(b.accounts))
	for _, n := range names {
		a := b.accounts[n]
		_, _, _ = b.r.Client.Delete(ctx, a.Name, a.Auth())
	}
}

func (b *binding) seed() []byte {
	s := make([]byte, 32)
	for i := range s {
		s[i] = byte(b.rnd.Uint32())
	}
	return s
}

func (b *binding) account(name string) *client.Account {
	if a, ok := b.accounts[name]; ok {
		return a
	}
	m, _ := client.NewMaster(keys.Ed448, b.seed())
	d, _ := client.NewDevice(keys.Ed448, b.seed())
	a := &client.Account{Name: b.prefix + "-" + name + "@" + b.r.Domain, Master: m, Device: d}
	b.accounts[name] = a
	return a
}

func (b *binding) device(name string) *client.Device {
	if d, ok := b.devices[name]; ok {
		return d
	}
	d, _ := client.NewDevice(keys.Ed448, b.seed())
	b.devices[name] = d
	return d
}

func (b *binding) accountName(st vectors.Step) string {
	if st.AccountText != "" {
		return strings.ReplaceAll(st.AccountText, "{domain}", b.r.Domain)
	}
	if st.Account == "" {
		return ""
	}
	return b.account(st.Account).Name
}

func (b *binding) auth(st vectors.Step) *client.Auth {
	switch {
	case st.Auth == "":
		return nil
	case st.Auth == "self":
		return b.account(st.Account).Auth()
	case st.Auth == "device":
		return &client.Auth{Signer: b.device(st.Device).DAK, Account: b.account(st.Account).Name}
	case strings.HasPrefix(st.Auth, "other:"):
		return &client.Auth{Signer: b.account(strings.TrimPrefix(st.Auth, "other:")).Device.DAK, Account: b.account(st.Account).Name}
	}
	return nil
}

// resign signs env's payload with another key, keeping env when that fails (the step then
// sends valid material and its expectation reports the difference).
func resign(env *mesh.DareMessage, k keys.Signer) *mesh.DareMessage {
	out, err := dare.Resign(env, k)
	if err != nil {
		return env
	}
	return out
}

// build returns the request of a step.
func (b *binding) build(ctx context.Context, st vectors.Step) (mesh.MeshRequest, string) {
	switch st.Op {
	case "Hello":
		return &mesh.HelloRequest{}, ""
	case "ValidateAccount":
		return &mesh.ValidateRequest{Account: b.accountName(st)}, ""
	case "CreateAccount":
		a := b.account(st.Account)
		req, err := a.CreateRequest()
		if err != nil {
			return nil, err.Error()
		}
		switch st.Mutate {
		case "unsigned-profile":
			req.Profile = dare.WithoutSignatures(req.Profile)
		case "profile-wrong-signer":
			req.Profile = resign(req.Profile, a.Device.DSK)
		case "profile-names-other-account":
			req.Account = b.account(st.Account + "other").Name
		case "unsigned-device":
			req.Device = dare.WithoutSignatures(req.Device)
		}
		return req, ""
	case "DeleteAccount":
		return &mesh.DeleteRequest{Account: b.accountName(st)}, ""
	case "Get":
		req := &mesh.GetRequest{}
		if st.Multiple {
			req.Multiple = mesh.Bool(true)
		}
		if st.MaxEntries > 0 {
			req.SearchConstraints = &mesh.SearchConstraints{MaxEntries: mesh.Int(int32(st.MaxEntries))}
		}
		switch st.By {
		case "account":
			req.Account = b.accountName(st)
		case "master":
			req.Identifier = b.account(st.Account).Master.UDF()
		case "device":
			req.Identifier = b.device(st.Device).UDF()
		case "names":
			req.KeyValues = []mesh.KeyValue{{Key: "Names", Value: b.account(st.Account).Master.UDF()}}
		}
		return req, ""
	case "Publish":
		d := b.device(st.Device)
		dp, err := d.ProfileDevice()
		if err != nil {
			return nil, err.Error()
		}
		switch st.Mutate {
		case "unsigned-entry":
			dp = dare.WithoutSignatures(dp)
		case "device-wrong-signer":
			dp = resign(dp, b.device(st.Device+"x").DSK)
		}
		return &mesh.PublishRequest{Entry: dp}, ""
	case "Status":
		return &mesh.StatusRequest{}, ""
	case "ConnectStart":
		a, d := b.account(st.Account), b.device(st.Device)
		dp, err := d.ProfileDevice()
		if err != nil {
			return nil, err.Error()
		}
		cn := b.seed()[:16]
		mcr := &mesh.MessageConnectionRequest{MessageID: fmt.Sprintf("%s-%s", b.prefix, st.Device), Account: a.Name, DeviceProfile: dp, ClientNonce: cn}
		signed, err := auth.SignStructure(mcr, d.DSK)
		if err != nil {
			return nil, err.Error()
		}
		switch st.Mutate {
		case "unsigned-request":
			signed = dare.WithoutSignatures(signed)
		case "request-wrong-signer":
			signed = resign(signed, b.device(st.Device+"x").DSK)
		}
		return &mesh.ConnectStartRequest{AccountID: a.Name, SignedRequest: signed}, ""
	case "ConnectStatus":
		return &mesh.ConnectStatusRequest{AccountID: b.accountName(st), DeviceID: b.device(st.Device).UDF()}, ""
	case "ConnectPending":
		return &mesh.ConnectPendingRequest{AccountID: b.accountName(st)}, ""
	case "ConnectComplete":
		a, d := b.account(st.Account), b.device(st.Device)
		dp, err := d.ProfileDevice()
		if err != nil {
			return nil, err.Error()
		}
		var result *mesh.DareMessage
		if st.Decision == "refuse" {
			result, err = auth.SignStructure(&mesh.MessageConfirmationResponse{ResponseID: fmt.Sprintf("%s-%s", b.prefix, st.Device), Accept: mesh.Bool(false)}, a.Master.OSK)
		} else {
			result, err = a.Master.CatalogEntry(a.Name, dp)
		}
		if err != nil {
			return nil, err.Error()
		}
		switch st.Mutate {
		case "unsigned-result":
			result = dare.WithoutSignatures(result)
		case "result-self-signed":
			result = resign(result, d.DSK)
		}
		return &mesh.ConnectCompleteRequest{AccountID: a.Name, Result: result}, ""
	case "Transfer":
		return &mesh.TransferRequest{}, ""
	}
	return nil, "unknown op " + st.Op
}

// step sends one step and returns why it failed ("" when it passed).
func (b *binding) step(ctx context.Context, st vectors.Step) string {
	req, problem := b.build(ctx, st)
	if problem != "" {
		return "cannot build the request: " + problem
	}
	if st.Mutate == "foreign-portal" {
		req.SetPortal("other-portal.invalid")
	}
	body, encErr := mesh.EncodeRequest(req)
	if encErr != nil {
		return encErr.Error()
	}
	a := b.auth(st)
	c := b.r.Client
	if st.Mutate == "stale-auth" {
		cp := *c
		cp.Now = func() time.Time { return time.Now().Add(-time.Hour) }
		c = &cp
	}
	var (
		resp mesh.MeshResponse
		err  error
	)
	if st.Mutate == "replay" && a != nil {
		// Send the very same bytes and Authorization header twice: the second answer is judged.
		hv, serr := auth.Sign(a.Signer, b.r.Domain, a.Account, body, time.Now(), nil)
		if serr != nil {
			return serr.Error()
		}
		cp := *c
		cp.HTTP = &http.Client{Transport: fixedAuth{base: transport(c), value: hv}, Timeout: timeout(c)}
		if _, _, err = cp.DoRaw(ctx, req.Transaction(), body, nil); err != nil {
			var se *client.StatusError
			if !errors.As(err, &se) {
				return "no usable answer: " + err.Error()
			}
			return fmt.Sprintf("the original request failed: %v", err)
		}
		resp, _, err = cp.DoRaw(ctx, req.Transaction(), body, nil)
	} else {
		resp, _, err = c.DoRaw(ctx, req.Transaction(), body, a)
	}
	var se *client.StatusError
	if err != nil && !errors.As(err, &se) {
		return "no usable answer: " + err.Error()
	}
	status := 201
	if code, ok := resp.StatusCode(); ok {
		status = int(code)
	}
	if !slices.Contains(st.ExpectStatus, status) {
		return fmt.Sprintf("Status %d %q, want one of %v", status, resp.Description(), st.ExpectStatus)
	}
	return checkFields(resp, st)
}

// fixedAuth sends a fixed Authorization header, to replay a request as captured.
type fixedAuth struct {
	base  http.RoundTripper
	value string
}

func (f fixedAuth) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", f.value)
	return f.base.RoundTrip(r)
}

func transport(c *client.Client) http.RoundTripper {
	if c.HTTP != nil && c.HTTP.Transport != nil {
		return c.HTTP.Transport
	}
	return http.DefaultTransport
}

func timeout(c *client.Client) time.Duration {
	if c.HTTP != nil {
		return c.HTTP.Timeout
	}
	return 0
}

// checkFields compares the expected top-level members and entry counts.
func checkFields(resp mesh.MeshResponse, st vectors.Step) string {
	bare, err := mesh.MarshalBare(resp)
	if err != nil {
		return err.Error()
	}
	var got map[string]any
	if err := json.Unmarshal(bare, &got); err != nil {
		return err.Error()
	}
	for k, want := range st.ExpectFields {
		if !reflect.DeepEqual(got[k], want) {
			return fmt.Sprintf("%s is %v, want %v", k, got[k], want)
		}
	}
	n := -1
	switch r := resp.(type) {
	case *mesh.GetResponse:
		n = len(r.Entries)
	case *mesh.ConnectPendingResponse:
		n = len(r.Pending)
	case *mesh.TransferResponse:
		n = len(r.DataItems)
	}
	if n >= 0 && n < st.MinEntries {
		return fmt.Sprintf("%d entries, want at least %d", n, st.MinEntries)
	}
	if n >= 0 && st.MaxEntriesReturned != nil && n > *st.MaxEntriesReturned {
		return fmt.Sprintf("%d entries, want at most %d", n, *st.MaxEntriesReturned)
	}
	return ""
}
