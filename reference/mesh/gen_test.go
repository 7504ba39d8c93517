package mesh

import (
	"reflect"
	"time"

	"pgregory.net/rapid"
)

// keyTypes are the concrete types a Key interface field may hold.
var keyTypes = []func() Structure{
	func() Structure { return new(PublicKeyECDH) },
	func() Structure { return new(PrivateKeyECDH) },
}

// genValue draws a random value for any Go type of this package, following the wire's
// conventions: absent optional fields are nil, strings are valid UTF-8, times are whole seconds.
func genValue(t *rapid.T, typ reflect.Type, depth int) reflect.Value {
	v := reflect.New(typ).Elem()
	switch typ.Kind() {
	case reflect.String:
		v.SetString(rapid.StringN(0, 12, -1).Draw(t, "s"))
	case reflect.Bool:
		v.SetBool(rapid.Bool().Draw(t, "b"))
	case reflect.Int32:
		v.SetInt(int64(rapid.Int32().Draw(t, "i")))
	case reflect.Uint8:
		v.SetUint(uint64(rapid.Byte().Draw(t, "byte")))
	case reflect.Slice:
		if depth > 3 || !rapid.Bool().Draw(t, "present") {
			return v
		}
		n := rapid.IntRange(1, 3).Draw(t, "n")
		if typ.Elem().Kind() == reflect.Uint8 {
			n = rapid.IntRange(1, 40).Draw(t, "bytes")
		}
		s := reflect.MakeSlice(typ, n, n)
		for i := 0; i < n; i++ {
			s.Index(i).Set(genValue(t, typ.Elem(), depth+1))
		}
		return s
	case reflect.Pointer:
		if depth > 3 || !rapid.Bool().Draw(t, "present") {
			return v
		}
		p := reflect.New(typ.Elem())
		p.Elem().Set(genValue(t, typ.Elem(), depth+1))
		return p
	case reflect.Interface:
		if depth > 3 || !rapid.Bool().Draw(t, "present") {
			return v
		}
		k := keyTypes[rapid.IntRange(0, len(keyTypes)-1).Draw(t, "key")]()
		kv := reflect.ValueOf(k)
		kv.Elem().Set(genValue(t, kv.Elem().Type(), depth+1))
		if !kv.Type().Implements(typ) {
			return v
		}
		v.Set(kv)
	case reflect.Struct:
		if typ == reflect.TypeOf(time.Time{}) {
			sec := rapid.Int64Range(0, 4102444800).Draw(t, "sec")
			v.Set(reflect.ValueOf(time.Unix(sec, 0).UTC()))
			return v
		}
		for i := 0; i < typ.NumField(); i++ {
			v.Field(i).Set(genValue(t, typ.Field(i).Type, depth+1))
		}
		if typ == reflect.TypeOf(DareMessage{}) && v.Field(0).IsNil() {
			// A DARE envelope always has a header on the wire: nil is written as {}.
			v.Field(0).Set(reflect.ValueOf(&DareHeader{}))
		}
	}
	return v
}

// genStructure draws a random value of the concrete structure with the given tag.
func genStructure(tag string) *rapid.Generator[Structure] {
	return rapid.Custom(func(t *rapid.T) Structure {
		_ = rapid.Bool().Draw(t, "draw") // an empty structure still draws, as rapid requires
		s, _ := New(tag)
		rv := reflect.ValueOf(s).Elem()
		rv.Set(genValue(t, rv.Type(), 0))
		return s
	})
}
