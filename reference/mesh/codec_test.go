package mesh

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/reference/wire"
)

func sortedTags() []string {
	tags := Tags()
	sort.Strings(tags)
	return tags
}

// TestRoundTrip checks, for every structure, that decode(encode(x)) == x and that encoding
// is deterministic and stable under a second round trip.
func TestRoundTrip(t *testing.T) {
	for _, tag := range sortedTags() {
		t.Run(tag, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				x := genStructure(tag).Draw(rt, "x")
				enc, err := Marshal(x)
				if err != nil {
					rt.Fatalf("marshal: %v", err)
				}
				again, _ := Marshal(x)
				if !bytes.Equal(enc, again) {
					rt.Fatalf("encoding is not deterministic:\n%s\n%s", enc, again)
				}
				if !json.Valid(enc) {
					rt.Fatalf("encoding is not valid JSON: %s", enc)
				}
				y, err := Unmarshal(enc, &DecodeOptions{Strict: true})
				if err != nil {
					rt.Fatalf("unmarshal %s: %v", enc, err)
				}
				if diff := cmp.Diff(x, y, cmpopts.EquateEmpty()); diff != "" {
					rt.Fatalf("round trip changed the value (-want +got):\n%s\nwire: %s", diff, enc)
				}
				enc2, _ := Marshal(y)
				if !bytes.Equal(enc, enc2) {
					rt.Fatalf("second encoding differs:\n%s\n%s", enc, enc2)
				}
			})
		})
	}
}

// TestSecondDecodingPath decodes what the codec writes with plain encoding/json and checks that
// every member the codec wrote is there with the same value kind: an independent reader agrees.
func TestSecondDecodingPath(t *testing.T) {
	for _, tag := range sortedTags() {
		t.Run(tag, func(t *testing.T) {
			rapid.Check(t, func(rt *rapid.T) {
				x := genStructure(tag).Draw(rt, "x")
				enc, _ := Marshal(x)
				var doc map[string]any
				if err := json.Unmarshal(enc, &doc); err != nil {
					rt.Fatalf("encoding/json rejects %s: %v", enc, err)
				}
				if _, ok := doc[tag]; !ok || len(doc) != 1 {
					rt.Fatalf("top-level tag: got %v, want the single member %q", keys(doc), tag)
				}
				// Re-encoding the generic form with encoding/json and decoding it with the codec
				// must give the same value back.
				generic, _ := json.Marshal(doc)
				y, err := Unmarshal(generic, &DecodeOptions{Strict: true})
				if err != nil {
					rt.Fatalf("codec rejects encoding/json's rendering %s: %v", generic, err)
				}
				if diff := cmp.Diff(x, y, cmpopts.EquateEmpty()); diff != "" {
					rt.Fatalf("value differs through encoding/json (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestDecodeNeverPanics feeds arbitrary bytes and mutated valid documents to every decoder.
func TestDecodeNeverPanics(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		data := rapid.SliceOfN(rapid.Byte(), 0, 256).Draw(rt, "data")
		_, _ = Unmarshal(data, nil)
		_, _, _ = DecodeRequest(data, &DecodeOptions{Strict: true})
		_, _ = DecodeResponse(data, "Get", nil)
	})
	rapid.Check(t, func(rt *rapid.T) {
		tag := rapid.SampledFrom(sortedTags()).Draw(rt, "tag")
		enc, _ := Marshal(genStructure(tag).Draw(rt, "x"))
		if len(enc) == 0 {
			return
		}
		i := rapid.IntRange(0, len(enc)-1).Draw(rt, "i")
		enc[i] = rapid.Byte().Draw(rt, "b")
		_, _ = Unmarshal(enc, &DecodeOptions{Strict: rapid.Bool().Draw(rt, "strict")})
	})
}

func TestDecodeErrors(t *testing.T) {
	deep := strings.Repeat(`{"Task":`, 5) // nesting through an unknown member is still counted
	tests := []struct {
		name   string
		doc    string
		opts   *DecodeOptions
		target any
		path   string
	}{
		{"syntax", `{"KeyValue": {"Key": "a",}}`, nil, new(*wire.SyntaxError), "KeyValue"},
		{"trailing data", `{"KeyValue": {}} x`, nil, new(*wire.SyntaxError), ""},
		{"unterminated", `{"KeyValue": {"Key": "a`, nil, new(*wire.SyntaxError), "KeyValue.Key"},
		{"invalid utf8", "{\"KeyValue\": {\"Key\": \"\xff\"}}", nil, new(*wire.SyntaxError), "KeyValue.Key"},
		{"lone surrogate", `{"KeyValue": {"Key": "\ud800"}}`, nil, new(*wire.SyntaxError), "KeyValue.Key"},
		{"wrong type string", `{"KeyValue": {"Key": 5}}`, nil, new(*TypeError), "KeyValue.Key"},
		{"wrong type integer", `{"SearchConstraints": {"MaxEntries": "5"}}`, nil, new(*TypeError), "SearchConstraints.MaxEntries"},
		{"fraction integer", `{"SearchConstraints": {"MaxEntries": 1.5}}`, nil, new(*wire.ErrNotInt32), "SearchConstraints.MaxEntries"},
		{"int32 overflow", `{"SearchConstraints": {"MaxEntries": 2147483648}}`, nil, new(*wire.ErrNotInt32), "SearchConstraints.MaxEntries"},
		{"bad base64", `{"DareTrailer": {"PayloadDigest": "ab$c"}}`, nil, new(*wire.Base64Error), "DareTrailer.PayloadDigest"},
		{"bad datetime", `{"SearchConstraints": {"Before": "yesterday"}}`, nil, new(*wire.DateTimeError), "SearchConstraints.Before"},
		{"duplicate member", `{"KeyValue": {"Key": "a", "Key": "b"}}`, nil, new(*DuplicateMemberError), "KeyValue.Key"},
		{"unknown strict", `{"KeyValue": {"Kee": "a"}}`, &DecodeOptions{Strict: true}, new(*UnknownMemberError), "KeyValue.Kee"},
		{"unknown tag", `{"NoSuchThing": {}}`, nil, new(*TagError), ""},
		{"missing tag", `{}`, nil, new(*TagError), ""},
		{"two tags", `{"KeyValue": {}, "Task": {}}`, nil, new(*TagError), ""},
		{"wrong nested tag", `{"PublicKey": {"PublicParameters": {"KeyValue": {}}}}`, nil, new(*TagError), "PublicKey.PublicParameters"},
		{"untagged nested key", `{"PublicKey": {"PublicParameters": {"crv": "Ed448"}}}`, nil, new(*TagError), "PublicKey.PublicParameters"},
		{"array instead of object", `{"KeyValue": []}`, nil, new(*TypeError), "KeyValue"},
		{"dare too long", `{"DareMessage": [{}, "", {}, {}]}`, nil, new(*TypeError), "DareMessage[3]"},
		{"dare too short", `{"DareMessage": [{}]}`, nil, new(*TypeError), "DareMessage"},
		{"string limit", `{"KeyValue": {"Key": "` + strings.Repeat("a", 100) + `"}}`, &DecodeOptions{Limits: wire.Limits{MaxString: 50}}, new(*wire.LimitError), "KeyValue.Key"},
		{"array limit", `{"Address": {"Labels": ["a","b","c"]}}`, &DecodeOptions{Limits: wire.Limits{MaxArray: 2}}, new(*wire.LimitError), "Address.Labels"},
		{"depth limit", `{"Contact": {"x": ` + deep + `1}}}}}}}`, &DecodeOptions{Limits: wire.Limits{MaxDepth: 4}}, new(*wire.LimitError), "Contact.x"},
		{"body limit", `{"KeyValue": {}}`, &DecodeOptions{Limits: wire.Limits{MaxBytes: 8}}, new(*wire.LimitError), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal([]byte(tc.doc), tc.opts)
			if err == nil {
				t.Fatalf("Unmarshal(%s) succeeded, want an error", tc.doc)
			}
			if !errors.As(err, tc.target) {
				t.Fatalf("Unmarshal(%s) = %v (%T), want cause %T", tc.doc, err, errors.Unwrap(err), tc.target)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			if de.Path != tc.path {
				t.Errorf("path = %q, want %q (error %v)", de.Path, tc.path, err)
			}
		})
	}
}

func TestLenientInput(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want Structure
	}{
		{"unknown member ignored", `{"KeyValue": {"Key": "a", "Extra": {"x": [1, 2]}}}`, &KeyValue{Key: "a"}},
		{"null is absent", `{"KeyValue": {"Key": null, "Value": "v"}}`, &KeyValue{Value: "v"}},
		{"wrapped base64", `{"DareTrailer": {"PayloadDigest": "AAEC\n  AwQ="}}`, &DareTrailer{PayloadDigest: []byte{0, 1, 2, 3, 4}}},
		{"datetime with offset and fraction", `{"SearchConstraints": {"Before": "2019-04-01T12:00:00.5+02:00"}}`,
			&SearchConstraints{Before: Time(mustTime(t, "2019-04-01T10:00:00.5Z"))}},
		{"dare envelope tag", `{"DareEnvelope": [{}, "AA"]}`, &DareMessage{Header: &DareHeader{}, Payload: []byte{0}}},
		{"tagged dare field", `{"CreateRequest": {"Profile": {"DareMessage": [{}, ""]}}}`, &CreateRequest{Profile: &DareMessage{Header: &DareHeader{}}}},
		{"escapes", `{"KeyValue": {"Key": "a\"\\\/\n\u00e9\ud83d\ude00"}}`, &KeyValue{Key: "a\"\\/\né😀"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Unmarshal([]byte(tc.doc), nil)
			if err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if tc.name == "datetime with offset and fraction" {
				// the fraction is dropped by Time(); compare the instant the wire carried
				sc := got.(*SearchConstraints)
				sc.Before = Time(*sc.Before)
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := wire.ParseDateTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCanonicalEncoding(t *testing.T) {
	tests := []struct {
		name string
		v    Structure
		want string
	}{
		{"absent fields omitted", &ValidateRequest{Account: "alice@example.com"}, `{"ValidateRequest":{"Account":"alice@example.com"}}`},
		{"false and zero kept", &ValidateResponse{Status: Int(201), Valid: Bool(false), Minimum: Int(0)}, `{"ValidateResponse":{"Status":201,"Valid":false,"Minimum":0}}`},
		{"inherited fields first", &CreateResponse{StatusDescription: "ok", Status: Int(409)}, `{"CreateResponse":{"Status":409,"StatusDescription":"ok"}}`},
		{"binary is base64url unpadded", &DareTrailer{PayloadDigest: []byte{0xfb, 0xff}}, `{"DareTrailer":{"PayloadDigest":"-_8"}}`},
		{"datetime UTC seconds", &SearchConstraints{NotBefore: Time(time.Date(2019, 4, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)))}, `{"SearchConstraints":{"NotBefore":"2019-04-01T11:00:00Z"}}`},
		{"tagged key parameters", &PublicKey{PublicParameters: &PublicKeyECDH{Crv: "Ed448", Public: []byte{1}}}, `{"PublicKey":{"PublicParameters":{"PublicKeyECDH":{"crv":"Ed448","Public":"AQ"}}}}`},
		{"dare field is a bare array", &PublishRequest{Entry: &DareMessage{Payload: []byte("x")}}, `{"PublishRequest":{"Entry":[{},"eA"]}}`},
		{"dare top level tagged", &DareMessage{Header: &DareHeader{Dig: "S512"}, Payload: []byte("x"), Trailer: &DareTrailer{PayloadDigest: []byte{1}}}, `{"DareMessage":[{"dig":"S512"},"eA",{"PayloadDigest":"AQ"}]}`},
		{"escaping", &KeyValue{Key: "a\"b\\c\x01\n<"}, `{"KeyValue":{"Key":"a\"b\\c\u0001\n<"}}`},
		{"repeated", &Address{Labels: []string{"a", ""}}, `{"Address":{"Labels":["a",""]}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Marshal(tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Marshal = %s\nwant      %s", got, tc.want)
			}
		})
	}
}

func TestRequestEnvelope(t *testing.T) {
	req := &ValidateRequest{Account: "alice@example.com", Reserve: Bool(true)}
	canonical, err := EncodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"ValidateAccount":{"Account":"alice@example.com","Reserve":true}}`; string(canonical) != want {
		t.Fatalf("EncodeRequest = %s, want %s", canonical, want)
	}
	class, _ := EncodeRequestAs(req, ClassTag)
	for _, tc := range []struct {
		doc  []byte
		form RequestForm
	}{{canonical, TransactionTag}, {class, ClassTag}} {
		got, form, err := DecodeRequest(tc.doc, nil)
		if err != nil {
			t.Fatalf("DecodeRequest(%s): %v", tc.doc, err)
		}
		if form != tc.form {
			t.Errorf("DecodeRequest(%s) form = %v, want %v", tc.doc, form, tc.form)
		}
		if diff := cmp.Diff(Structure(req), Structure(got)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
	for _, bad := range []string{`{"ValidateResponse":{}}`, `{"KeyValue":{}}`, `{"Nope":{}}`, `[]`} {
		if _, _, err := DecodeRequest([]byte(bad), nil); err == nil {
			t.Errorf("DecodeRequest(%s) succeeded, want an error", bad)
		}
	}
}

func TestResponseEnvelope(t *testing.T) {
	resp := &ValidateResponse{Valid: Bool(true)}
	resp.SetStatus(201, "Operation completed successfully")
	enc, _ := EncodeResponse(resp)
	got, err := DecodeResponse(enc, "ValidateAccount", nil)
	if err != nil {
		t.Fatal(err)
	}
	if code, ok := got.StatusCode(); !ok || code != 201 {
		t.Errorf("StatusCode = %d, %v; want 201, true", code, ok)
	}
	if _, err := DecodeResponse(enc, "CreateAccount", nil); !errors.As(err, new(*TagError)) {
		t.Errorf("DecodeResponse with the wrong transaction: %v, want a TagError", err)
	}
	if _, err := DecodeResponse([]byte(`{"Valid": true}`), "ValidateAccount", nil); !errors.As(err, new(*TagError)) {
		t.Errorf("untagged response: %v, want a TagError", err)
	}
	for _, tx := range Transactions() {
		req, ok := NewRequest(tx.Name)
		if !ok || req.Transaction() != tx.Name || req.MeshType() != tx.Request {
			t.Errorf("NewRequest(%s) = %v", tx.Name, req)
		}
		r, ok := NewResponse(tx.Name)
		if !ok || r.MeshType() != tx.Response {
			t.Errorf("NewResponse(%s) = %v", tx.Name, r)
		}
	}
}

func TestMarshalNil(t *testing.T) {
	var v *KeyValue
	if _, err := Marshal(v); !errors.As(err, new(*EncodeError)) {
		t.Errorf("Marshal(nil) = %v, want EncodeError", err)
	}
}
