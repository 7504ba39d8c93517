package keys

import (
	"bytes"
	"errors"
	"testing"

	"github.com/meshconform/meshconform/reference/mesh"
)

func TestMeshConversions(t *testing.T) {
	for _, alg := range Algorithms {
		t.Run(alg.String(), func(t *testing.T) {
			k, _ := Derive(alg, []byte("mesh"), "conv")
			pk := ToMeshPublicKey(alg, k.PublicBytes())
			if pk.UDF != k.Fingerprint() {
				t.Fatalf("UDF %s", pk.UDF)
			}
			a, pub, err := FromMeshPublicKey(pk)
			if err != nil || a != alg || !bytes.Equal(pub, k.PublicBytes()) {
				t.Fatalf("public round trip: %v", err)
			}
			data, err := MarshalPrivate(k)
			if err != nil {
				t.Fatal(err)
			}
			kf, err := ParseKeyFile(data)
			if err != nil || kf.Private == nil || kf.Algorithm != alg || !bytes.Equal(kf.Public, k.PublicBytes()) {
				t.Fatalf("private key file %s: %+v %v", data, kf, err)
			}
			data, _ = MarshalPublic(alg, k.PublicBytes())
			kf, err = ParseKeyFile(data)
			if err != nil || kf.Private != nil || !bytes.Equal(kf.Public, k.PublicBytes()) {
				t.Fatalf("public key file %s: %+v %v", data, kf, err)
			}
		})
	}
}

func TestMeshConversionErrors(t *testing.T) {
	k, _ := Derive(Ed448, nil, "err")
	other, _ := Derive(Ed448, nil, "other")
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"wrong UDF", third(FromMeshPublicKey(&mesh.PublicKey{UDF: other.Fingerprint(), PublicParameters: ToPublicKeyECDH(Ed448, k.PublicBytes())})), ErrFingerprint},
		{"no parameters", third(FromMeshPublicKey(&mesh.PublicKey{UDF: k.Fingerprint()})), ErrBadKey},
		{"private as parameters", third(FromMeshPublicKey(&mesh.PublicKey{PublicParameters: k.ToMesh()})), ErrBadKey},
		{"bad crv", third(FromPublicKeyECDH(&mesh.PublicKeyECDH{Crv: "P-256", Public: k.PublicBytes()})), ErrAlgorithm},
		{"short key", third(FromPublicKeyECDH(&mesh.PublicKeyECDH{Crv: "Ed448", Public: k.PublicBytes()[:5]})), ErrKeySize},
		{"short seed", second(FromMeshPrivate(&mesh.PrivateKeyECDH{Crv: "Ed448", Private: []byte{1}})), ErrKeySize},
		{"not JSON", second(ParseKeyFile([]byte("{"))), ErrKeyFile},
		{"other structure", second(ParseKeyFile([]byte(`{"DareHeader":{}}`))), ErrKeyFile},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: err = %v want %v", c.name, c.err, c.want)
		}
	}
	// A prefix of the right UDF is accepted, as comparison rules allow.
	if _, _, err := FromMeshPublicKey(&mesh.PublicKey{UDF: k.Fingerprint()[:24], PublicParameters: ToPublicKeyECDH(Ed448, k.PublicBytes())}); err != nil {
		t.Fatalf("prefix UDF: %v", err)
	}
}

func third[A, B any](_ A, _ B, err error) error { return err }

func FuzzParseKeyFile(f *testing.F) {
	k, _ := Derive(Ed448, nil, "fuzz")
	d1, _ := MarshalPrivate(k)
	d2, _ := MarshalPublic(Ed448, k.PublicBytes())
	f.Add(d1)
	f.Add(d2)
	f.Add([]byte(`{"PrivateKeyECDH":{"crv":"X25519","Private":"AAAA"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := ParseKeyFile(data)
		if err != nil {
			return
		}
		if len(kf.Public) != kf.Algorithm.PublicSize() {
			t.Fatalf("accepted a %d-byte %v key", len(kf.Public), kf.Algorithm)
		}
	})
}
