package mesh

import (
	"bytes"
	"os"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/meshconform/meshconform/reference/mesh/internal/gen"
	"github.com/meshconform/meshconform/spec"
)

// goTypeFor says which Go type a schema field must have. It is written independently of the
// generator, so that a generator bug shows up here.
func goTypeFor(t *testing.T, s *spec.Spec, f spec.Field) reflect.Type {
	t.Helper()
	var elem reflect.Type
	optionalPtr := false
	switch f.Type {
	case "String":
		elem = reflect.TypeOf("")
	case "Binary":
		elem = reflect.TypeOf([]byte(nil))
	case "Integer":
		elem, optionalPtr = reflect.TypeOf(int32(0)), true
	case "Boolean":
		elem, optionalPtr = reflect.TypeOf(false), true
	case "DateTime":
		elem, optionalPtr = reflect.TypeOf(time.Time{}), true
	default:
		st, ok := s.Structure(f.Type)
		if !ok {
			t.Fatalf("field %s has unknown type %s", f.Name, f.Type)
		}
		if st.Abstract {
			elem = abstractGoType(t, st.Name)
		} else {
			v, ok := New(st.Name)
			if !ok {
				t.Fatalf("no Go type for structure %s", st.Name)
			}
			elem, optionalPtr = reflect.TypeOf(v).Elem(), true
		}
	}
	if f.Repeated {
		return reflect.SliceOf(elem)
	}
	if optionalPtr {
		return reflect.PointerTo(elem)
	}
	return elem
}

// abstractGoType maps an abstract structure to its Go interface.
func abstractGoType(t *testing.T, name string) reflect.Type {
	t.Helper()
	ifaces := map[string]reflect.Type{
		"Key":                reflect.TypeOf((*Key)(nil)).Elem(),
		"Profile":            reflect.TypeOf((*Profile)(nil)).Elem(),
		"ProfileApplication": reflect.TypeOf((*ProfileApplication)(nil)).Elem(),
		"CatalogEntry":       reflect.TypeOf((*CatalogEntry)(nil)).Elem(),
		"MeshMessage":        reflect.TypeOf((*MeshMessage)(nil)).Elem(),
		"MeshRequest":        reflect.TypeOf((*MeshRequest)(nil)).Elem(),
		"MeshResponse":       reflect.TypeOf((*MeshResponse)(nil)).Elem(),
	}
	typ, ok := ifaces[name]
	if !ok {
		t.Fatalf("abstract structure %s has no Go interface", name)
	}
	return typ
}

// TestTypesMatchSchema proves the Go types and spec/ agree field for field, both ways.
func TestTypesMatchSchema(t *testing.T) {
	s := spec.MustLoad()
	inSchema := map[string]bool{}
	for _, st := range s.Schema.Structures {
		inSchema[st.Name] = true
		if st.Abstract {
			iface := abstractGoType(t, st.Name)
			for _, sub := range s.Subtypes(st.Name) {
				v, _ := New(sub)
				if !reflect.TypeOf(v).Implements(iface) {
					t.Errorf("%s inherits %s in the schema but its Go type does not implement it", sub, st.Name)
				}
			}
			continue
		}
		v, ok := New(st.Name)
		if !ok {
			t.Errorf("schema structure %s has no Go type", st.Name)
			continue
		}
		if st.Kind == "envelope" {
			continue // DareMessage is an array; checked by its own tests
		}
		typ := reflect.TypeOf(v).Elem()
		want := s.AllFields(st.Name)
		if typ.NumField() != len(want) {
			t.Errorf("%s: Go has %d fields, schema %d", st.Name, typ.NumField(), len(want))
		}
		for i := 0; i < typ.NumField() && i < len(want); i++ {
			gf := typ.Field(i)
			if tag := gf.Tag.Get("mesh"); tag != want[i].Name {
				t.Errorf("%s field %d: Go wire name %q, schema %q", st.Name, i, tag, want[i].Name)
			}
			if wt := goTypeFor(t, s, want[i]); gf.Type != wt {
				t.Errorf("%s.%s: Go type %v, schema implies %v", st.Name, want[i].Name, gf.Type, wt)
			}
		}
	}
	tags := Tags()
	sort.Strings(tags)
	for _, tag := range tags {
		if !inSchema[tag] {
			t.Errorf("Go type %s is not in the schema", tag)
		}
	}
	for _, a := range AbstractTypes() {
		if st, ok := s.Structure(a); !ok || !st.Abstract {
			t.Errorf("Go interface %s is not an abstract structure of the schema", a)
		}
	}
	if len(Transactions()) != len(s.Schema.Transactions) {
		t.Errorf("Go knows %d transactions, schema %d", len(Transactions()), len(s.Schema.Transactions))
	}
	for _, tx := range s.Schema.Transactions {
		got, ok := LookupTransaction(tx.Name)
		if !ok || got.Request != tx.Request || got.Response != tx.Response {
			t.Errorf("transaction %s: Go %+v, schema %s/%s", tx.Name, got, tx.Request, tx.Response)
		}
	}
}

// TestGeneratedCodeIsCurrent fails when schema.json changed without `go generate`.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	schema, err := os.ReadFile("../../spec/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := gen.Generate(schema)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("types_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, have) {
		t.Fatal("types_gen.go is stale: run `go generate ./reference/mesh`")
	}
}
