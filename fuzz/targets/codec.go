package targets

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/meshconform/meshconform/reference/mesh"
)

// DecodeRequest fuzzes the request envelope, lenient and strict: both give typed errors
// only; strict acceptance implies lenient acceptance of the same value; strict may refuse
// what lenient takes only for an unknown member; accepted input obeys the limits; and the
// encoding, in both request forms, decodes and re-encodes to the same bytes.
var DecodeRequest = register(&Target{
	Name:   "FuzzDecodeRequest",
	Parser: "mesh.DecodeRequest (lenient and strict)",
	Check:  checkDecodeRequest,
	seeds:  requestSeeds,
})

func checkDecodeRequest(data []byte) (Outcome, error) {
	const name = "FuzzDecodeRequest"
	req, form, err := mesh.DecodeRequest(data, lenient)
	sreq, sform, serr := mesh.DecodeRequest(data, strict)
	ok, strictToo, e := relateModes(name, len(data), err, serr, checkDecodeError)
	if !ok || e != nil {
		return outcome(ok), e
	}
	if e := checkLimits(name, data, codecLimits); e != nil {
		return Accepted, e
	}
	for _, f := range []mesh.RequestForm{mesh.TransactionTag, mesh.ClassTag} {
		first, err := mesh.EncodeRequestAs(req, f)
		if err != nil {
			return Accepted, violation(name, "an accepted request encodes", "%v", err)
		}
		if strictToo && f == form {
			if sform != form {
				return Accepted, violation(name, "strict and lenient agree", "forms %d and %d", form, sform)
			}
			if e := sameValue(name, "strict and lenient agree", first, sreq, encodeRequestAs(f)); e != nil {
				return Accepted, e
			}
		}
		again, gotForm, err := mesh.DecodeRequest(first, reread)
		if err != nil {
			return Accepted, violation(name, "decode-encode-decode is stable", "own encoding %q refused: %v", clip(first), err)
		}
		if gotForm != f {
			return Accepted, violation(name, "decode-encode-decode is stable", "form %d came back as %d", f, gotForm)
		}
		second, _ := mesh.EncodeRequestAs(again, f)
		if e := sameEncoding(name, first, second); e != nil {
			return Accepted, e
		}
	}
	return Accepted, nil
}

func encodeRequestAs(f mesh.RequestForm) func(mesh.Structure) ([]byte, error) {
	return func(v mesh.Structure) ([]byte, error) { return mesh.EncodeRequestAs(v.(mesh.MeshRequest), f) }
}

func outcome(accepted bool) Outcome {
	if accepted {
		return Accepted
	}
	return Rejected
}

// DecodeResponse fuzzes the response envelope of every transaction: an input is accepted for
// at most one transaction, the one whose response class is its tag; errors are typed;
// strict and lenient relate as for requests; the encoding is stable.
var DecodeResponse = register(&Target{
	Name:   "FuzzDecodeResponse",
	Parser: "mesh.DecodeResponse (each transaction, lenient and strict)",
	Check:  checkDecodeResponse,
	seeds:  responseSeeds,
})

var transactions = mesh.Transactions()

func checkDecodeResponse(data []byte) (Outcome, error) {
	const name = "FuzzDecodeResponse"
	var (
		resp mesh.MeshResponse
		tx   mesh.TransactionInfo
	)
	for _, t := range transactions {
		r, err := mesh.DecodeResponse(data, t.Name, lenient)
		if err != nil {
			if e := checkDecodeError(name, err, len(data)); e != nil {
				return Rejected, e
			}
			continue
		}
		if resp != nil {
			return Accepted, violation(name, "a response is accepted for one transaction only", "accepted for %s and %s", tx.Name, t.Name)
		}
		if r.MeshType() != t.Response {
			return Accepted, violation(name, "the response class matches the transaction", "%s decoded as %s", t.Name, r.MeshType())
		}
		resp, tx = r, t
	}
	if resp == nil {
		return Rejected, nil
	}
	sresp, serr := mesh.DecodeResponse(data, tx.Name, strict)
	_, strictToo, e := relateModes(name, len(data), nil, serr, checkDecodeError)
	if e != nil {
		return Accepted, e
	}
	if e := checkLimits(name, data, codecLimits); e != nil {
		return Accepted, e
	}
	first, err := mesh.EncodeResponse(resp)
	if err != nil {
		return Accepted, violation(name, "an accepted response encodes", "%v", err)
	}
	if strictToo {
		if e := sameValue(name, "strict and lenient agree", first, sresp, mesh.Marshal); e != nil {
			return Accepted, e
		}
	}
	again, err := mesh.DecodeResponse(first, tx.Name, reread)
	if err != nil {
		return Accepted, violation(name, "decode-encode-decode is stable", "own encoding %q refused: %v", clip(first), err)
	}
	second, _ := mesh.EncodeResponse(again)
	return Accepted, sameEncoding(name, first, second)
}

// Unmarshal fuzzes mesh.Unmarshal on tagged top-level documents of any structure, lenient and
// strict as for requests, and checks that UnmarshalInto, given the structure the tag names,
// reads the same value.
var Unmarshal = register(&Target{
	Name:   "FuzzUnmarshal",
	Parser: "mesh.Unmarshal / UnmarshalInto (tagged, every structure)",
	Check:  checkUnmarshal,
	seeds:  taggedSeeds,
})

func checkUnmarshal(data []byte) (Outcome, error) {
	const name = "FuzzUnmarshal"
	v, err := mesh.Unmarshal(data, lenient)
	sv, serr := mesh.Unmarshal(data, strict)
	ok, strictToo, e := relateModes(name, len(data), err, serr, checkDecodeError)
	if !ok || e != nil {
		return outcome(ok), e
	}
	if e := checkLimits(name, data, codecLimits); e != nil {
		return Accepted, e
	}
	first, err := mesh.Marshal(v)
	if err != nil {
		return Accepted, violation(name, "an accepted value encodes", "%v", err)
	}
	if strictToo {
		if e := sameValue(name, "strict and lenient agree", first, sv, mesh.Marshal); e != nil {
			return Accepted, e
		}
	}
	into, _ := mesh.New(v.MeshType())
	if err := mesh.UnmarshalInto(data, into, lenient); err != nil {
		return Accepted, violation(name, "Unmarshal and UnmarshalInto agree", "UnmarshalInto(%s): %v", v.MeshType(), err)
	}
	if e := sameValue(name, "Unmarshal and UnmarshalInto agree", first, into, mesh.Marshal); e != nil {
		return Accepted, e
	}
	return Accepted, stableTagged(name, v.MeshType(), first)
}

// stableTagged decodes the tagged encoding first of a tag-typed value, encodes it again and
// compares.
func stableTagged(name, tag string, first []byte) error {
	again, err := mesh.Unmarshal(first, reread)
	if err != nil {
		return violation(name, "decode-encode-decode is stable", "own encoding %q refused: %v", clip(first), err)
	}
	if again.MeshType() != tag {
		return violation(name, "decode-encode-decode is stable", "%s came back as %s", tag, again.MeshType())
	}
	second, _ := mesh.Marshal(again)
	return sameEncoding(name, first, second)
}

// sortedTags is every concrete structure's tag in a fixed order, so that a selector byte
// names the same structure in every run and every saved crasher.
var sortedTags = func() []string {
	t := mesh.Tags()
	sort.Strings(t)
	return t
}()

// UnmarshalBare fuzzes the untagged form of every structure: the first input byte picks the
// structure (modulo the number of structures), the rest is its bare object (or array, for a
// DareMessage). Properties as for Unmarshal, and the tagged writer wraps the bare one.
var UnmarshalBare = register(&Target{
	Name:      "FuzzUnmarshalBare",
	Parser:    "mesh.UnmarshalBare (first byte picks the structure)",
	Check:     checkUnmarshalBare,
	seeds:     bareSeeds,
	noVectors: true,
})

func checkUnmarshalBare(data []byte) (Outcome, error) {
	const name = "FuzzUnmarshalBare"
	if len(data) == 0 {
		return Rejected, nil
	}
	tag := sortedTags[int(data[0])%len(sortedTags)]
	doc := data[1:]
	v, _ := mesh.New(tag)
	sv, _ := mesh.New(tag)
	err := mesh.UnmarshalBare(doc, v, lenient)
	serr := mesh.UnmarshalBare(doc, sv, strict)
	ok, strictToo, e := relateModes(name, len(doc), err, serr, checkDecodeError)
	if !ok || e != nil {
		return outcome(ok), e
	}
	if e := checkLimits(name, doc, codecLimits); e != nil {
		return Accepted, e
	}
	first, err := mesh.MarshalBare(v)
	if err != nil {
		return Accepted, violation(name, "an accepted value encodes", "%v", err)
	}
	if strictToo {
		if e := sameValue(name, "strict and lenient agree", first, sv, mesh.MarshalBare); e != nil {
			return Accepted, e
		}
	}
	again, _ := mesh.New(tag)
	if err := mesh.UnmarshalBare(first, again, reread); err != nil {
		return Accepted, violation(name, "decode-encode-decode is stable", "own encoding %q refused: %v", clip(first), err)
	}
	second, _ := mesh.MarshalBare(again)
	if e := sameEncoding(name, first, second); e != nil {
		return Accepted, e
	}
	tagged, _ := mesh.Marshal(v)
	if want := `{"` + tag + `":` + string(first) + `}`; !bytes.Equal(tagged, []byte(want)) {
		return Accepted, violation(name, "the tagged form wraps the bare form", "%q vs %q", clip(tagged), clip([]byte(want)))
	}
	return Accepted, nil
}

// JSONBaseline is not a parser of the reference: it runs encoding/json.Unmarshal into a
// map[string]any on the same seeds as FuzzUnmarshal, so that the summary shows the codec's
// speed beside the standard library's.
var JSONBaseline = register(&Target{
	Name:   "FuzzJSONBaseline",
	Parser: "encoding/json.Unmarshal into map[string]any (speed baseline)",
	Check: func(data []byte) (Outcome, error) {
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return Rejected, nil
		}
		return Accepted, nil
	},
	seeds: taggedSeeds,
})
