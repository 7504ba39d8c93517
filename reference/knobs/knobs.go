// Package knobs reads and sets misbehaviour switches in the manner of BoGo's ProtocolBugs: a
// struct of bool fields, each tagged `bug:"kebab-name" doc:"what it breaks"`. The reference
// portal and the reference client both declare theirs this way. The same reading serves the
// allowances (tag `allow`): behaviours the documents permit that the reference does not
// happen to produce.
package knobs

import (
	"fmt"
	"reflect"
	"sort"
)

// Tag names the struct tag a set of switches is declared with.
type Tag string

// The tags.
const (
	Bug   Tag = "bug"
	Allow Tag = "allow"
)

// Info describes one knob.
type Info struct {
	Name string // kebab-case --bug name
	Doc  string
}

// UnknownError is returned by Set for a name that is no knob.
type UnknownError struct {
	Name string
	Tag  Tag // "" reads as Bug
}

func (e *UnknownError) Error() string {
	tag := e.Tag
	if tag == "" {
		tag = Bug
	}
	return fmt.Sprintf("unknown %s %q (see --list-%ss)", tag, e.Name, tag)
}

// List returns every knob of the struct value set, sorted by name.
func List(set any) []Info { return Bug.List(set) }

// Set turns on the knob with the given name in the struct set points to.
func Set(set any, name string) error { return Bug.Set(set, name) }

// Enabled lists the names of the knobs that are on in the struct value set.
func Enabled(set any) []string { return Bug.Enabled(set) }

// List returns every switch of the struct value set, sorted by name.
func (tag Tag) List(set any) []Info {
	t := reflect.TypeOf(set)
	out := make([]Info, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		out = append(out, Info{Name: f.Tag.Get(string(tag)), Doc: f.Tag.Get("doc")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Set turns on the switch with the given name in the struct set points to.
func (tag Tag) Set(set any, name string) error {
	v := reflect.ValueOf(set).Elem()
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get(string(tag)) == name {
			v.Field(i).SetBool(true)
			return nil
		}
	}
	return &UnknownError{Name: name, Tag: tag}
}

// Enabled lists the names of the switches that are on in the struct value set.
func (tag Tag) Enabled(set any) []string {
	v := reflect.ValueOf(set)
	var out []string
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).Bool() {
			out = append(out, v.Type().Field(i).Tag.Get(string(tag)))
		}
	}
	return out
}
