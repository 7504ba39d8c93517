package wire

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDecodeBase64(t *testing.T) {
	tests := []struct {
		in      string
		want    []byte
		wantErr bool
	}{
		{"", []byte{}, false},
		{"AQID", []byte{1, 2, 3}, false},
		{"AQI", []byte{1, 2}, false},
		{"AQI=", []byte{1, 2}, false},        // padding skipped
		{"AQ\n  ID", []byte{1, 2, 3}, false}, // the reference writer's wrapping
		{"-_8", []byte{0xfb, 0xff}, false},   // url alphabet
		{"+/8", nil, true},                   // standard alphabet is junk here
		{"AQ$D", nil, true},                  // junk
		{"A", nil, true},                     // no encoding has 1 char mod 4
		{"AQ=ID", []byte{1, 2, 3}, false},    // '=' anywhere is skipped, as NOTE-BASE64 says
	}
	for _, tc := range tests {
		got, err := DecodeBase64(tc.in)
		if tc.wantErr {
			var be *Base64Error
			if !errors.As(err, &be) {
				t.Errorf("DecodeBase64(%q) = %v, %v; want a Base64Error", tc.in, got, err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tc.want) {
			t.Errorf("DecodeBase64(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func TestDateTime(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"2019-04-06T12:00:00Z", "2019-04-06T12:00:00Z", true},
		{"2019-04-06T14:00:00+02:00", "2019-04-06T12:00:00Z", true},
		{"2019-04-06T12:00:00.999Z", "2019-04-06T12:00:00Z", true},
		{"2019-04-06", "", false},
		{"2019-02-30T00:00:00Z", "", false},
		{"yesterday", "", false},
		{"9999-12-31T20:00:00-07:00", "", false}, // year 10000 in UTC
		{"0001-01-01T00:00:00+01:00", "", false}, // year 0 in UTC
	}
	for _, tc := range tests {
		got, err := ParseDateTime(tc.in)
		if !tc.ok {
			if !errors.As(err, new(*DateTimeError)) {
				t.Errorf("ParseDateTime(%q) = %v, %v; want a DateTimeError", tc.in, got, err)
			}
			continue
		}
		if err != nil || FormatDateTime(got) != tc.want {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
	if s := FormatDateTime(time.Date(2019, 1, 1, 1, 0, 0, 0, time.FixedZone("x", -3600))); s != "2019-01-01T02:00:00Z" {
		t.Errorf("FormatDateTime in another zone = %s", s)
	}
}

func TestSkipEnforcesLimits(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		lim   Limits
		limit string
	}{
		{"depth", strings.Repeat("[", 5) + strings.Repeat("]", 5), Limits{MaxDepth: 4}, "depth"},
		{"array", "[1,2,3]", Limits{MaxArray: 2}, "array length"},
		{"members", `{"a":1,"b":2,"c":3}`, Limits{MaxArray: 2}, "member count"},
		{"string", `"abcdef"`, Limits{MaxString: 3}, "string length"},
		{"escaped string", `"ab\ncdef"`, Limits{MaxString: 3}, "string length"},
		{"number", strings.Repeat("1", 100), Limits{}, "number length"},
	}
	for _, tc := range tests {
		d, err := NewDecoder([]byte(tc.doc), tc.lim)
		if err == nil {
			err = d.Skip()
		}
		var le *LimitError
		if !errors.As(err, &le) || le.Limit != tc.limit {
			t.Errorf("%s: Skip = %v, want LimitError %q", tc.name, err, tc.limit)
		}
	}
	if _, err := NewDecoder(make([]byte, 11), Limits{MaxBytes: 10}); !errors.As(err, new(*LimitError)) {
		t.Errorf("body over MaxBytes: %v, want LimitError", err)
	}
}

func TestSkipSyntax(t *testing.T) {
	for _, doc := range []string{`{"a" 1}`, `[1 2]`, `{"a":1,}`, `[1,]`, `tru`, `01`, `1.`, `1e`, `-`, `"\x"`, "\"\x01\"", `{`, `"abc`, `{1:2}`} {
		d, _ := NewDecoder([]byte(doc), Limits{})
		if err := d.Skip(); !errors.As(err, new(*SyntaxError)) {
			if err == nil {
				err = d.End()
			}
			if !errors.As(err, new(*SyntaxError)) {
				t.Errorf("Skip(%q) = %v, want a SyntaxError", doc, err)
			}
		}
	}
	for _, doc := range []string{`{"a":[1,-2.5e+3,true,false,null,"\u00e9\ud83d\ude00"]}`, ` [ ] `, `0`, `-0.0E-0`} {
		d, _ := NewDecoder([]byte(doc), Limits{})
		if err := d.Skip(); err != nil {
			t.Errorf("Skip(%q) = %v", doc, err)
		} else if err := d.End(); err != nil {
			t.Errorf("End after %q = %v", doc, err)
		}
	}
}

func TestEncoderCommas(t *testing.T) {
	e := NewEncoder(nil)
	e.BeginObject()
	e.Name("a")
	e.BeginArray()
	e.Int32(1)
	e.String("x\"y")
	e.BeginObject()
	e.EndObject()
	e.Bool(false)
	e.EndArray()
	e.Name("b")
	e.Binary([]byte{1})
	e.EndObject()
	if got, want := string(e.Bytes()), `{"a":[1,"x\"y",{},false],"b":"AQ"}`; got != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
}
