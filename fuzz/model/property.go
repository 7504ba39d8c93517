package model

import (
	"errors"
	"fmt"
)

// Property is one rule the model holds a portal to, tied to the catalogued requirement
// (spec/requirements.json) it follows from.
type Property struct {
	ID          string // short name, reported as "model.<ID>"
	Requirement string // requirement ID in spec/requirements.json
	Control     bool   // a security control rather than a deviation from the protocol
	Title       string
}

// Properties are every property the machine checks, in report order.
var Properties = []Property{
	{"create-free", "REQ-WIRE-ACCOUNT-CONSISTENT", false, "A valid name that is free is created"},
	{"create-taken", "REQ-IDEMPOTENT-CREATE-409", true, "A Create of an existing account, in any case of its name, is refused"},
	{"create-forged-stores-nothing", "CTL-PROFILE-CATALOG-SIGNED", true, "A Create whose device entry the master did not sign is refused and stores nothing"},
	{"created-stays-until-deleted", "REQ-ENUMERATION-404", false, "Get by account answers exactly while the account exists: from its Create until its Delete"},
	{"profile-survives-delete", "REQ-DELETE-KEEPS-PROFILE", false, "A profile once published stays retrievable by its fingerprint after the account is deleted"},
	{"delete-live-only", "REQ-WIRE-ACCOUNT-CONSISTENT", false, "Delete succeeds exactly for an existing account"},
	{"publish-needs-account", "REQ-CREATE-BEFORE-PUBLISH", true, "Only an existing account may publish"},
	{"validate-valid", "REQ-VALIDATE-VALID", false, "Every name the model uses is answered valid"},
	{"max-entries", "REQ-ENUMERATION-NO-WILDCARD", false, "Get with MaxEntries 1 answers at most one entry"},
	{"checkpoint-grows", "REQ-LOG-CHECKPOINT-GROWS", true, "Status checkpoints never return to an earlier value"},
	{"checkpoint-reads-idempotent", "REQ-IDEMPOTENT-READS", false, "The checkpoint does not change without a write"},
	{"connect-start-live-only", "REQ-ENUMERATION-404", false, "ConnectStart is accepted exactly for an existing account"},
	{"pending-once", "REQ-TXN-IDEMPOTENT", false, "Every started and not completed connection appears exactly once in ConnectPending"},
	{"connect-result-answered", "REQ-CONNECT-RESULT-SIGNED", false, "After ConnectComplete, ConnectStatus answers the signed result"},
	{"replayed-result-refused", "REQ-CONNECT-RESULT-SIGNED", true, "A connection result sent again is refused"},
	{"connect-status-unknown", "REQ-ENUMERATION-404", false, "ConnectStatus of a device the account never saw is refused"},
	{"transfer-own-records", "REQ-TRANSFER-AUTHORIZED", true, "Transfer by an account's device succeeds while it exists and returns only its own records"},
	{"deleted-device-refused", "REQ-AUTH-SESSION-DEVICE", true, "After its account is deleted, a device's requests (signed or under a session) are refused"},
}

// PropertyByID finds a property.
func PropertyByID(id string) (Property, bool) {
	for _, p := range Properties {
		if p.ID == id {
			return p, true
		}
	}
	return Property{}, false
}

// Violation is a portal answer that breaks a property.
type Violation struct {
	Property string `json:"property"`
	Message  string `json:"message"`
	Expected string `json:"expected"`
	Observed string `json:"observed"`
}

func (v *Violation) Error() string {
	return fmt.Sprintf("%s: %s (expected %s; observed %s)", v.Property, v.Message, v.Expected, v.Observed)
}

// errSkip says a step's precondition does not hold in the model's state: the step is not sent.
var errSkip = errors.New("precondition does not hold")

// TransportError is a request that got no answer: the target's or the network's trouble, never
// a property's violation.
type TransportError struct{ Err error }

func (e *TransportError) Error() string { return "no answer from the portal: " + e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }
