package portal

import (
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/mesh"
)

// TestItemSize: the size MaxBytes counts is the length of the envelope's bare encoding, computed
// without encoding it; checked here against the codec's own encoding.
func TestItemSize(t *testing.T) {
	signed := &mesh.DareMessage{Header: &mesh.DareHeader{Dig: "S512"}, Payload: []byte(`{"KeyValue":{"Key":"k"}}`),
		Trailer: &mesh.DareTrailer{PayloadDigest: make([]byte, 64), Signatures: []mesh.DareSignature{{Alg: "S512", Kid: "MDDK", Signature: make([]byte, 114)}}}}
	stored, err := mesh.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 5; n++ {
		payload := make([]byte, 100+n) // every base64 remainder
		items := map[string]item{"stored": storedItem(1, time.Time{}, stored), "plain": plainItem(2, time.Time{}, payload)}
		for name, it := range items {
			env, err := it.envelope()
			if err != nil {
				t.Fatal(err)
			}
			bare, err := mesh.MarshalBare(env)
			if err != nil {
				t.Fatal(err)
			}
			if it.size != len(bare) {
				t.Errorf("%s item (payload %d): size %d, bare encoding %d bytes", name, len(payload), it.size, len(bare))
			}
		}
	}
	// The stored bytes are copied: the item must not alias memory a transaction reuses.
	buf := append([]byte(nil), stored...)
	it := storedItem(3, time.Time{}, buf)
	buf[len(buf)-2] = 'X'
	if _, err := it.envelope(); err != nil {
		t.Errorf("the item aliased the caller's buffer: %v", err)
	}
}
