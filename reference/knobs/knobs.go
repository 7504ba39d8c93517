// Package knobs reads and sets switches declared as a struct of bool fields in the manner of
// BoGo's ProtocolBugs. Misbehaviour knobs are tagged `bug:"kebab-name" doc:"what it breaks"`
// (the reference portal and the reference client declare theirs this way); the portal's
// allowances, behaviours the documents permit, are tagged `allow:"kebab-name" doc:"..."`.
package knobs

import (
	"fmt"
	"reflect"
	"sort"
)

// Info describes one switch.
type Info struct {
	Name string // kebab-case --bug or --allow name
	Doc  string
	// Tag is the field's whole struct tag, for the declaring package's own keys.
	Tag reflect.StructTag
}

// UnknownError is returned by Set for a name that is no switch.
type UnknownError struct {
	Name string
	// Kind is the tag key of the set: "bug" or "allow".
	Kind string
}

func (e *UnknownError) Error() string {
	if e.Kind == "allow" {
		return fmt.Sprintf("unknown allowance %q (see --list-allowances)", e.Name)
	}
	return fmt.Sprintf("unknown bug %q (see --list-bugs)", e.Name)
}

// nameKeys are the tag keys that name a switch.
var nameKeys = []string{"bug", "allow"}

// name returns a field's switch name and the tag key that gave it.
func name(f reflect.StructField) (string, string) {
	for _, k := range nameKeys {
		if n := f.Tag.Get(k); n != "" {
			return n, k
		}
	}
	return "", ""
}

// List returns every switch of the struct value set, sorted by name.
func List(set any) []Info {
	t := reflect.TypeOf(set)
	out := make([]Info, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		n, _ := name(f)
		out = append(out, Info{Name: n, Doc: f.Tag.Get("doc"), Tag: f.Tag})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Set turns on the switch with the given name in the struct set points to.
func Set(set any, n string) error {
	v := reflect.ValueOf(set).Elem()
	t := v.Type()
	kind := "bug"
	for i := 0; i < t.NumField(); i++ {
		fn, k := name(t.Field(i))
		kind = k
		if fn == n {
			v.Field(i).SetBool(true)
			return nil
		}
	}
	return &UnknownError{Name: n, Kind: kind}
}

// Enabled lists the names of the switches that are on in the struct value set.
func Enabled(set any) []string {
	v := reflect.ValueOf(set)
	var out []string
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).Bool() {
			n, _ := name(v.Type().Field(i))
			out = append(out, n)
		}
	}
	return out
}
