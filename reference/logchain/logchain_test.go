package logchain

import (
	"errors"
	"testing"
)

func TestServeAndRecordRoundTrip(t *testing.T) {
	rec := []byte(`{"LogRecord":{"Index":1,"Transaction":"Publish"}}`)
	c, err := Next("", rec)
	if err != nil {
		t.Fatal(err)
	}
	served := Serve(rec, c)
	if want := `{"LogRecord":{"Index":1,"Transaction":"Publish","Chain":"` + c + `"}}`; string(served) != want {
		t.Fatalf("Serve = %s, want %s", served, want)
	}
	back, err := Record(served, c)
	if err != nil || string(back) != string(rec) {
		t.Fatalf("Record = %s, %v; want the record back", back, err)
	}
	if err := Link("", served, c); err != nil {
		t.Errorf("Link of a record to the empty chain: %v", err)
	}
	next, _ := Next(c, rec)
	if next == c {
		t.Error("the chain does not depend on the previous Chain")
	}
}

func TestRefusals(t *testing.T) {
	rec := []byte(`{"LogRecord":{"Index":2}}`)
	c, _ := Next("PREV", rec)
	for _, tc := range []struct {
		name   string
		prev   string
		served []byte
		chain  string
		want   error
	}{
		{"other previous chain", "OTHER", Serve(rec, c), c, ErrLink},
		{"no chain", "PREV", rec, "", ErrEncoding},
		{"chain not last", "PREV", []byte(`{"LogRecord":{"Chain":"` + c + `","Index":2}}`), c, ErrEncoding},
		{"served chain differs", "PREV", Serve(rec, c), "MAAA-AAAA", ErrEncoding},
		{"too short", "PREV", []byte(`}`), c, ErrEncoding},
	} {
		if err := Link(tc.prev, tc.served, tc.chain); !errors.Is(err, tc.want) {
			t.Errorf("%s: Link = %v, want %v", tc.name, err, tc.want)
		}
	}
}
