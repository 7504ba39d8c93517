package vectors

import "fmt"

// ClientResponseGroup holds the client-response vectors of one account: the portal holds the
// account with the master and device keys derived from the seeds (reference/client NewMaster,
// NewDevice), and each test answers one transaction of a client operation.
type ClientResponseGroup struct {
	Type   string `json:"type"`
	Source Source `json:"source"`
	// Account is the local part of the account the portal holds.
	Account string `json:"account"`
	// MasterSeed and DeviceSeed (hex) derive the account's keys, so that the portal's own
	// answers (ConnectStart's witness, over the master key) agree with the vectors' bodies.
	MasterSeed string               `json:"masterSeed"`
	DeviceSeed string               `json:"deviceSeed"`
	Tests      []ClientResponseTest `json:"tests"`
}

// ClientResponseTest is one answer served to a client: the client runs Op against a test
// portal that answers Tx with Response (verbatim, under HTTPStatus) or with Fault applied to
// its correct answer; every other request gets the portal's correct answer. The client's
// verdict must match Result: valid, exit 0; invalid, exit 1 naming one of Errors (the shim
// contract's identifiers, docs/SHIM.md); acceptable, either.
type ClientResponseTest struct {
	Test
	// Op is the shim operation; "{account}" stands for the group's account.
	Op []string `json:"op"`
	// Setup is what happens before Op: "account" (the portal holds the account) or
	// "connected" (also: the client ran `connect request` against correct answers, and an
	// administration device approved it).
	Setup string `json:"setup,omitempty"`
	// Tx is the transaction whose answer the test is about.
	Tx string `json:"tx"`
	// HTTPStatus is the HTTP status of Response (default 200).
	HTTPStatus int `json:"httpStatus,omitempty"`
	// Response is the body served for Tx, verbatim; empty when Fault builds it.
	Response string `json:"response,omitempty"`
	// Fault is a test-portal fault (harness/testportal) applied to the correct answer of
	// Tx, for answers that depend on what the client generates on the spot (its nonce, its
	// device key): forged-result, unsigned-result, wrong-witness.
	Fault string `json:"fault,omitempty"`
	// Errors are the error identifiers a refusal may name (invalid tests).
	Errors []string `json:"errors,omitempty"`
}

// ClientResponsesFile is the embedded file of client-response vectors.
const ClientResponsesFile = "client-responses.json"

// ClientResponses returns the groups of the embedded client-response vectors.
func ClientResponses() ([]ClientResponseGroup, error) {
	f, err := Load[ClientResponseGroup](ClientResponsesFile)
	if err != nil {
		return nil, err
	}
	if len(f.TestGroups) == 0 {
		return nil, fmt.Errorf("vectors: %s holds no test group", ClientResponsesFile)
	}
	return f.TestGroups, nil
}
