package portal

import (
	"bytes"
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
	// Items may alias a transaction's memory until own copies them: an owned item must not
	// change when the buffer it came from does, stored or plain.
	for name, mk := range map[string]func([]byte) item{
		"stored": func(b []byte) item { return storedItem(3, time.Time{}, b) },
		"plain":  func(b []byte) item { return plainItem(4, time.Time{}, b) },
	} {
		buf := append([]byte(nil), stored...)
		it := mk(buf).own()
		want, err := it.envelope()
		if err != nil {
			t.Fatal(err)
		}
		wantBare, _ := mesh.MarshalBare(want)
		buf[len(buf)-2] = 'X'
		got, err := it.envelope()
		if err != nil {
			t.Errorf("%s: the owned item aliased the caller's buffer: %v", name, err)
			continue
		}
		if gotBare, _ := mesh.MarshalBare(got); !bytes.Equal(gotBare, wantBare) {
			t.Errorf("%s: the owned item changed with the caller's buffer", name)
		}
	}
}
