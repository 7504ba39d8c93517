package mesh

import (
	"bytes"
	"encoding/json"
	"testing"
)

// representative builds a CreateRequest and a GetResponse of realistic size: signed profiles of
// a few KiB with Ed448-sized signatures and keys.
func representative() (*CreateRequest, *GetResponse) {
	sig := bytes.Repeat([]byte{0xA5}, 114)
	digest := bytes.Repeat([]byte{0x5A}, 64)
	envelope := func(n int) *DareMessage {
		return &DareMessage{
			Header:  &DareHeader{Dig: "S512", Cty: "application/mmm"},
			Payload: bytes.Repeat([]byte(`{"ProfileMesh":{"Account":"alice@example.com"}}`), n),
			Trailer: &DareTrailer{
				Signatures:    []DareSignature{{Alg: "Ed448", Kid: "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF", Signature: sig}},
				PayloadDigest: digest,
			},
		}
	}
	req := &CreateRequest{Portal: "example.com", Account: "alice@example.com", Profile: envelope(40), Device: envelope(20)}
	resp := &GetResponse{Entries: []DareMessage{*envelope(40), *envelope(20)}, PageKey: "page-2"}
	resp.SetStatus(201, "Operation completed successfully")
	return req, resp
}

func BenchmarkCodec(b *testing.B) {
	req, resp := representative()
	reqWire, _ := EncodeRequest(req)
	respWire, _ := EncodeResponse(resp)
	for _, doc := range []struct {
		name string
		v    Structure
		data []byte
	}{{"CreateRequest", req, reqWire}, {"GetResponse", resp, respWire}} {
		var generic map[string]any
		if err := json.Unmarshal(doc.data, &generic); err != nil {
			b.Fatal(err)
		}
		b.Run(doc.name+"/decode/codec", func(b *testing.B) {
			b.SetBytes(int64(len(doc.data)))
			for b.Loop() {
				var err error
				if doc.name == "CreateRequest" {
					_, _, err = DecodeRequest(doc.data, nil)
				} else {
					_, err = DecodeResponse(doc.data, "Get", nil)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(doc.name+"/decode/encoding-json-map", func(b *testing.B) {
			b.SetBytes(int64(len(doc.data)))
			for b.Loop() {
				var m map[string]any
				if err := json.Unmarshal(doc.data, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(doc.name+"/encode/codec", func(b *testing.B) {
			b.SetBytes(int64(len(doc.data)))
			for b.Loop() {
				if _, err := MarshalBare(doc.v); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(doc.name+"/encode/encoding-json-map", func(b *testing.B) {
			b.SetBytes(int64(len(doc.data)))
			for b.Loop() {
				if _, err := json.Marshal(generic); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
