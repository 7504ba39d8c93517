package keys

import (
	"errors"
	"fmt"

	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/udf"
)

// ErrFingerprint says a PublicKey's UDF field does not name its PublicParameters.
var ErrFingerprint = errors.New("UDF does not match the key")

// ErrKeyFile says a key file is neither a PrivateKeyECDH nor a PublicKeyECDH document.
var ErrKeyFile = errors.New("not a key file")

// ToPublicKeyECDH wraps a raw public key as the schema's PublicKeyECDH.
func ToPublicKeyECDH(alg Algorithm, pub []byte) *mesh.PublicKeyECDH {
	return &mesh.PublicKeyECDH{Crv: alg.String(), Public: append([]byte(nil), pub...)}
}

// FromPublicKeyECDH reads and validates a PublicKeyECDH.
func FromPublicKeyECDH(p *mesh.PublicKeyECDH) (Algorithm, []byte, error) {
	if p == nil {
		return 0, nil, fmt.Errorf("keys: %w: missing PublicKeyECDH", ErrBadKey)
	}
	alg, err := ParseAlgorithm(p.Crv)
	if err != nil {
		return 0, nil, err
	}
	if err := CheckPublic(alg, p.Public); err != nil {
		return 0, nil, err
	}
	return alg, append([]byte(nil), p.Public...), nil
}

// FromKey reads the tagged Key of an epk or PublicParameters field; only PublicKeyECDH
// carries a public key.
func FromKey(k mesh.Key) (Algorithm, []byte, error) {
	p, ok := k.(*mesh.PublicKeyECDH)
	if !ok {
		return 0, nil, fmt.Errorf("keys: %w: want PublicKeyECDH, got %T", ErrBadKey, k)
	}
	return FromPublicKeyECDH(p)
}

// ToMeshPublicKey returns the schema's PublicKey: the key's UDF and its parameters.
func ToMeshPublicKey(alg Algorithm, pub []byte) *mesh.PublicKey {
	return &mesh.PublicKey{UDF: Fingerprint(alg, pub), PublicParameters: ToPublicKeyECDH(alg, pub)}
}

// FromMeshPublicKey reads a PublicKey and checks that its UDF, when present, names the key
// (a shorter UDF matches as a prefix, as presentations do).
func FromMeshPublicKey(pk *mesh.PublicKey) (Algorithm, []byte, error) {
	if pk == nil {
		return 0, nil, fmt.Errorf("keys: %w: missing PublicKey", ErrBadKey)
	}
	alg, pub, err := FromKey(pk.PublicParameters)
	if err != nil {
		return 0, nil, err
	}
	if pk.UDF != "" && !udf.Compare(pk.UDF, Fingerprint(alg, pub)) {
		return 0, nil, fmt.Errorf("keys: %w: %s", ErrFingerprint, pk.UDF)
	}
	return alg, pub, nil
}

// ToMesh returns the key-file form of the private key: its curve and seed.
func (k *PrivateKey) ToMesh() *mesh.PrivateKeyECDH {
	return &mesh.PrivateKeyECDH{Crv: k.alg.String(), Private: k.Seed()}
}

// FromMeshPrivate rebuilds a private key from a PrivateKeyECDH.
func FromMeshPrivate(p *mesh.PrivateKeyECDH) (*PrivateKey, error) {
	if p == nil {
		return nil, fmt.Errorf("keys: %w: missing PrivateKeyECDH", ErrKeySize)
	}
	alg, err := ParseAlgorithm(p.Crv)
	if err != nil {
		return nil, err
	}
	return FromSeed(alg, p.Private)
}

// KeyFile is a parsed key file: a private key (and its public half) or a public key alone.
type KeyFile struct {
	Algorithm Algorithm
	Public    []byte
	Private   *PrivateKey // nil for a public key file
}

// MarshalPrivate writes the key file of a private key.
func MarshalPrivate(k *PrivateKey) ([]byte, error) { return mesh.Marshal(k.ToMesh()) }

// MarshalPublic writes the key file of a public key.
func MarshalPublic(alg Algorithm, pub []byte) ([]byte, error) {
	return mesh.Marshal(ToPublicKeyECDH(alg, pub))
}

// ParseKeyFile reads a key file: the JSON of a tagged PrivateKeyECDH or PublicKeyECDH.
func ParseKeyFile(data []byte) (*KeyFile, error) {
	v, err := mesh.Unmarshal(data, nil)
	if err != nil {
		return nil, fmt.Errorf("keys: %w: %w", ErrKeyFile, err)
	}
	switch k := v.(type) {
	case *mesh.PrivateKeyECDH:
		priv, err := FromMeshPrivate(k)
		if err != nil {
			return nil, err
		}
		return &KeyFile{Algorithm: priv.alg, Public: priv.PublicBytes(), Private: priv}, nil
	case *mesh.PublicKeyECDH:
		alg, pub, err := FromPublicKeyECDH(k)
		if err != nil {
			return nil, err
		}
		return &KeyFile{Algorithm: alg, Public: pub}, nil
	}
	return nil, fmt.Errorf("keys: %w: a %s document", ErrKeyFile, v.MeshType())
}
