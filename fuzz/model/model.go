package model

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"

	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/reference/mesh"
)

// names are the local parts a sequence draws from: few, so that actions collide.
var names = []string{"alice", "bob", "carol"}

var runID atomic.Uint64

// Machine is the state machine: the portal under test and the model of what it must hold.
type Machine struct {
	C      *client.Client
	Domain string
	prefix string
	script []string

	accts   map[string]*client.Account // key: local name; material exists for every name
	live    map[string]bool            // created and not deleted
	created map[string]bool            // ever created (profiles stay after delete, draft 3.8)
	pending map[string][]*client.Device
	done    map[string][]byte // local name -> body of the last accepted ConnectComplete
	lastCP  string
	seenCP  map[string]bool
	writes  bool
}

// NewMachine prepares a machine whose account names are unique to this run, so that many
// runs share one portal.
func NewMachine(c *client.Client, domain string) *Machine {
	id := runID.Add(1)
	return &Machine{C: c, Domain: domain, prefix: fmt.Sprintf("m%d", id), accts: map[string]*client.Account{},
		live: map[string]bool{}, created: map[string]bool{}, pending: map[string][]*client.Device{},
		done: map[string][]byte{}, seenCP: map[string]bool{}}
}

// Script is the replayable list of steps run so far.
func (m *Machine) Script() string { return strings.Join(m.script, "\n") }

func (m *Machine) step(t *rapid.T, format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	m.script = append(m.script, s)
	t.Log("step: " + s)
}

func (m *Machine) acct(local string) *client.Account {
	if a, ok := m.accts[local]; ok {
		return a
	}
	seed := []byte(m.prefix + "/" + local)
	ms, _ := client.NewMaster(keys.Ed25519, seed)
	d, _ := client.NewDevice(keys.Ed25519, seed)
	a := &client.Account{Name: m.prefix + local + "@" + m.Domain, Master: ms, Device: d}
	m.accts[local] = a
	return a
}

func ok(err error) bool { return err == nil }

var ctx = context.Background()

// Create creates an account; the model says whether the name is free.
func (m *Machine) Create(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	a := m.acct(local)
	m.step(t, "create %s", a.Name)
	_, _, err := m.C.CreateAccount(ctx, a)
	if m.live[local] && ok(err) {
		t.Fatalf("create of existing %s succeeded", a.Name)
	}
	if !m.live[local] && !ok(err) {
		t.Fatalf("create of free %s: %v", a.Name, err)
	}
	if ok(err) {
		m.live[local], m.created[local], m.writes = true, true, true
	}
}

// CreateUpper creates an existing name with its local part upper-cased: the same account
// (NOTE-ACCOUNT-NAMES), so it must be refused.
func (m *Machine) CreateUpper(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	if !m.live[local] {
		t.Skip("needs a live account")
	}
	a := m.acct(local)
	up := &client.Account{Name: strings.ToUpper(m.prefix+local) + "@" + m.Domain, Master: a.Master, Device: a.Device}
	m.step(t, "create %s", up.Name)
	if _, _, err := m.C.CreateAccount(ctx, up); ok(err) {
		t.Fatalf("create of %s succeeded though %s exists", up.Name, a.Name)
	}
}

// CreateBad sends a Create whose device entry is signed by a key that is not the master's:
// refused, and nothing of it may be stored (draft 3.7).
func (m *Machine) CreateBad(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	if m.live[local] || m.created[local] {
		t.Skip("needs a never-created name")
	}
	a := m.acct(local)
	m.step(t, "create-bad %s", a.Name)
	req, err := a.CreateRequest()
	if err != nil {
		t.Fatal(err)
	}
	dp, _ := a.Device.ProfileDevice()
	wrong, _ := client.NewMaster(keys.Ed25519, []byte(m.prefix+"/wrong"))
	if req.Device, err = wrong.CatalogEntry(a.Name, dp); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.C.Create(ctx, req); ok(err) {
		t.Fatalf("create with a device entry not signed by the master succeeded")
	}
	m.checkGet(t, local)
}

// Delete deletes an account with its own device's authentication.
func (m *Machine) Delete(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	a := m.acct(local)
	m.step(t, "delete %s", a.Name)
	_, _, err := m.C.Delete(ctx, a.Name, a.Auth())
	if m.live[local] != ok(err) {
		t.Fatalf("delete %s: live in model %v, portal said %v", a.Name, m.live[local], err)
	}
	if ok(err) {
		m.live[local], m.writes = false, true
		delete(m.pending, local)
		delete(m.done, local)
	}
}

func (m *Machine) checkGet(t *rapid.T, local string) {
	a := m.acct(local)
	resp, _, err := m.C.Get(ctx, &mesh.GetRequest{Account: a.Name})
	if m.live[local] != ok(err) {
		t.Fatalf("get %s: live in model %v, portal said %v", a.Name, m.live[local], err)
	}
	if ok(err) && len(resp.Entries) != 1 {
		t.Fatalf("get %s: %d entries, want the current profile", a.Name, len(resp.Entries))
	}
	// Profiles stay published after DeleteAccount (draft 3.8): Get by the master's UDF finds them.
	_, _, err = m.C.Get(ctx, &mesh.GetRequest{Identifier: a.Master.UDF()})
	if m.created[local] != ok(err) {
		t.Fatalf("get identifier of %s: created in model %v, portal said %v", a.Name, m.created[local], err)
	}
}

// Get checks Get by account and by identifier against the model.
func (m *Machine) Get(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	m.step(t, "get %s", m.acct(local).Name)
	m.checkGet(t, local)
}

// GetPaged asks for every entry of an account, one per page.
func (m *Machine) GetPaged(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	if !m.live[local] {
		t.Skip("needs a live account")
	}
	a := m.acct(local)
	m.step(t, "get %s multiple max-entries 1", a.Name)
	resp, _, err := m.C.Get(ctx, &mesh.GetRequest{Account: a.Name, Multiple: mesh.Bool(true),
		SearchConstraints: &mesh.SearchConstraints{MaxEntries: mesh.Int(1)}})
	if err != nil {
		t.Fatalf("get multiple: %v", err)
	}
	if len(resp.Entries) > 1 {
		t.Fatalf("MaxEntries 1 answered %d entries (draft 3.4.2)", len(resp.Entries))
	}
}

// Publish re-publishes the account's profile: only an existing account may publish (3.7).
func (m *Machine) Publish(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	a := m.acct(local)
	m.step(t, "publish %s", a.Name)
	prof, err := a.Master.ProfileMesh(a.Name)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = m.C.Publish(ctx, prof, a.Auth())
	if m.live[local] != ok(err) {
		t.Fatalf("publish %s: live in model %v, portal said %v", a.Name, m.live[local], err)
	}
	if ok(err) {
		m.writes = true
	}
}

// Validate: every name of the pool is valid.
func (m *Machine) Validate(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	m.step(t, "validate %s", m.acct(local).Name)
	resp, _, err := m.C.Validate(ctx, m.acct(local).Name)
	if err != nil || resp.Valid == nil || !*resp.Valid {
		t.Fatalf("validate %s: %v", m.acct(local).Name, err)
	}
}

// Status: the checkpoint changes only with writes and never returns to an earlier value.
func (m *Machine) Status(t *rapid.T) {
	m.step(t, "status")
	resp, _, err := m.C.Status(ctx)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	cp := resp.CheckpointValue
	if m.lastCP != "" && !m.writes && cp != m.lastCP {
		t.Fatalf("checkpoint changed from %s to %s without a write", m.lastCP, cp)
	}
	if cp != m.lastCP && m.seenCP[cp] {
		t.Fatalf("checkpoint regressed to the earlier %s (draft 7.1.7)", cp)
	}
	m.seenCP[cp], m.lastCP, m.writes = true, cp, false
}

// ConnectStart asks to connect a new device to an account.
func (m *Machine) ConnectStart(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	a := m.acct(local)
	n := len(m.pending[local]) + len(m.done[local])
	dev, _ := client.NewDevice(keys.Ed25519, []byte(fmt.Sprintf("%s/%s/dev%d/%d", m.prefix, local, n, len(m.script))))
	m.step(t, "connect-start %s", a.Name)
	_, err := m.C.StartConnection(ctx, a.Name, dev, "")
	if m.live[local] != ok(err) {
		t.Fatalf("connect-start %s: live in model %v, portal said %v", a.Name, m.live[local], err)
	}
	if ok(err) {
		m.pending[local], m.writes = append(m.pending[local], dev), true
	}
}

// Pending lists the pending requests: exactly the model's.
func (m *Machine) Pending(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	if !m.live[local] {
		t.Skip("needs a live account")
	}
	a := m.acct(local)
	m.step(t, "connect-pending %s", a.Name)
	prs, _, err := m.C.Pending(ctx, a, nil)
	if err != nil {
		t.Fatalf("pending: %v", err)
	}
	if len(prs) != len(m.pending[local]) {
		t.Fatalf("pending %s: %d requests, model has %d", a.Name, len(prs), len(m.pending[local]))
	}
}

// Complete approves the oldest pending device; ConnectStatus then answers the result.
func (m *Machine) Complete(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	if !m.live[local] || len(m.pending[local]) == 0 {
		t.Skip("needs a pending request")
	}
	a, dev := m.acct(local), m.pending[local][0]
	m.step(t, "connect-complete %s %s", a.Name, dev.UDF())
	dp, _ := dev.ProfileDevice()
	entry, err := a.Master.CatalogEntry(a.Name, dp)
	if err != nil {
		t.Fatal(err)
	}
	_, ex, err := m.C.ConnectComplete(ctx, a.Name, entry, a.Auth())
	if err != nil {
		t.Fatalf("complete: %v", err)
	}
	m.pending[local], m.writes = m.pending[local][1:], true
	m.done[local] = ex.Request
	st, _, err := m.C.ConnectStatus(ctx, a.Name, dev.UDF())
	if err != nil || st.Result == nil {
		t.Fatalf("connect-status after complete: %v", err)
	}
}

// ReplayResult sends the last accepted result again: it must be refused (3.15.1).
func (m *Machine) ReplayResult(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	body := m.done[local]
	if body == nil || !m.live[local] {
		t.Skip("needs a completed connection")
	}
	a := m.acct(local)
	m.step(t, "connect-complete-replay %s", a.Name)
	if _, _, err := m.C.DoRaw(ctx, "ConnectComplete", body, a.Auth()); ok(err) {
		t.Fatalf("a replayed connection result was accepted")
	}
}

// ConnectStatus of a device the account never heard of is 404.
func (m *Machine) ConnectStatusUnknown(t *rapid.T) {
	local := rapid.SampledFrom(names).Draw(t, "name")
	a := m.acct(local)
	m.step(t, "connect-status %s unknown-device", a.Name)
	if _, _, err := m.C.ConnectStatus(ctx, a.Name, a.Master.UDF()); ok(err) {
		t.Fatalf("connect-status of an unknown device succeeded")
	}
}

// Check runs after every step: the portal's answers for each name agree with the model.
func (m *Machine) Check(t *rapid.T) {
	for _, local := range names {
		m.checkGet(t, local)
	}
}

// Actions is the action map for rapid's Repeat.
func (m *Machine) Actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"create": m.Create, "createUpper": m.CreateUpper, "createBad": m.CreateBad, "delete": m.Delete,
		"get": m.Get, "getPaged": m.GetPaged, "publish": m.Publish, "validate": m.Validate, "status": m.Status,
		"connectStart": m.ConnectStart, "pending": m.Pending, "complete": m.Complete, "replayResult": m.ReplayResult,
		"connectStatusUnknown": m.ConnectStatusUnknown, "": m.Check,
	}
}
