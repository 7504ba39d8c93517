package mesh

import "github.com/meshconform/meshconform/reference/wire"

// DareMessage is a DARE envelope (the draft's DareMessage, WIRE.md 5): the JSON array
// [header, payload, trailer]. As a field value it is the bare array (NOTE-DARE-TAG); as a
// top-level document it is tagged {"DareMessage": [...]}. Input also accepts the later tag
// DareEnvelope, and for field values the tagged object form.
type DareMessage struct {
	// Header describes the payload: algorithms, salt, recipients, early signatures.
	Header *DareHeader
	// Payload is the content as sent: ciphertext when encrypted.
	Payload []byte
	// Trailer carries the PayloadDigest and the signatures; nil when there is none.
	Trailer *DareTrailer
}

// MeshType returns the wire tag of a DARE envelope.
func (*DareMessage) MeshType() string { return "DareMessage" }

func (x *DareMessage) encodeValue(e *wire.Encoder) {
	e.BeginArray()
	if x.Header != nil {
		x.Header.encodeValue(e)
	} else {
		e.BeginObject()
		e.EndObject()
	}
	e.Binary(x.Payload)
	if x.Trailer != nil {
		x.Trailer.encodeValue(e)
	}
	e.EndArray()
}

// dareParts names the array positions in errors.
var dareParts = [...]string{"[0]", "[1]", "[2]"}

func (x *DareMessage) decodeValue(d *decoder) error {
	if k := d.Peek(); k != wire.Array {
		return d.kindError("DARE envelope array", k)
	}
	if err := d.BeginArray(); err != nil {
		return err
	}
	n := 0
	for ; ; n++ {
		more, err := d.NextElement(n)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		if n >= len(dareParts) {
			return within("[3]", d.Offset(), &TypeError{Want: "at most 3 envelope elements", Got: d.Peek()})
		}
		offset := d.Offset()
		switch n {
		case 0:
			err = decodeStructPtr(d, &x.Header)
		case 1:
			err = d.readBinaryInto(&x.Payload)
		case 2:
			err = decodeStructPtr(d, &x.Trailer)
		}
		if err != nil {
			return within(dareParts[n], offset, err)
		}
	}
	if n < 2 {
		return &TypeError{Want: "DARE envelope [header, payload, trailer]", Got: wire.End}
	}
	return nil
}

// decodeDare reads a DareMessage field value: the bare array, or the tagged form.
func decodeDare(d *decoder, p **DareMessage) error {
	if d.null() {
		return nil
	}
	x := new(DareMessage)
	if d.Peek() == wire.Object {
		if err := d.tagged("DareMessage", func(tag string) (Structure, error) {
			if tag == "DareMessage" || tag == "DareEnvelope" {
				return x, nil
			}
			return nil, &TagError{Tag: tag, Want: "DareMessage", Msg: "wrong tag"}
		}); err != nil {
			return err
		}
	} else if err := x.decodeValue(d); err != nil {
		return err
	}
	*p = x
	return nil
}

// decodeDareSlice reads a repeated DareMessage field.
func decodeDareSlice(d *decoder, p *[]DareMessage) error {
	return decodeSlice(d, p, func(d *decoder) (DareMessage, error) {
		var m *DareMessage
		err := decodeDare(d, &m)
		if m == nil {
			m = new(DareMessage)
		}
		return *m, err
	})
}
