package targets

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// TestSeedCorporaPassEveryProperty runs every seed through its target's check: the corpora a
// campaign starts from must hold every property, and most seeds must be accepted, or the
// fuzzer would start from nothing the parser takes.
func TestSeedCorporaPassEveryProperty(t *testing.T) {
	for _, tg := range All() {
		t.Run(tg.Name, func(t *testing.T) {
			seeds, err := tg.Seeds("")
			if err != nil {
				t.Fatal(err)
			}
			if len(seeds) == 0 {
				t.Fatal("empty seed corpus")
			}
			accepted := 0
			for i, s := range seeds {
				out, err := tg.Check(s)
				if err != nil {
					t.Fatalf("seed %d %q: %v", i, clip(s), err)
				}
				if out == Accepted {
					accepted++
				}
			}
			if accepted*2 < len(seeds) {
				t.Errorf("only %d of %d seeds accepted", accepted, len(seeds))
			}
		})
	}
}

func TestSeedsAreDeterministic(t *testing.T) {
	for _, tg := range All() {
		a, err1 := tg.Seeds("")
		b, err2 := tg.Seeds("")
		if err1 != nil || err2 != nil || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: seeds differ between calls (%v, %v)", tg.Name, err1, err2)
		}
	}
}

// TestChecksCatchViolations feeds each check a crafted input or error that breaks its
// property, so that a check that always passes cannot go unnoticed.
func TestChecksCatchViolations(t *testing.T) {
	cases := []struct {
		name string
		err  error
	}{
		{"untyped decode error", checkDecodeError("T", errors.New("plain"), 10)},
		{"decode error with untyped cause", checkDecodeError("T", &mesh.DecodeError{Err: errors.New("plain")}, 10)},
		{"decode error offset outside the input", checkDecodeError("T", &mesh.DecodeError{Offset: 11, Err: &wire.SyntaxError{}}, 10)},
		{"mesh cause from the bare scanner", checkWireCause("T", &mesh.TagError{}, false)},
		{"too deep", checkLimits("T", []byte(`[[[]]]`), wire.Limits{MaxBytes: 100, MaxDepth: 2, MaxString: 10, MaxArray: 10})},
		{"string too long", checkLimits("T", []byte(`{"abcdef":1}`), wire.Limits{MaxBytes: 100, MaxDepth: 2, MaxString: 5, MaxArray: 10})},
		{"escaped string too long", checkLimits("T", []byte(`["\u00e9\u00e9\u00e9"]`), wire.Limits{MaxBytes: 100, MaxDepth: 2, MaxString: 5, MaxArray: 10})},
		{"too many members", checkLimits("T", []byte(`{"a":1,"b":2,"c":3}`), wire.Limits{MaxBytes: 100, MaxDepth: 2, MaxString: 5, MaxArray: 2})},
		{"too many elements", checkLimits("T", []byte(`[1,[2,3,4]]`), wire.Limits{MaxBytes: 100, MaxDepth: 2, MaxString: 5, MaxArray: 2})},
		{"too big", checkLimits("T", []byte(`[1,2]`), wire.Limits{MaxBytes: 4, MaxDepth: 2, MaxString: 5, MaxArray: 2})},
		{"number too long", checkLimits("T", []byte("[1"+strings.Repeat("0", 64)+"]"), wire.Limits{MaxBytes: 100, MaxDepth: 2, MaxString: 5, MaxArray: 2})},
		{"not JSON", checkLimits("T", []byte(`{"a":}`), wire.DefaultLimits)},
		{"unstable encoding", sameEncoding("T", []byte(`{"a":1}`), []byte(`{"a":2}`))},
	}
	for _, c := range cases {
		var pe *PropertyError
		if !errors.As(c.err, &pe) {
			t.Errorf("%s: got %v, want a PropertyError", c.name, c.err)
		}
	}
}

// TestMeasure pins the independent limit measure on documents whose shape is known.
func TestMeasure(t *testing.T) {
	cases := []struct {
		doc  string
		want shape
	}{
		{`{}`, shape{depth: 1}},
		{`{"ab":[1,2,3],"c":{"d":null}}`, shape{depth: 2, str: 2, count: 3, number: 1}},
		{`["\ud83d\ude00", "\n", "é"]`, shape{depth: 1, str: 4, count: 3}},
		{` -12.5e+10 `, shape{number: 9}},
		{`[true,false,null,"x:y"]`, shape{depth: 1, str: 3, count: 4}},
	}
	for _, c := range cases {
		if got := measure([]byte(c.doc)); got != c.want {
			t.Errorf("measure(%s) = %+v, want %+v", c.doc, got, c.want)
		}
	}
}

// TestChecksOnKnownInputs pins the outcome of each target on inputs whose fate is known.
func TestChecksOnKnownInputs(t *testing.T) {
	cases := []struct {
		target *Target
		input  string
		want   Outcome
	}{
		{DecodeRequest, `{"ValidateAccount":{"Account":"alice@example.com"}}`, Accepted},
		{DecodeRequest, `{"ValidateRequest":{"Account":"alice@example.com","Extra":[1]}}`, Accepted},
		{DecodeRequest, `{"NoSuchThing":{}}`, Rejected},
		{DecodeResponse, `{"ValidateResponse":{"Status":201,"Valid":true}}`, Accepted},
		{DecodeResponse, `{"ValidateAccount":{}}`, Rejected},
		{Unmarshal, `{"KeyValue":{"Key":"k","Value":"v"}}`, Accepted},
		{Unmarshal, `{"KeyValue":{"Key":1}}`, Rejected},
		{UnmarshalBare, "\x00{}", Accepted},
		{Base64, "QUJD\n  RA", Accepted},
		{Base64, "QUJD!", Rejected},
		{DateTime, "2019-04-01T12:30:45.5-01:30", Accepted},
		{DateTime, "2019-04-01 12:30:45", Rejected},
		{Scanner, `{"a":[1,2,{"b":"c"}]}`, Accepted},
		{Scanner, `[[[[[[[1]]]]]]]`, Rejected},
		{Scanner, `{"a":1,}`, Rejected},
		{UDF, "MDDK-7N6A-727A-JZNO-STRX", Accepted},
		{UDF, "MDDK7N6A-727A", Rejected},
		{KeyFile, `{"PublicKeyECDH":{"crv":"X25519","Public":"` + strings.Repeat("A", 43) + `"}}`, Accepted},
		{KeyFile, `{"PublicKeyECDH":{"crv":"P-256"}}`, Rejected},
		{DareParse, `[{},"AA"]`, Accepted},
		{DareParse, `[{}]`, Rejected},
		// The 2019 writer's raw line breaks inside a base64 string, which dare.Parse unwraps.
		{DareParse, "[{},\"aGVs\n  bG8\"]", Accepted},
		{DareVerify, `{"DareMessage":[{"dig":"S512"},"AA",{"signatures":[{"kid":"MDDK","signature":"AA"}],"PayloadDigest":"AA"}]}`, Rejected},
		{DareDecrypt, `[{},"aGVsbG8"]`, Accepted},
		{Shamir, "not a share", Rejected},
		{JSONBaseline, `{"a":1}`, Accepted},
	}
	for _, c := range cases {
		got, err := c.target.Check([]byte(c.input))
		if err != nil || got != c.want {
			t.Errorf("%s(%q) = %v, %v; want %v", c.target.Name, c.input, got, err, c.want)
		}
	}
}

func TestVectorSeeds(t *testing.T) {
	dir := t.TempDir()
	file := `{"algorithm":"mesh","tests":[{"tcId":1,"wire":"{\"ValidateAccount\":{}}","msg":{"HelloRequest":{}},"udf":"MDDK-7N6A"}]}`
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte(file), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ignored.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := VectorSeeds(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{`{"ValidateAccount":{}}`: false, `{"HelloRequest":{}}`: false, "MDDK-7N6A": false, "mesh": false}
	for _, s := range got {
		if _, ok := want[string(s)]; ok {
			want[string(s)] = true
		}
		if string(s) == file {
			t.Error("the vector file itself was offered as a seed")
		}
	}
	for s, found := range want {
		if !found {
			t.Errorf("seed %q missing from %q", s, got)
		}
	}
	if none, err := VectorSeeds(filepath.Join(dir, "absent")); err != nil || len(none) != 0 {
		t.Errorf("absent directory: %q, %v", none, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "b.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := VectorSeeds(dir); err == nil {
		t.Error("a malformed vector file was not reported")
	}
}

func TestUnwrapped(t *testing.T) {
	cases := map[string]string{
		`{"a":"b"}`:                     `{"a":"b"}`,
		"{\n  \"a\": \"QU\r\n  JD\"\n}": `{"a": "QUJD"}`,
		"[\"x\\\n  n\"]":                `["x\n"]`,
	}
	for in, want := range cases {
		if got := string(unwrapped([]byte(in))); got != want {
			t.Errorf("unwrapped(%q) = %q, want %q", in, got, want)
		}
	}
}
