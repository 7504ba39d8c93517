package vectors_test

import (
	"errors"
	"testing"

	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/vectors"
)

// TestClientResponsesAgainstReference checks each concrete answer of client-responses.json
// with the reference client's own parts: a Get answer's profile verifies (valid) or is
// refused as forged (invalid) for the group's account, and a ValidateAccount answer decodes
// to the Status class its result says, or does not decode when it is untagged.
func TestClientResponsesAgainstReference(t *testing.T) {
	groups, err := vectors.ClientResponses()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range groups {
		for _, v := range g.Tests {
			if v.Response == "" {
				if v.Fault == "" {
					t.Errorf("%s: neither a response nor a fault", v.TcID)
				}
				continue
			}
			n++
			resp, err := mesh.DecodeResponse([]byte(v.Response), v.Tx, nil)
			if v.TcID == "Client/ValidateAccount/untagged" {
				if err == nil {
					t.Errorf("%s: the untagged answer decodes", v.TcID)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: the answer does not decode: %v", v.TcID, err)
				continue
			}
			code, _ := resp.StatusCode()
			success := code >= 200 && code <= 299
			switch r := resp.(type) {
			case *mesh.GetResponse:
				if len(r.Entries) != 1 {
					t.Errorf("%s: %d entries", v.TcID, len(r.Entries))
					continue
				}
				_, err := client.VerifyProfile(&r.Entries[0], g.Account)
				switch v.Result {
				case vectors.Valid:
					if err != nil {
						t.Errorf("%s: the valid profile does not verify: %v", v.TcID, err)
					}
				case vectors.Invalid:
					if !errors.Is(err, client.ErrForged) {
						t.Errorf("%s: the invalid profile is not refused as forged: %v", v.TcID, err)
					}
				}
			default:
				if v.Result == vectors.Invalid && success {
					t.Errorf("%s: invalid, but its payload Status %d is a success", v.TcID, code)
				}
				if v.Result == vectors.Valid && !success {
					t.Errorf("%s: valid, but its payload Status %d is no success", v.TcID, code)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no concrete answer was checked")
	}
}
