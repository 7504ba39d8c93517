package model

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/meshconform/meshconform/reference/auth"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// names are the local parts a sequence draws from: few, so that actions collide.
var names = []string{"alice", "bob", "carol"}

var runID atomic.Uint64

// Step is one transaction of a sequence: what a saved script holds.
type Step struct {
	Action string `json:"action"`
	Name   string `json:"name,omitempty"` // local part, one of names
}

func (s Step) String() string {
	if s.Name == "" {
		return s.Action
	}
	return s.Action + " " + s.Name
}

// Actions are the steps a sequence draws from; each takes a name except status.
var Actions = []string{"create", "create-upper", "create-forged", "delete", "get", "get-paged", "publish", "validate",
	"status", "connect-start", "pending", "complete", "replay-result", "connect-status-unknown", "transfer"}

// Machine is the state machine: the portal under test and the model of what it must hold.
type Machine struct {
	C        *client.Client
	Domain   string
	Sessions bool // every account's device authenticates under a session once granted (NOTE-AUTH-SESSION)
	prefix   string
	steps    []Step

	accts                map[string]*client.Account // key: local name; material exists for every name
	auths                map[string]*client.Auth
	live                 map[string]bool // created and not deleted
	created              map[string]bool // ever created (profiles stay after delete, draft 3.8)
	pending              map[string][]*client.Device
	done                 map[string][]byte // local name -> body of the last accepted ConnectComplete
	lastCP               string
	seenCP               map[string]bool
	writes               bool
	noStatus, noTransfer bool
}

// NewMachine prepares a machine whose account names start with prefix, unique to the run, so
// that many runs share one portal. An empty prefix picks one unique to this process.
func NewMachine(c *client.Client, domain, prefix string, sessions bool) *Machine {
	if prefix == "" {
		prefix = fmt.Sprintf("m%d", runID.Add(1))
	}
	return &Machine{C: c, Domain: domain, Sessions: sessions, prefix: prefix, accts: map[string]*client.Account{},
		auths: map[string]*client.Auth{}, live: map[string]bool{}, created: map[string]bool{},
		pending: map[string][]*client.Device{}, done: map[string][]byte{}, seenCP: map[string]bool{}}
}

// Steps are the steps sent so far (those whose precondition held).
func (m *Machine) Steps() []Step { return append([]Step(nil), m.steps...) }

func (m *Machine) acct(local string) *client.Account {
	if a, ok := m.accts[local]; ok {
		return a
	}
	seed := []byte(m.prefix + "/" + local)
	ms, _ := client.NewMaster(keys.Ed25519, seed)
	d, _ := client.NewDevice(keys.Ed25519, seed)
	a := &client.Account{Name: m.prefix + local + "@" + m.Domain, Master: ms, Device: d}
	m.accts[local] = a
	au := a.Auth()
	if m.Sessions {
		au.Sessions = &client.Sessions{}
	}
	m.auths[local] = au
	return a
}

// answered separates a refusal (the portal answered, with an error status) from no answer.
func answered(err error) (accepted bool, terr error) {
	if err == nil {
		return true, nil
	}
	if errors.Is(err, client.ErrTransport) {
		return false, &TransportError{Err: err}
	}
	return false, nil
}

func verdict(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func violated(prop, msg string, expected, observed string) error {
	return &Violation{Property: prop, Message: msg, Expected: expected, Observed: observed}
}

// unimplemented says the portal answered that it has no such transaction (REQ-UNIMPLEMENTED-501).
func unimplemented(err error, ex *client.Exchange) bool {
	var se *client.StatusError
	if errors.As(err, &se) && se.Status == 501 {
		return true
	}
	return ex != nil && (ex.HTTPStatus == http.StatusNotImplemented || ex.HTTPStatus == http.StatusNotFound) && err != nil
}

// Exec sends one step and compares the answer with the model: nil, errSkip when the step's
// precondition does not hold (nothing is sent), a *Violation, or a *TransportError.
func (m *Machine) Exec(ctx context.Context, s Step) error {
	err := m.exec(ctx, s)
	if !errors.Is(err, errSkip) {
		m.steps = append(m.steps, s)
	}
	return err
}

func (m *Machine) exec(ctx context.Context, s Step) error {
	local := s.Name
	if s.Action != "status" {
		if !contains(names, local) {
			return fmt.Errorf("%w: unknown name %q", errSkip, local)
		}
	}
	switch s.Action {
	case "create":
		return m.create(ctx, local)
	case "create-upper":
		return m.createUpper(ctx, local)
	case "create-forged":
		return m.createForged(ctx, local)
	case "delete":
		return m.delete(ctx, local)
	case "get":
		return m.checkGet(ctx, local)
	case "get-paged":
		return m.getPaged(ctx, local)
	case "publish":
		return m.publish(ctx, local)
	case "validate":
		return m.validate(ctx, local)
	case "status":
		return m.status(ctx)
	case "connect-start":
		return m.connectStart(ctx, local)
	case "pending":
		return m.pendingList(ctx, local)
	case "complete":
		return m.complete(ctx, local)
	case "replay-result":
		return m.replayResult(ctx, local)
	case "connect-status-unknown":
		return m.connectStatusUnknown(ctx, local)
	case "transfer":
		return m.transfer(ctx, local)
	}
	return fmt.Errorf("%w: unknown action %q", errSkip, s.Action)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (m *Machine) create(ctx context.Context, local string) error {
	a := m.acct(local)
	_, _, err := m.C.CreateAccount(ctx, a)
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if m.live[local] && acc {
		return violated("create-taken", "a Create of the existing "+a.Name+" succeeded", "refused (409)", "accepted")
	}
	if !m.live[local] && !acc {
		return violated("create-free", "a Create of the free "+a.Name+" was refused", "accepted", fmt.Sprint(err))
	}
	if acc {
		m.live[local], m.created[local], m.writes = true, true, true
	}
	return nil
}

// createUpper creates an existing name with its local part upper-cased: the same account
// (NOTE-ACCOUNT-NAMES), so it must be refused.
func (m *Machine) createUpper(ctx context.Context, local string) error {
	if !m.live[local] {
		return errSkip
	}
	a := m.acct(local)
	up := &client.Account{Name: strings.ToUpper(m.prefix+local) + "@" + m.Domain, Master: a.Master, Device: a.Device}
	_, _, err := m.C.CreateAccount(ctx, up)
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if acc {
		m.writes = true
		return violated("create-taken", "a Create of "+up.Name+" succeeded though "+a.Name+" exists", "refused (409)", "accepted")
	}
	return nil
}

// createForged sends a Create whose device entry is signed by a key that is not the master's:
// refused, and nothing of it may be stored (draft 3.7).
func (m *Machine) createForged(ctx context.Context, local string) error {
	if m.live[local] || m.created[local] {
		return errSkip
	}
	a := m.acct(local)
	req, err := a.CreateRequest()
	if err != nil {
		return fmt.Errorf("build a Create: %w", err)
	}
	dp, _ := a.Device.ProfileDevice()
	wrong, _ := client.NewMaster(keys.Ed25519, []byte(m.prefix+"/wrong"))
	if req.Device, err = wrong.CatalogEntry(a.Name, dp); err != nil {
		return fmt.Errorf("build a catalog entry: %w", err)
	}
	_, _, err = m.C.Create(ctx, req)
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if acc {
		m.writes = true
		return violated("create-forged-stores-nothing", "a Create with a device entry not signed by the master succeeded", "refused", "accepted")
	}
	return m.checkGet(ctx, local)
}

func (m *Machine) delete(ctx context.Context, local string) error {
	a := m.acct(local)
	_, _, err := m.C.Delete(ctx, a.Name, m.auths[local])
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if m.live[local] != acc {
		return violated("delete-live-only", "Delete of "+a.Name, verdict(m.live[local], "accepted (the account exists)", "refused (no such account)"),
			verdict(acc, "accepted", fmt.Sprint(err)))
	}
	if acc {
		m.live[local], m.writes = false, true
		delete(m.pending, local)
		delete(m.done, local)
	}
	return nil
}

func (m *Machine) checkGet(ctx context.Context, local string) error {
	a := m.acct(local)
	resp, _, err := m.C.Get(ctx, &mesh.GetRequest{Account: a.Name})
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if m.live[local] != acc {
		return violated("created-stays-until-deleted", "Get by account "+a.Name,
			verdict(m.live[local], "the current profile (the account exists)", "refused 404 (never created or deleted)"),
			verdict(acc, "answered", fmt.Sprint(err)))
	}
	if acc && len(resp.Entries) != 1 {
		return violated("created-stays-until-deleted", "Get by account "+a.Name, "one entry, the current profile", fmt.Sprintf("%d entries", len(resp.Entries)))
	}
	// Profiles stay published after DeleteAccount (draft 3.8): Get by the master's UDF finds them.
	_, _, err = m.C.Get(ctx, &mesh.GetRequest{Identifier: a.Master.UDF()})
	acc, terr = answered(err)
	if terr != nil {
		return terr
	}
	if m.created[local] != acc {
		return violated("profile-survives-delete", "Get by the fingerprint of "+a.Name+"'s master profile",
			verdict(m.created[local], "the profile (it was published; profiles stay after a delete)", "refused 404 (never published)"),
			verdict(acc, "answered", fmt.Sprint(err)))
	}
	return nil
}

// getPaged asks for every entry of an account, one per page.
func (m *Machine) getPaged(ctx context.Context, local string) error {
	if !m.live[local] {
		return errSkip
	}
	a := m.acct(local)
	resp, _, err := m.C.Get(ctx, &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true),
		SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}})
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if !acc {
		return violated("created-stays-until-deleted", "Get multiple of the existing "+a.Name, "answered", fmt.Sprint(err))
	}
	if len(resp.Entries) > 1 {
		return violated("max-entries", "Get with MaxEntries 1 (draft 3.4.2)", "at most 1 entry", fmt.Sprintf("%d entries", len(resp.Entries)))
	}
	return nil
}

// publish re-publishes the account's profile: only an existing account may publish (3.7).
func (m *Machine) publish(ctx context.Context, local string) error {
	a := m.acct(local)
	prof, err := a.Master.ProfileMesh(a.Name)
	if err != nil {
		return fmt.Errorf("build a profile: %w", err)
	}
	_, _, err = m.C.Publish(ctx, prof, m.auths[local])
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if acc {
		m.writes = true
	}
	if m.live[local] != acc {
		prop := "publish-needs-account"
		if m.created[local] {
			prop = "deleted-device-refused"
		}
		if m.live[local] {
			prop = "created-stays-until-deleted"
		}
		return violated(prop, "Publish by "+a.Name+"'s device", verdict(m.live[local], "accepted (the account exists)", "refused (no such account)"),
			verdict(acc, "accepted", fmt.Sprint(err)))
	}
	return nil
}

func (m *Machine) validate(ctx context.Context, local string) error {
	name := m.acct(local).Name
	resp, _, err := m.C.Validate(ctx, name)
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if !acc || resp.Valid == nil || !*resp.Valid {
		return violated("validate-valid", "Validate of "+name, "Valid: true", fmt.Sprintf("%v (valid %v)", err, resp != nil && resp.Valid != nil && *resp.Valid))
	}
	return nil
}

// status: the checkpoint changes only with writes and never returns to an earlier value. A
// portal without Status (REQ-UNIMPLEMENTED-501) skips it.
func (m *Machine) status(ctx context.Context) error {
	if m.noStatus {
		return errSkip
	}
	resp, ex, err := m.C.Status(ctx)
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if !acc {
		if unimplemented(err, ex) {
			m.noStatus = true
			return nil
		}
		return violated("checkpoint-grows", "Status", "answered", fmt.Sprint(err))
	}
	cp := resp.CheckpointValue
	if m.lastCP != "" && !m.writes && cp != m.lastCP {
		return violated("checkpoint-reads-idempotent", "the checkpoint changed without a write", m.lastCP, cp)
	}
	if cp != m.lastCP && m.seenCP[cp] {
		return violated("checkpoint-grows", "the checkpoint returned to an earlier value (draft 7.1.7)", "a new value after "+m.lastCP, cp)
	}
	m.seenCP[cp], m.lastCP, m.writes = true, cp, false
	return nil
}

// connectStart asks to connect a new device to an account.
func (m *Machine) connectStart(ctx context.Context, local string) error {
	a := m.acct(local)
	dev, _ := client.NewDevice(keys.Ed25519, fmt.Appendf(nil, "%s/%s/dev/%d", m.prefix, local, len(m.steps)))
	_, err := m.C.StartConnection(ctx, a.Name, dev, "")
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if m.live[local] != acc {
		return violated("connect-start-live-only", "ConnectStart to "+a.Name, verdict(m.live[local], "accepted (the account exists)", "refused (no such account)"),
			verdict(acc, "accepted", fmt.Sprint(err)))
	}
	if acc {
		m.pending[local], m.writes = append(m.pending[local], dev), true
	}
	return nil
}

// pendingList lists the pending requests: exactly the model's, each once. A deleted account's
// device is refused.
func (m *Machine) pendingList(ctx context.Context, local string) error {
	if !m.created[local] {
		return errSkip
	}
	a := m.acct(local)
	resp, _, err := m.C.ConnectPending(ctx, a.Name, nil, m.auths[local])
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if !m.live[local] {
		if acc {
			return violated("deleted-device-refused", "ConnectPending by the device of the deleted "+a.Name, "refused", "answered")
		}
		return nil
	}
	if !acc {
		return violated("pending-once", "ConnectPending of the existing "+a.Name, "answered", fmt.Sprint(err))
	}
	want := map[string]int{}
	for _, d := range m.pending[local] {
		want[d.UDF()]++
	}
	got := map[string]int{}
	for i := range resp.Pending {
		got[pendingDevice(&resp.Pending[i])]++
	}
	if len(resp.Pending) != len(m.pending[local]) || !sameCounts(want, got) {
		return violated("pending-once", "ConnectPending of "+a.Name, fmt.Sprintf("%d requests, one per started device %v", len(m.pending[local]), want),
			fmt.Sprintf("%d requests %v", len(resp.Pending), got))
	}
	return nil
}

// pendingDevice is the device fingerprint of a pending request ("?" when it does not open).
func pendingDevice(env *mesh.DareMessage) string {
	v, err := auth.Open(env)
	if err != nil {
		return "?"
	}
	req, ok := v.(*mesh.MessageConnectionRequest)
	if !ok || req.DeviceProfile == nil {
		return "?"
	}
	dv, err := auth.Open(req.DeviceProfile)
	if err != nil {
		return "?"
	}
	pd, ok := dv.(*mesh.ProfileDevice)
	if !ok {
		return "?"
	}
	alg, dsk, err := keys.FromMeshPublicKey(pd.DeviceSignatureKey)
	if err != nil {
		return "?"
	}
	return keys.Fingerprint(alg, dsk)
}

func sameCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// complete approves the oldest pending device; ConnectStatus then answers the result.
func (m *Machine) complete(ctx context.Context, local string) error {
	if !m.live[local] || len(m.pending[local]) == 0 {
		return errSkip
	}
	a, dev := m.acct(local), m.pending[local][0]
	dp, _ := dev.ProfileDevice()
	entry, err := a.Master.CatalogEntry(a.Name, dp)
	if err != nil {
		return fmt.Errorf("build a catalog entry: %w", err)
	}
	_, ex, err := m.C.ConnectComplete(ctx, a.Name, entry, m.auths[local])
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if !acc {
		return violated("connect-result-answered", "ConnectComplete of a pending device of "+a.Name, "accepted", fmt.Sprint(err))
	}
	m.pending[local], m.writes = m.pending[local][1:], true
	m.done[local] = ex.Request
	st, _, err := m.C.ConnectStatus(ctx, a.Name, dev.UDF())
	acc, terr = answered(err)
	if terr != nil {
		return terr
	}
	if !acc || st.Result == nil {
		return violated("connect-result-answered", "ConnectStatus after ConnectComplete", "the signed result", fmt.Sprintf("%v (result present %v)", err, acc && st.Result != nil))
	}
	return nil
}

// replayResult sends the last accepted result again: it must be refused (3.15.1).
func (m *Machine) replayResult(ctx context.Context, local string) error {
	body := m.done[local]
	if body == nil || !m.live[local] {
		return errSkip
	}
	a := m.acct(local)
	_, _, err := m.C.DoRaw(ctx, "ConnectComplete", body, m.auths[local])
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if acc {
		return violated("replayed-result-refused", "a ConnectComplete sent again for "+a.Name, "refused", "accepted")
	}
	return nil
}

// connectStatusUnknown: ConnectStatus of a device the account never heard of is refused.
func (m *Machine) connectStatusUnknown(ctx context.Context, local string) error {
	a := m.acct(local)
	_, _, err := m.C.ConnectStatus(ctx, a.Name, a.Master.UDF())
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if acc {
		return violated("connect-status-unknown", "ConnectStatus of a device "+a.Name+" never saw", "refused 404", "answered")
	}
	return nil
}

// transfer: an existing account's device gets its account's log records and no other's; a
// deleted account's device is refused. A portal without Transfer skips it.
func (m *Machine) transfer(ctx context.Context, local string) error {
	if m.noTransfer || !m.created[local] {
		return errSkip
	}
	a := m.acct(local)
	resp, ex, err := m.C.Transfer(ctx, nil, m.auths[local])
	acc, terr := answered(err)
	if terr != nil {
		return terr
	}
	if !m.live[local] {
		if acc {
			return violated("deleted-device-refused", "Transfer by the device of the deleted "+a.Name, "refused", fmt.Sprintf("answered with %d records", len(resp.DataItems)))
		}
		return nil
	}
	if !acc {
		if unimplemented(err, ex) {
			m.noTransfer = true
			return nil
		}
		return violated("transfer-own-records", "Transfer by the device of the existing "+a.Name, "answered", fmt.Sprint(err))
	}
	for i := range resp.DataItems {
		v, err := auth.Open(&resp.DataItems[i])
		if err != nil {
			return violated("transfer-own-records", fmt.Sprintf("Transfer's DataItems[%d]", i), "a LogRecord in a plain DARE envelope", err.Error())
		}
		if rec, ok := v.(*mesh.LogRecord); ok && !strings.EqualFold(rec.Account, a.Name) {
			return violated("transfer-own-records", "Transfer by "+a.Name+" returned another account's record", a.Name, rec.Account)
		}
	}
	return nil
}

// Check runs before the first step and after every step: the portal's answers for each name
// agree with the model.
func (m *Machine) Check(ctx context.Context) error {
	for _, local := range names {
		if err := m.checkGet(ctx, local); err != nil {
			return err
		}
	}
	return nil
}

// Cleanup deletes the accounts the machine left, so that a run leaves a portal as it found it
// (bar the profiles a portal rightly keeps).
func (m *Machine) Cleanup(ctx context.Context) {
	for _, local := range names {
		if m.live[local] {
			if _, _, err := m.C.Delete(ctx, m.acct(local).Name, m.auths[local]); err == nil {
				m.live[local] = false
			}
		}
	}
}
