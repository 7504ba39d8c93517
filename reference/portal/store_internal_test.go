package portal

import (
	"bytes"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/mesh"
)

// TestWithChainIsTheFullEncoding checks the splice of appendLog against the codec: the record
// with its Chain, encoded whole, must be the very bytes the log stores.
func TestWithChainIsTheFullEncoding(t *testing.T) {
	entry := &mesh.DareMessage{Header: &mesh.DareHeader{Dig: "S512"}, Payload: []byte(`{"ProfileMesh":{}}`),
		Trailer: &mesh.DareTrailer{Signatures: []mesh.DareSignature{{Alg: "Ed448", Signature: []byte{1, 2, 3}}}}}
	for _, rec := range []*mesh.LogRecord{
		{Index: mesh.Int(1), Time: mesh.Time(time.Unix(1700000000, 0)), Transaction: "CreateAccount", Account: "alice", Entry: entry, Digest: []byte{9}},
		{Index: mesh.Int(2), Transaction: "DeleteAccount", Account: "bob"},
	} {
		canon, err := mesh.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		const chain = "MDUE-6ZOD-NCXA-7UZQ-3UZ5-I2WB-TNQF"
		rec.Chain = chain
		want, err := mesh.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if got := withChain(canon, chain); !bytes.Equal(got, want) {
			t.Errorf("withChain:\n got %s\nwant %s", got, want)
		}
	}
}
