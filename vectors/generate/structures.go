package generate

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/meshconform/meshconform/reference/dare"
	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
)

// StructureLimits are the small decoder limits structure tests run under.
var StructureLimits = vectors.Limits{MaxBytes: 16384, MaxDepth: 16, MaxString: 128, MaxArray: 32}

// structureFamilies groups structures into files by the section they come from.
var structureFamilies = []struct {
	file     string
	prefixes []string
	title    string
}{
	{"structures-profiles.json", []string{"2.5", "2.6"}, "Shared classes and Mesh profile objects (draft 2.5, 2.6)"},
	{"structures-common.json", []string{"2.7"}, "Common structures (draft 2.7)"},
	{"structures-catalog.json", []string{"2.8"}, "Catalog entries (draft 2.8)"},
	{"structures-messages.json", []string{"2.9"}, "Mesh messages (draft 2.9)"},
	{"structures-dare.json", []string{"3.3"}, "DARE envelopes and key parameters (draft 3.3, WIRE.md 5)"},
	{"structures-protocol.json", []string{"3.1", "3.2", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.16"}, "Portal protocol messages and structures (draft 3)"},
}

// structureNotes explains every flag a structure test may carry.
var structureNotes = map[string]vectors.Note{
	"Empty":           {BugType: "EDGE_CASE", Description: "Every field is optional: the empty object is a valid instance.", Effect: "A decoder that requires fields refuses valid messages."},
	"Full":            {BugType: "BASIC", Description: "Every field of the structure, inherited ones included, is present."},
	"UnknownMember":   {BugType: "DEFINED", Description: "A member the schema does not define. NOTE-UNKNOWN-MEMBERS: a lenient reader ignores it, a strict reader refuses it.", Effect: "A reader that refuses it cannot talk to a newer peer."},
	"NullMember":      {BugType: "EDGE_CASE", Description: "A member whose value is null, which stands for an absent value (NOTE-EMPTY)."},
	"WrappedBase64":   {BugType: "LEGACY", Description: "Binary with the newline and two spaces the reference writer inserted into long base64 strings (NOTE-BASE64).", Effect: "A strict reader cannot read what the reference implementation wrote."},
	"PaddedBase64":    {BugType: "LEGACY", Description: "Binary with '=' padding, which NOTE-BASE64 accepts on input."},
	"DateTimeOffset":  {BugType: "DEFINED", Description: "A DateTime with a time-zone offset, accepted as RFC 3339 (NOTE-DATETIME)."},
	"DateTimeFrac":    {BugType: "DEFINED", Description: "A DateTime with fractional seconds, accepted as RFC 3339 (NOTE-DATETIME); the canonical form drops the fraction."},
	"WrongType":       {BugType: "MALFORMED", Description: "A member whose JSON kind is not the one its schema type requires.", Effect: "A reader that coerces types accepts messages other implementations read differently."},
	"BadBase64":       {BugType: "MALFORMED", Description: "Binary with a character outside the base64url alphabet (NOTE-BASE64)."},
	"BadDateTime":     {BugType: "MALFORMED", Description: "A DateTime that is not RFC 3339 (NOTE-DATETIME)."},
	"IntegerRange":    {BugType: "MALFORMED", Description: "An Integer that is not a 32-bit signed whole number (WIRE.md 1)."},
	"MissingTag":      {BugType: "MALFORMED", Description: "A top-level document without its type tag (NOTE-TAGGED-FIELDS)."},
	"WrongTag":        {BugType: "MALFORMED", Description: "A top-level document tagged with a name that is no structure."},
	"TwoTags":         {BugType: "MALFORMED", Description: "A tagged object with more than one member."},
	"DuplicateMember": {BugType: "CAN_OF_WORMS", Description: "A member given twice: readers that keep the first and readers that keep the last disagree on the message.", Effect: "Two implementations see two different messages under one signature."},
	"WrongShape":      {BugType: "MALFORMED", Description: "An array where the structure's object (or envelope array) is required."},
	"OverLimit":       {BugType: "CAN_OF_WORMS", Description: "A string, array, nesting depth or document size beyond the group's limits (NOTE-LIMITS).", Effect: "A reader without limits can be made to use unbounded memory or time."},
	"Syntax":          {BugType: "MALFORMED", Description: "Text that is not well-formed JSON."},
	"TaggedKey":       {BugType: "BASIC", Description: "A tagged key parameter structure (NOTE-PUBLIC-PARAMETERS)."},
	"DareArray":       {BugType: "BASIC", Description: "A DARE envelope as the array [header, payload, trailer] (NOTE-DARE-TAG)."},
	"DareEnvelopeTag": {BugType: "LEGACY", Description: "The later tag DareEnvelope, which NOTE-DARE-TAG accepts on input."},
}

var fixedTime = time.Date(2019, 4, 6, 12, 0, 0, 0, time.UTC)

// fill sets every field of v (a pointer to a struct) to a deterministic value derived from the
// field's name, recursing into nested structures to depth 2.
func fill(v reflect.Value, depth int) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := v.Field(i)
		name := t.Field(i).Tag.Get("mesh")
		if val, ok := fieldValue(f.Type(), name, depth); ok {
			f.Set(val)
		}
	}
}

func nameBytes(name string) []byte {
	h := sha256.Sum256([]byte(name))
	return h[:9]
}

func fieldValue(t reflect.Type, name string, depth int) (reflect.Value, bool) {
	switch t {
	case reflect.TypeOf(""):
		return reflect.ValueOf("value of " + name), true
	case reflect.TypeOf([]byte(nil)):
		return reflect.ValueOf(nameBytes(name)), true
	case reflect.TypeOf((*int32)(nil)):
		return reflect.ValueOf(mesh.Int(int32(len(name)))), true
	case reflect.TypeOf((*bool)(nil)):
		return reflect.ValueOf(mesh.Bool(true)), true
	case reflect.TypeOf((*time.Time)(nil)):
		return reflect.ValueOf(mesh.Time(fixedTime)), true
	case reflect.TypeOf((*mesh.Key)(nil)).Elem():
		var k mesh.Key = &mesh.PublicKeyECDH{Crv: "Ed448", Public: nameBytes(name)}
		return reflect.ValueOf(&k).Elem(), true
	case reflect.TypeOf(&mesh.DareMessage{}):
		return reflect.ValueOf(&mesh.DareMessage{
			Header:  &mesh.DareHeader{Dig: "S512"},
			Payload: []byte(`{"KeyValue":{"Key":"` + name + `"}}`),
			Trailer: &mesh.DareTrailer{PayloadDigest: nameBytes(name + "/digest")},
		}), true
	}
	if depth >= 2 {
		return reflect.Value{}, false
	}
	switch t.Kind() {
	case reflect.Slice:
		elem, ok := fieldValue(reflect.PointerTo(t.Elem()), name, depth)
		if t.Elem().Kind() == reflect.String || t.Elem() == reflect.TypeOf([]byte(nil)) {
			elem, ok = fieldValue(t.Elem(), name, depth)
			s := reflect.MakeSlice(t, 1, 1)
			s.Index(0).Set(elem)
			return s, ok
		}
		if t.Elem().Kind() == reflect.Interface {
			elem, ok = fieldValue(t.Elem(), name, depth)
			s := reflect.MakeSlice(t, 1, 1)
			s.Index(0).Set(elem)
			return s, ok
		}
		if !ok {
			return reflect.Value{}, false
		}
		s := reflect.MakeSlice(t, 1, 1)
		s.Index(0).Set(elem.Elem())
		return s, true
	case reflect.Pointer:
		if t.Elem().Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		p := reflect.New(t.Elem())
		fill(p.Elem(), depth+1)
		return p, true
	}
	return reflect.Value{}, false
}

// fullValue returns an instance of the structure with every field set.
func fullValue(name string) mesh.Structure {
	v, _ := mesh.New(name)
	if name == "DareMessage" {
		d := v.(*mesh.DareMessage)
		d.Header = &mesh.DareHeader{Enc: "A256CBC", Dig: "S512", Salt: nameBytes("Salt"), Cty: "application/mmm",
			Recipients: []mesh.DareRecipient{{Kid: "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF", Epk: &mesh.PublicKeyECDH{Crv: "Ed448", Public: nameBytes("epk")}, Wmk: nameBytes("wmk")}}}
		d.Payload = nameBytes("Payload")
		// alg as the 2019 reference wrote it and reference/dare emits (NOTE-DARE-DIGEST): the
		// digest's identifier, since its KeyPair.SignatureAlgorithmID returns the digest's ID
		// for every key but RSA.
		d.Trailer = &mesh.DareTrailer{Signatures: []mesh.DareSignature{{Alg: dare.DigS512, Kid: "MDDK-7N6A-727A-JZNO-STRX-XKS7-DJAF", Signature: nameBytes("signature")}}, PayloadDigest: nameBytes("PayloadDigest")}
		return d
	}
	fill(reflect.ValueOf(v).Elem(), 0)
	return v
}

// structureGroup builds every decoding test of one structure.
func structureGroup(s *spec.Spec, st spec.Structure) (vectors.StructureGroup, error) {
	g := vectors.StructureGroup{Type: "StructureDecode", Structure: st.Name, Section: st.Section, Source: source, Limits: StructureLimits}
	full, err := mesh.Marshal(fullValue(st.Name))
	if err != nil {
		return g, err
	}
	fullCanon := string(full)
	add := func(id, comment, result string, flags []string, doc, canonical, errClass, note string) {
		g.Tests = append(g.Tests, vectors.StructureTest{
			Test: vectors.Test{TcID: st.Name + "/" + id, Comment: comment, Flags: flags, Result: result,
				Section: st.Section, NoteID: note},
			Document: doc, Canonical: canonical, ErrorClass: errClass,
		})
	}
	tag := st.Name
	if st.Kind == "envelope" {
		add("empty-header", "the smallest envelope: an empty header and an empty payload", vectors.Valid, []string{"Empty", "DareArray"}, `{"DareMessage":[{},""]}`, `{"DareMessage":[{},""]}`, "", "NOTE-DARE-TAG")
		add("full", "an envelope with a recipient, a signature and a digest", vectors.Valid, []string{"Full", "DareArray"}, fullCanon, fullCanon, "", "NOTE-DARE-TAG")
		add("dare-envelope-tag", "the June 2019 tag DareEnvelope", vectors.Acceptable, []string{"DareEnvelopeTag"}, strings.Replace(fullCanon, `{"DareMessage"`, `{"DareEnvelope"`, 1), fullCanon, "", "NOTE-DARE-TAG")
		add("object-not-array", "an object where the envelope array is required", vectors.Invalid, []string{"WrongShape"}, `{"DareMessage":{}}`, "", vectors.ErrType, "NOTE-DARE-TAG")
		add("four-elements", "an envelope array with a fourth element", vectors.Invalid, []string{"WrongShape"}, `{"DareMessage":[{},"",{},{}]}`, "", vectors.ErrType, "NOTE-DARE-TAG")
		add("header-only", "an envelope array without a payload", vectors.Invalid, []string{"WrongShape"}, `{"DareMessage":[{}]}`, "", vectors.ErrType, "NOTE-DARE-TAG")
		add("bad-base64-payload", "a payload with a character outside base64url", vectors.Invalid, []string{"BadBase64"}, `{"DareMessage":[{},"ab$c"]}`, "", vectors.ErrBase64, "NOTE-BASE64")
		add("wrapped-base64-payload", "a line-wrapped payload as the reference printed it", vectors.Acceptable, []string{"WrappedBase64"}, `{"DareMessage":[{},"VGhpcyBpcyBh\n  IHRlc3Q"]}`, `{"DareMessage":[{},"VGhpcyBpcyBhIHRlc3Q"]}`, "", "NOTE-BASE64")
		return g, nil
	}
	add("empty", "every field absent", vectors.Valid, []string{"Empty"}, `{"`+tag+`":{}}`, `{"`+tag+`":{}}`, "", "NOTE-EMPTY")
	if full != nil && len(s.AllFields(st.Name)) > 0 {
		add("full", "every field present, inherited ones first", vectors.Valid, []string{"Full"}, fullCanon, fullCanon, "", "")
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(fullCanon, `{"`+tag+`":`), "}")
	withMember := func(member string) string {
		if inner == "{}" {
			return `{"` + tag + `":{` + member + `}}`
		}
		return `{"` + tag + `":` + strings.TrimSuffix(inner, "}") + `,` + member + `}}`
	}
	add("unknown-member", "a member the schema does not define, which a lenient reader ignores", vectors.Acceptable, []string{"UnknownMember"}, withMember(`"NotInTheSchema":{"x":[1,true,null]}`), fullCanon, "", "NOTE-UNKNOWN-MEMBERS")
	fields := s.AllFields(st.Name)
	var object map[string]json.RawMessage
	if err := json.Unmarshal([]byte(inner), &object); err != nil {
		return g, fmt.Errorf("%s: %w", st.Name, err)
	}
	replaced := func(name, value string) string {
		m := map[string]json.RawMessage{}
		for k, v := range object {
			m[k] = v
		}
		m[name] = json.RawMessage(value)
		b, _ := json.Marshal(m)
		return `{"` + tag + `":` + string(b) + `}`
	}
	canonWithout := func(name string) string {
		v := fullValue(st.Name)
		rv := reflect.ValueOf(v).Elem()
		for i := 0; i < rv.NumField(); i++ {
			if rv.Type().Field(i).Tag.Get("mesh") == name {
				rv.Field(i).Set(reflect.Zero(rv.Field(i).Type()))
			}
		}
		b, _ := mesh.Marshal(v)
		return string(b)
	}
	firstOf := func(pred func(spec.Field) bool) (spec.Field, bool) {
		for _, f := range fields {
			if pred(f) {
				return f, true
			}
		}
		return spec.Field{}, false
	}
	if len(fields) > 0 {
		f := fields[0]
		add("null-member", "member "+f.Name+" is null, which stands for absent", vectors.Acceptable, []string{"NullMember"}, replaced(f.Name, "null"), canonWithout(f.Name), "", "NOTE-EMPTY")
		first, _ := json.Marshal(f.Name)
		add("duplicate-member", "member "+f.Name+" given twice", vectors.Invalid, []string{"DuplicateMember"}, withMember(string(first)+":"+string(object[f.Name])), "", vectors.ErrDuplicate, "")
	}
	for _, f := range fields {
		wrong, class := wrongValue(s, f)
		add("wrong-type-"+f.Name, fmt.Sprintf("member %s (%s%s) given as %s", f.Name, f.Type, repeatedMark(f), wrong), vectors.Invalid, []string{"WrongType"}, replaced(f.Name, wrong), "", class, "")
	}
	if f, ok := firstOf(func(f spec.Field) bool { return f.Type == "Binary" && !f.Repeated }); ok {
		b64 := strings.Trim(string(object[f.Name]), `"`)
		add("bad-base64", "member "+f.Name+" has a character outside base64url", vectors.Invalid, []string{"BadBase64"}, replaced(f.Name, `"`+b64[:4]+`$`+b64[4:]+`"`), "", vectors.ErrBase64, "NOTE-BASE64")
		add("wrapped-base64", "member "+f.Name+" line-wrapped as the reference writer did", vectors.Acceptable, []string{"WrappedBase64"}, replaced(f.Name, `"`+b64[:4]+`\n  `+b64[4:]+`"`), fullCanon, "", "NOTE-BASE64")
		add("padded-base64", "member "+f.Name+" with '=' padding", vectors.Acceptable, []string{"PaddedBase64"}, replaced(f.Name, `"`+b64+`="`), fullCanon, "", "NOTE-BASE64")
	}
	if f, ok := firstOf(func(f spec.Field) bool { return f.Type == "DateTime" && !f.Repeated }); ok {
		add("bad-datetime", "member "+f.Name+" is not RFC 3339", vectors.Invalid, []string{"BadDateTime"}, replaced(f.Name, `"2019-04-31T25:00:00Z"`), "", vectors.ErrDateTime, "NOTE-DATETIME")
		add("datetime-offset", "member "+f.Name+" with a +02:00 offset", vectors.Acceptable, []string{"DateTimeOffset"}, replaced(f.Name, `"2019-04-06T14:00:00+02:00"`), fullCanon, "", "NOTE-DATETIME")
		add("datetime-fraction", "member "+f.Name+" with fractional seconds", vectors.Acceptable, []string{"DateTimeFrac"}, replaced(f.Name, `"2019-04-06T12:00:00.250Z"`), fullCanon, "", "NOTE-DATETIME")
	}
	if f, ok := firstOf(func(f spec.Field) bool { return f.Type == "Integer" && !f.Repeated }); ok {
		add("integer-fraction", "member "+f.Name+" has a fraction", vectors.Invalid, []string{"IntegerRange"}, replaced(f.Name, "1.5"), "", vectors.ErrInteger, "")
		add("integer-overflow", "member "+f.Name+" exceeds 32 bits", vectors.Invalid, []string{"IntegerRange"}, replaced(f.Name, "2147483648"), "", vectors.ErrInteger, "")
	}
	if f, ok := firstOf(func(f spec.Field) bool { return f.Type == "String" && !f.Repeated }); ok {
		add("string-over-limit", fmt.Sprintf("member %s is %d bytes, over the group's maxString", f.Name, StructureLimits.MaxString+1), vectors.Invalid, []string{"OverLimit"}, replaced(f.Name, `"`+strings.Repeat("a", StructureLimits.MaxString+1)+`"`), "", vectors.ErrLimit, "NOTE-LIMITS")
	}
	if f, ok := firstOf(func(f spec.Field) bool { return f.Repeated && f.Type == "String" }); ok {
		elems := make([]string, StructureLimits.MaxArray+1)
		for i := range elems {
			elems[i] = `"x"`
		}
		add("array-over-limit", fmt.Sprintf("member %s has %d elements, over the group's maxArray", f.Name, len(elems)), vectors.Invalid, []string{"OverLimit"}, replaced(f.Name, "["+strings.Join(elems, ",")+"]"), "", vectors.ErrLimit, "NOTE-LIMITS")
	}
	deep := strings.Repeat(`{"n":`, StructureLimits.MaxDepth) + "1" + strings.Repeat("}", StructureLimits.MaxDepth)
	add("depth-over-limit", fmt.Sprintf("an unknown member nested %d deep, over the group's maxDepth", StructureLimits.MaxDepth), vectors.Invalid, []string{"OverLimit"}, withMember(`"Deep":`+deep), "", vectors.ErrLimit, "NOTE-LIMITS")
	if len(fields) > 0 {
		// The bare object's first member then stands where the tag should be; when that member's
		// name happens to be a structure's (CatalogEntryTask.Task), its value has the wrong shape.
		class := vectors.ErrTag
		if st, isStructure := s.Structure(fields[0].Name); isStructure && !st.Abstract {
			class = vectors.ErrType
		}
		add("missing-tag", "the bare object without its tag", vectors.Invalid, []string{"MissingTag"}, inner, "", class, "NOTE-TAGGED-FIELDS")
	}
	add("unknown-tag", "tagged with a name that is no structure", vectors.Invalid, []string{"WrongTag"}, `{"NoSuch`+tag+`":`+inner+`}`, "", vectors.ErrTag, "NOTE-TAGGED-FIELDS")
	add("two-tags", "a second member beside the tag", vectors.Invalid, []string{"TwoTags"}, strings.TrimSuffix(fullCanon, "}")+`,"Extra":{}}`, "", vectors.ErrTag, "NOTE-TAGGED-FIELDS")
	add("array-not-object", "an array where the object is required", vectors.Invalid, []string{"WrongShape"}, `{"`+tag+`":[]}`, "", vectors.ErrType, "")
	add("truncated", "the document cut short", vectors.Invalid, []string{"Syntax"}, fullCanon[:len(fullCanon)/2], "", vectors.ErrSyntax, "")
	add("trailing-comma", "a comma before the closing brace", vectors.Invalid, []string{"Syntax"}, withMember(`"x":1,`), "", vectors.ErrSyntax, "")
	return g, nil
}

func repeatedMark(f spec.Field) string {
	if f.Repeated {
		return " repeated"
	}
	return ""
}

// wrongValue returns a JSON value of the wrong kind for the field and the error class a lenient
// reader refuses it with.
func wrongValue(s *spec.Spec, f spec.Field) (string, string) {
	if f.Repeated {
		return `{"x":1}`, vectors.ErrType
	}
	switch f.Type {
	case "String", "Binary", "DateTime":
		return "42", vectors.ErrType
	case "Integer":
		return `"42"`, vectors.ErrType
	case "Boolean":
		return `"true"`, vectors.ErrType
	}
	if st, ok := s.Structure(f.Type); ok && (st.Abstract || f.Tagged) {
		return `{"crv":"Ed448"}`, vectors.ErrTag // an untagged object where a tagged one is needed
	}
	if f.Type == "DareMessage" {
		return `"not an envelope"`, vectors.ErrType
	}
	return `"not an object"`, vectors.ErrType
}

// structureFiles writes one file per structure family.
func structureFiles() ([]file, error) {
	s, err := spec.Load()
	if err != nil {
		return nil, err
	}
	var out []file
	for _, fam := range structureFamilies {
		f := vectors.File[vectors.StructureGroup]{Header: vectors.Header{
			Schema: "structure_decode_schema.json", SchemaVersion: vectors.SchemaVersion,
			Topic: strings.TrimSuffix(fam.file, ".json"), GeneratorVersion: Version,
			Description: []string{fam.title + ": decoding of every structure, valid, acceptable and invalid documents.",
				"Run each document through a decoder under the group's limits. valid: decode strictly and re-encode to canonical; acceptable: a lenient decoder takes it and re-encodes to canonical, a strict one may refuse it; invalid: refuse it (errorClass is the reason the reference gives)."},
			Notes: map[string]vectors.Note{},
		}}
		for _, st := range s.Schema.Structures {
			if st.Abstract || !hasPrefix(st.Section, fam.prefixes) {
				continue
			}
			g, err := structureGroup(s, st)
			if err != nil {
				return nil, err
			}
			f.TestGroups = append(f.TestGroups, g)
			for _, t := range g.Tests {
				f.NumberOfTests++
				for _, flag := range t.Flags {
					f.Notes[flag] = structureNotes[flag]
				}
			}
		}
		sort.SliceStable(f.TestGroups, func(i, j int) bool { return f.TestGroups[i].Structure < f.TestGroups[j].Structure })
		out = append(out, file{fam.file, f})
	}
	return out, nil
}

func hasPrefix(section string, prefixes []string) bool {
	for _, p := range prefixes {
		if section == p || strings.HasPrefix(section, p+".") {
			return true
		}
	}
	return false
}
