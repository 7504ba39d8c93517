package mesh

import "github.com/meshconform/meshconform/reference/wire"

// TransactionInfo names a transaction of section 3 and its request and response classes.
type TransactionInfo struct {
	Name     string // the transaction, e.g. "ValidateAccount": the canonical request tag
	Request  string // the request message class, e.g. "ValidateRequest"
	Response string // the response message class, e.g. "ValidateResponse"
}

// Transactions lists the twelve transactions in draft order.
func Transactions() []TransactionInfo { return append([]TransactionInfo(nil), transactions...) }

// LookupTransaction finds a transaction by name.
func LookupTransaction(name string) (TransactionInfo, bool) {
	for _, t := range transactions {
		if t.Name == name {
			return t, true
		}
	}
	return TransactionInfo{}, false
}

// RequestForm says which tag a request envelope used (NOTE-REQUEST-TAG).
type RequestForm int

const (
	// TransactionTag is the canonical form: {"ValidateAccount": {...}}.
	TransactionTag RequestForm = iota
	// ClassTag is the 2016 documentation's form: {"ValidateRequest": {...}}.
	ClassTag
)

// EncodeRequest writes the canonical request envelope, tagged with the transaction name.
func EncodeRequest(r MeshRequest) ([]byte, error) {
	if isNil(r) {
		return nil, &EncodeError{Msg: "nil request"}
	}
	e := wire.NewEncoder(make([]byte, 0, 512))
	e.BeginObject()
	e.Name(r.Transaction())
	r.encodeValue(e)
	e.EndObject()
	return e.Bytes(), nil
}

// EncodeRequestAs writes a request envelope in the given form.
func EncodeRequestAs(r MeshRequest, form RequestForm) ([]byte, error) {
	if form == TransactionTag {
		return EncodeRequest(r)
	}
	return Marshal(r)
}

// DecodeRequest reads a request envelope in either form and says which form it had.
func DecodeRequest(data []byte, opts *DecodeOptions) (MeshRequest, RequestForm, error) {
	d, err := newDecoder(data, opts)
	if err != nil {
		return nil, 0, err
	}
	var (
		req  MeshRequest
		form RequestForm
	)
	err = d.tagged("a transaction name", func(tag string) (Structure, error) {
		for _, t := range transactions {
			switch tag {
			case t.Name:
				form = TransactionTag
			case t.Request:
				form = ClassTag
			default:
				continue
			}
			req = constructors[t.Request]().(MeshRequest)
			return req, nil
		}
		return nil, &TagError{Tag: tag, Want: "a transaction name", Msg: "unknown transaction"}
	})
	if err != nil {
		return nil, 0, err
	}
	if err := d.End(); err != nil {
		return nil, 0, &DecodeError{Offset: d.Offset(), Err: err}
	}
	return req, form, nil
}

// EncodeResponse writes a response envelope, tagged with the response class (NOTE-RESPONSE-TAG).
func EncodeResponse(r MeshResponse) ([]byte, error) { return Marshal(r) }

// DecodeResponse reads a response envelope whose tag must be the response class of the
// transaction tx (for example "ValidateResponse" for "ValidateAccount").
func DecodeResponse(data []byte, tx string, opts *DecodeOptions) (MeshResponse, error) {
	t, ok := LookupTransaction(tx)
	if !ok {
		return nil, &DecodeError{Err: &TagError{Tag: tx, Want: "a transaction name", Msg: "unknown transaction"}}
	}
	d, err := newDecoder(data, opts)
	if err != nil {
		return nil, err
	}
	var resp MeshResponse
	err = d.tagged(t.Response, func(tag string) (Structure, error) {
		if tag != t.Response {
			return nil, &TagError{Tag: tag, Want: t.Response, Msg: "wrong response tag"}
		}
		resp = constructors[tag]().(MeshResponse)
		return resp, nil
	})
	if err != nil {
		return nil, err
	}
	if err := d.End(); err != nil {
		return nil, &DecodeError{Offset: d.Offset(), Err: err}
	}
	return resp, nil
}

// NewRequest returns an empty request of the transaction.
func NewRequest(tx string) (MeshRequest, bool) {
	t, ok := LookupTransaction(tx)
	if !ok {
		return nil, false
	}
	return constructors[t.Request]().(MeshRequest), true
}

// NewResponse returns an empty response of the transaction.
func NewResponse(tx string) (MeshResponse, bool) {
	t, ok := LookupTransaction(tx)
	if !ok {
		return nil, false
	}
	return constructors[t.Response]().(MeshResponse), true
}

// AbstractTypes lists the schema's abstract structures (Go interfaces in this package).
func AbstractTypes() []string { return append([]string(nil), abstractTypes...) }

// Tags lists the wire tag of every concrete structure.
func Tags() []string {
	out := make([]string, 0, len(constructors))
	for t := range constructors {
		out = append(out, t)
	}
	return out
}
