package expect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc, where, want string
	}{
		{"not JSON", `{`, "", "parse"},
		{"unknown member", `{"version":1,"disabld":[]}`, "", "unknown field"},
		{"unknown member in entry", `{"version":1,"disabled":[{"check":"a","reason":"r","category":"known-bug","why":"x"}]}`, "", "unknown field"},
		{"wrong version", `{"version":2}`, "version", "version 2"},
		{"missing version", `{}`, "version", "version 0"},
		{"bad glob", `{"version":1,"disabled":[{"check":"a[","reason":"r","category":"known-bug"}]}`, "disabled[0]", "bad check glob"},
		{"empty glob", `{"version":1,"expectedFailures":[{"check":"","reason":"r"}]}`, "expectedFailures[0]", "empty"},
		{"no reason", `{"version":1,"disabled":[{"check":"a","category":"known-bug"}]}`, "disabled[0]", "reason"},
		{"bad category", `{"version":1,"disabled":[{"check":"a","reason":"r","category":"flaky"}]}`, "disabled[0]", "category"},
		{"bad message regexp", `{"version":1,"expectedFailures":[{"check":"a","reason":"r","message":"("}]}`, "expectedFailures[0]", "message"},
		{"trailing data", `{"version":1} {}`, "", "trailing"},
	}
	for _, tc := range tests {
		_, err := Parse("x.json", strings.NewReader(tc.doc))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: want *Error, got %v", tc.name, err)
			continue
		}
		if e.Where != tc.where || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "x.json") {
			t.Errorf("%s: got %q (where %q)", tc.name, err, e.Where)
		}
	}
	_, err := Parse("x.json", strings.NewReader(`{"version":1,"disabled":[{"check":"a[","reason":"r","category":"known-bug"}]}`))
	if !errors.Is(err, ErrBadGlob) {
		t.Errorf("bad glob does not wrap ErrBadGlob: %v", err)
	}
}

func TestMatching(t *testing.T) {
	f, err := Parse("x.json", strings.NewReader(`{"version":1,
		"disabled":[{"check":"status.*","reason":"no Status","category":"not-implemented"},
		            {"check":"status.basic","reason":"shadowed","category":"known-bug"}],
		"expectedFailures":[{"check":"validate.*","reason":"bug 1","message":"InvalidCharacters"},
		                    {"check":"create.dup","reason":"bug 2"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := f.DisabledFor("status.basic")
	if !ok || d.Reason != "no Status" {
		t.Errorf("first matching disabled entry wins, got %+v", d)
	}
	if _, ok := f.DisabledFor("validate.x"); ok {
		t.Error("validate.x is not disabled")
	}
	x, ok := f.ExpectedFailureFor("validate.chars")
	if !ok {
		t.Fatal("no expected failure")
	}
	tests := []struct {
		msg  string
		want bool
	}{
		{"'!' missing from InvalidCharacters", true},
		{"Status 500", false},
	}
	for _, tc := range tests {
		if got := x.Matches(tc.msg); got != tc.want {
			t.Errorf("Matches(%q) = %v", tc.msg, got)
		}
	}
	y, _ := f.ExpectedFailureFor("create.dup")
	if !y.Matches("anything at all") {
		t.Error("an unpinned expectation matches every message")
	}
	unused := f.Unused([]string{"status.basic", "validate.chars"})
	if len(unused) != 1 || !strings.Contains(unused[0], "create.dup") {
		t.Errorf("unused = %v", unused)
	}
	var nilFile *File
	if _, ok := nilFile.DisabledFor("a"); ok {
		t.Error("a nil file disables nothing")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "expect.json")
	if err := os.WriteFile(p, []byte(`{"version":1,"disabled":[],"expectedFailures":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err != nil {
		t.Errorf("load: %v", err)
	}
	ex, err := Load(filepath.Join("testdata", "example.json"))
	if err != nil {
		t.Fatalf("the documented example must load: %v", err)
	}
	if len(ex.Disabled) != 2 || len(ex.ExpectedFailures) != 2 {
		t.Errorf("example: %+v", ex)
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
