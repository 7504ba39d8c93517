package mesh

import (
	"bytes"
	"reflect"
	"strconv"
	"time"

	"github.com/meshconform/meshconform/reference/wire"
)

// Structure is implemented by every concrete structure and message of the schema.
type Structure interface {
	// MeshType is the wire tag: the structure's schema name.
	MeshType() string
	encodeValue(e *wire.Encoder)
	decodeValue(d *decoder) error
}

// memberDecoder is implemented by the object-shaped structures (all but DareMessage).
type memberDecoder interface {
	decodeMember(d *decoder, name []byte) (index int, err error)
}

// DecodeOptions control how tolerant decoding is. The zero value (and nil) is lenient about
// unknown members, as NOTE-UNKNOWN-MEMBERS decides, under wire.DefaultLimits.
type DecodeOptions struct {
	// Strict rejects members the schema does not define.
	Strict bool
	// Limits bound the document; zero fields take wire.DefaultLimits.
	Limits wire.Limits
}

type decoder struct {
	*wire.Decoder
	strict bool
}

func newDecoder(data []byte, opts *DecodeOptions) (*decoder, error) {
	var o DecodeOptions
	if opts != nil {
		o = *opts
	}
	wd, err := wire.NewDecoder(data, o.Limits)
	if err != nil {
		return nil, &DecodeError{Err: err}
	}
	return &decoder{Decoder: wd, strict: o.Strict}, nil
}

// Marshal writes v as a tagged top-level document: {"<MeshType>": value}.
func Marshal(v Structure) ([]byte, error) {
	if isNil(v) {
		return nil, &EncodeError{Msg: "nil structure"}
	}
	e := wire.NewEncoder(make([]byte, 0, 512))
	encodeTagged(e, v)
	return e.Bytes(), nil
}

// MarshalBare writes v without its tag: the bare object (or array, for a DareMessage).
func MarshalBare(v Structure) ([]byte, error) {
	if isNil(v) {
		return nil, &EncodeError{Msg: "nil structure"}
	}
	e := wire.NewEncoder(make([]byte, 0, 512))
	v.encodeValue(e)
	return e.Bytes(), nil
}

// Unmarshal reads a tagged top-level document of any schema structure.
func Unmarshal(data []byte, opts *DecodeOptions) (Structure, error) {
	d, err := newDecoder(data, opts)
	if err != nil {
		return nil, err
	}
	v, err := decodeTagged(d, "any structure", func(Structure) bool { return true })
	if err != nil {
		return nil, err
	}
	if err := d.End(); err != nil {
		return nil, &DecodeError{Offset: d.Offset(), Err: err}
	}
	return v, nil
}

// UnmarshalInto reads a tagged top-level document whose tag must be v's type.
func UnmarshalInto(data []byte, v Structure, opts *DecodeOptions) error {
	d, err := newDecoder(data, opts)
	if err != nil {
		return err
	}
	want := v.MeshType()
	if err := d.tagged(want, func(tag string) (Structure, error) {
		if tag == want || (want == "DareMessage" && tag == "DareEnvelope") {
			return v, nil
		}
		return nil, &TagError{Tag: tag, Want: want, Msg: "wrong tag"}
	}); err != nil {
		return err
	}
	if err := d.End(); err != nil {
		return &DecodeError{Offset: d.Offset(), Err: err}
	}
	return nil
}

// UnmarshalBare reads an untagged document (a bare object, or array for a DareMessage) into v.
func UnmarshalBare(data []byte, v Structure, opts *DecodeOptions) error {
	d, err := newDecoder(data, opts)
	if err != nil {
		return err
	}
	if err := v.decodeValue(d); err != nil {
		return within(v.MeshType(), d.Offset(), err)
	}
	if err := d.End(); err != nil {
		return &DecodeError{Offset: d.Offset(), Err: err}
	}
	return nil
}

// New returns an empty value of the concrete structure with the given wire tag.
func New(tag string) (Structure, bool) {
	c, ok := constructors[tag]
	if !ok {
		return nil, false
	}
	return c(), true
}

func isNil(v Structure) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

func encodeTagged(e *wire.Encoder, v Structure) {
	e.BeginObject()
	e.Name(v.MeshType())
	v.encodeValue(e)
	e.EndObject()
}

// tagged reads {"<tag>": value} with exactly one member, asking pick for the value to fill.
func (d *decoder) tagged(want string, pick func(tag string) (Structure, error)) error {
	if k := d.Peek(); k != wire.Object {
		return &DecodeError{Offset: d.Offset(), Err: d.kindError("tagged object", k)}
	}
	if err := d.BeginObject(); err != nil {
		return &DecodeError{Offset: d.Offset(), Err: err}
	}
	name, more, err := d.NextMember(0)
	if err != nil {
		return &DecodeError{Offset: d.Offset(), Err: err}
	}
	if !more {
		return &DecodeError{Offset: d.Offset(), Err: &TagError{Want: want, Msg: "empty object where a tag was expected"}}
	}
	tag := string(name)
	v, err := pick(tag)
	if err != nil {
		return &DecodeError{Offset: d.Offset(), Err: err}
	}
	if err := v.decodeValue(d); err != nil {
		return within(tag, d.Offset(), err)
	}
	_, more, err = d.NextMember(1)
	if err != nil {
		return &DecodeError{Offset: d.Offset(), Err: err}
	}
	if more {
		return &DecodeError{Offset: d.Offset(), Err: &TagError{Tag: tag, Want: want, Msg: "a tagged object has more than one member"}}
	}
	return nil
}

func decodeTagged(d *decoder, want string, accept func(Structure) bool) (Structure, error) {
	var out Structure
	err := d.tagged(want, func(tag string) (Structure, error) {
		if tag == "DareEnvelope" {
			tag = "DareMessage"
		}
		v, ok := New(tag)
		if !ok {
			return nil, &TagError{Tag: tag, Want: want, Msg: "unknown tag"}
		}
		if !accept(v) {
			return nil, &TagError{Tag: tag, Want: want, Msg: "tag not allowed here"}
		}
		out = v
		return v, nil
	})
	return out, err
}

// decodeTaggedAs reads a tagged value that must implement the abstract type T.
func decodeTaggedAs[T Structure](d *decoder, want string) (T, error) {
	var zero T
	v, err := decodeTagged(d, want, func(s Structure) bool { _, ok := s.(T); return ok })
	if err != nil {
		return zero, err
	}
	return v.(T), nil
}

// object reads an object into a structure, enforcing duplicates and (in strict mode) unknown members.
func (d *decoder) object(x memberDecoder) error {
	if k := d.Peek(); k != wire.Object {
		return d.kindError("object", k)
	}
	if err := d.BeginObject(); err != nil {
		return err
	}
	var seen uint64
	for n := 0; ; n++ {
		name, more, err := d.NextMember(n)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		offset := d.Offset()
		idx, err := x.decodeMember(d, name)
		if err != nil {
			return within(string(name), offset, err)
		}
		if idx < 0 {
			if d.strict {
				return within(string(name), offset, &UnknownMemberError{Name: string(name)})
			}
			if err := d.Skip(); err != nil {
				return within(string(name), offset, err)
			}
			continue
		}
		if seen&(1<<uint(idx)) != 0 {
			return within(string(name), offset, &DuplicateMemberError{Name: string(name)})
		}
		seen |= 1 << uint(idx)
	}
}

// null consumes a null, which stands for an absent value anywhere (NOTE-EMPTY).
func (d *decoder) null() bool {
	if d.Peek() == wire.Null {
		_ = d.ReadNull()
		return true
	}
	return false
}

func (d *decoder) optional(read func() error) error {
	if d.null() {
		return nil
	}
	return read()
}

func (d *decoder) want(k wire.Kind, schemaType string) error {
	if got := d.Peek(); got != k {
		return d.kindError(schemaType, got)
	}
	return nil
}

// kindError reports a value of the wrong kind; input that ends or breaks where a value should
// start is a syntax error, not a type error.
func (d *decoder) kindError(want string, got wire.Kind) error {
	switch got {
	case wire.End:
		return &wire.SyntaxError{Offset: d.Offset(), Msg: "unexpected end of input"}
	case wire.Invalid:
		return &wire.SyntaxError{Offset: d.Offset(), Msg: "invalid character where a value should start"}
	}
	return &TypeError{Want: want, Got: got}
}

func (d *decoder) readString() (string, error) {
	if err := d.want(wire.String, "String"); err != nil {
		return "", err
	}
	return d.ReadString()
}

func (d *decoder) readBinary() ([]byte, error) {
	if err := d.want(wire.String, "Binary"); err != nil {
		return nil, err
	}
	s, err := d.ReadString()
	if err != nil {
		return nil, err
	}
	return wire.DecodeBase64(s)
}

func (d *decoder) readInt32() (int32, error) {
	if err := d.want(wire.Number, "Integer"); err != nil {
		return 0, err
	}
	return d.ReadInt32()
}

func (d *decoder) readBool() (bool, error) {
	if err := d.want(wire.Bool, "Boolean"); err != nil {
		return false, err
	}
	return d.ReadBool()
}

func (d *decoder) readDateTime() (time.Time, error) {
	if err := d.want(wire.String, "DateTime"); err != nil {
		return time.Time{}, err
	}
	s, err := d.ReadString()
	if err != nil {
		return time.Time{}, err
	}
	return wire.ParseDateTime(s)
}

func (d *decoder) readStringInto(p *string) error {
	return d.optional(func() (err error) { *p, err = d.readString(); return })
}

func (d *decoder) readBinaryInto(p *[]byte) error {
	return d.optional(func() (err error) { *p, err = d.readBinary(); return })
}

func readPtr[T any](d *decoder, p **T, read func(*decoder) (T, error)) error {
	if d.null() {
		return nil
	}
	v, err := read(d)
	if err != nil {
		return err
	}
	*p = &v
	return nil
}

func (d *decoder) readInt32Ptr(p **int32) error { return readPtr(d, p, (*decoder).readInt32) }
func (d *decoder) readBoolPtr(p **bool) error   { return readPtr(d, p, (*decoder).readBool) }
func (d *decoder) readDateTimePtr(p **time.Time) error {
	return readPtr(d, p, (*decoder).readDateTime)
}

// decodeSlice reads an array whose elements read reads.
func decodeSlice[T any](d *decoder, p *[]T, read func(*decoder) (T, error)) error {
	if d.null() {
		return nil
	}
	if err := d.want(wire.Array, "array"); err != nil {
		return err
	}
	if err := d.BeginArray(); err != nil {
		return err
	}
	var out []T
	for n := 0; ; n++ {
		more, err := d.NextElement(n)
		if err != nil {
			return err
		}
		if !more {
			*p = out
			return nil
		}
		offset := d.Offset()
		v, err := read(d)
		if err != nil {
			return within("["+strconv.Itoa(n)+"]", offset, err)
		}
		out = append(out, v)
	}
}

// decodeStructPtr reads an optional plain (untagged) structure.
func decodeStructPtr[T any, PT interface {
	*T
	Structure
}](d *decoder, p **T) error {
	if d.null() {
		return nil
	}
	v := PT(new(T))
	if err := v.decodeValue(d); err != nil {
		return err
	}
	*p = (*T)(v)
	return nil
}

// decodeStructSlice reads an array of plain structures.
func decodeStructSlice[T any, PT interface {
	*T
	Structure
}](d *decoder, p *[]T) error {
	return decodeSlice(d, p, func(d *decoder) (T, error) {
		var v T
		err := PT(&v).decodeValue(d)
		return v, err
	})
}

// Int returns a pointer to v, for optional Integer fields.
func Int(v int32) *int32 { return &v }

// Bool returns a pointer to v, for optional Boolean fields.
func Bool(v bool) *bool { return &v }

// Time returns a pointer to t truncated to the second in UTC, for optional DateTime fields:
// the wire carries seconds, so a round trip then compares equal.
func Time(t time.Time) *time.Time { t = t.UTC().Truncate(time.Second); return &t }

// Equal reports whether two structures have the same wire encoding.
func Equal(a, b Structure) bool {
	ea, err1 := Marshal(a)
	eb, err2 := Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}
