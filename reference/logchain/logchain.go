package logchain

import (
	"bytes"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/meshconform/meshconform/reference/udf"
)

// ErrEncoding says a served record does not end with its Chain member.
var ErrEncoding = errors.New(`logchain: the record does not end with ,"Chain":"<Chain>"}}`)

// Next returns Chain_n = the UDF presentation (140 bits) of 0x60 || SHA-512(UTF8(prev) ||
// SHA-512(record)); prev is "" for the first record.
func Next(prev string, record []byte) (string, error) {
	inner := sha512.Sum512(record)
	h := sha512.New()
	h.Write([]byte(prev))
	h.Write(inner[:])
	return udf.Present(append([]byte{udf.TypeDigestSHA2}, h.Sum(nil)...), udf.DefaultBits)
}

// Serve returns the served form of record (a tagged LogRecord without Chain, ending in "}}"):
// the record with chain as its last member.
func Serve(record []byte, chain string) []byte {
	out := make([]byte, 0, len(record)+len(chain)+12)
	out = append(out, record[:len(record)-2]...)
	out = append(out, `,"Chain":"`...)
	out = append(out, chain...)
	return append(out, `"}}`...)
}

// Record recovers the hashed bytes from a served record whose Chain member says chain.
func Record(served []byte, chain string) ([]byte, error) {
	suffix := []byte(`,"Chain":"` + chain + `"}}`)
	if chain == "" || !bytes.HasSuffix(served, suffix) {
		return nil, ErrEncoding
	}
	return append(bytes.Clone(served[:len(served)-len(suffix)]), "}}"...), nil
}

// Link checks that served, whose Chain member says chain, follows prev.
func Link(prev string, served []byte, chain string) error {
	rec, err := Record(served, chain)
	if err != nil {
		return err
	}
	want, err := Next(prev, rec)
	if err != nil {
		return err
	}
	if want != chain {
		return fmt.Errorf("%w: Chain %s, recomputed %s", ErrLink, chain, want)
	}
	return nil
}

// ErrLink says a record's Chain is not the hash of the previous Chain and its bytes.
var ErrLink = errors.New("logchain: Chain does not follow from the previous one")
