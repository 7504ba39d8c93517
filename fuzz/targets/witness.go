package targets

import (
	"bytes"
	"errors"
	"time"

	"github.com/meshconform/meshconform/reference/udf"
	"github.com/meshconform/meshconform/reference/witness"
)

// WitnessPIN fuzzes the connection PIN check: the input is the PIN's text, checked at a fixed
// moment one hour after issue. Errors wrap one of the witness errors; an accepted PIN parses
// as a nonce UDF of at least 125 bits, and is refused before issue and after four hours.
var WitnessPIN = register(&Target{
	Name:   "FuzzWitnessPIN",
	Parser: "witness.PIN.Check",
	Check:  checkWitnessPIN,
	seeds:  pinSeeds,
})

var (
	pinIssued = time.Date(2019, 4, 1, 12, 0, 0, 0, time.UTC)
	pinKinds  = []error{witness.ErrPINFormat, witness.ErrPINExpired, witness.ErrPINFuture}
)

func checkWitnessPIN(data []byte) (Outcome, error) {
	const name = "FuzzWitnessPIN"
	pin := witness.PIN{Value: string(data), Issued: pinIssued}
	if err := pin.Check(pinIssued.Add(time.Hour)); err != nil {
		if !isOneOf(err, pinKinds) {
			return Rejected, violation(name, "errors are typed", "%T: %v", err, err)
		}
		if !errors.Is(err, witness.ErrPINFormat) {
			return Rejected, violation(name, "a PIN inside its validity fails only on its format", "%v", err)
		}
		return Rejected, nil
	}
	p, err := udf.Parse(pin.Value)
	if err != nil || p.Type != udf.TypeNonce || p.Bits < 125 {
		return Accepted, violation(name, "an accepted PIN is a nonce UDF of at least 125 bits", "%q: %v", clip(data), err)
	}
	if err := pin.Check(pinIssued.Add(-time.Second)); !errors.Is(err, witness.ErrPINFuture) {
		return Accepted, violation(name, "a PIN is refused before its issue", "got %v", err)
	}
	if err := pin.Check(pin.Expires()); !errors.Is(err, witness.ErrPINExpired) {
		return Accepted, violation(name, "a PIN is refused after four hours", "got %v", err)
	}
	return Accepted, nil
}

func pinSeeds() ([][]byte, error) {
	var out [][]byte
	for _, label := range []string{"pin-1", "pin-2"} {
		p, err := witness.NewPIN(stream(label), pinIssued)
		if err != nil {
			return nil, err
		}
		out = append(out, []byte(p.Value), bytes.ToLower([]byte(p.Value)))
	}
	return out, nil
}
