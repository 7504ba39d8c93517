package live

import (
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// TestValidJSON: the texts at the edges of RFC 8259 and of encoding/json's nesting bound.
func TestValidJSON(t *testing.T) {
	long := strings.Repeat("abcdefgh", 40)
	for _, c := range []struct {
		text string
		want bool
	}{
		{`{}`, true}, {`[]`, true}, {` { "a" : [ 1 , -0.5e+3 , true , false , null , "" ] } `, true},
		{`"` + long + `"`, true}, {`"` + long + `\u00e9\n\"` + long + `"`, true}, {"\"" + long + "\xff\xfe\"", true},
		{`"` + long + "\x1f" + long + `"`, false}, {`"` + long + `\x"`, false}, {`"` + long + `\u12g4"`, false},
		{`"` + long, false}, {`"\u123"`, false}, {`"\`, false},
		{strings.Repeat("[", maxNesting) + strings.Repeat("]", maxNesting), true},
		{strings.Repeat("[", maxNesting+1) + strings.Repeat("]", maxNesting+1), false},
		{strings.Repeat(`{"a":`, maxNesting) + "1" + strings.Repeat("}", maxNesting), true},
		{``, false}, {` `, false}, {`01`, false}, {`-`, false}, {`1.`, false}, {`1e`, false}, {`1e+`, false},
		{`.5`, false}, {`+1`, false}, {`tru`, false}, {`truex`, false}, {`nul`, false}, {`{"a"}`, false},
		{`{"a":1,}`, false}, {`[1,]`, false}, {`[1 2]`, false}, {`{"a":1}}`, false}, {`{} {}`, false},
		{`{1:2}`, false}, {`[1:2]`, false}, {`{"a",1}`, false}, {`{"a":1:2}`, false}, {`[}`, false}, {`{]`, false}, {"\v1", false},
	} {
		if got := validJSON([]byte(c.text)); got != c.want {
			t.Errorf("validJSON(%.60q) = %v, want %v", c.text, got, c.want)
		}
		if got := json.Valid([]byte(c.text)); got != c.want {
			t.Errorf("json.Valid(%.60q) = %v: the table is wrong", c.text, got)
		}
	}
}

// TestValidJSONMatchesEncodingJSON: validJSON and json.Valid agree on JSON texts and on texts
// a few bytes away from one (bytes inserted, dropped or replaced by ones the grammar turns on).
func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	edits := rapid.SampledFrom([]string{
		"\x00", "\x1f", " ", "\"", `\`, "u", "0", "1", "-", "+", ".", "e", "E", "{", "}", "[", "]", ",", ":",
		"t", "n", "\xff", "é", "a", "abcdefghij",
	})
	rapid.Check(t, func(t *rapid.T) {
		parts := []string{rapid.SampledFrom([]string{"", "abcdefgh", strings.Repeat("x", 20)}).Draw(t, "pad")}
		base := jsonText(3, parts[0]+`\n`+parts[0], parts[0]).Draw(t, "text")
		if got, want := validJSON([]byte(base)), json.Valid([]byte(base)); got != want {
			t.Fatalf("%q: validJSON %v, json.Valid %v", base, got, want)
		}
		for range 20 { // texts near base: where most of validJSON's refusals are decided
			text := base
			for range rapid.IntRange(1, 3).Draw(t, "edits") {
				at := rapid.IntRange(0, len(text)).Draw(t, "at")
				switch rapid.IntRange(0, 2).Draw(t, "kind") {
				case 0:
					text = text[:at] + edits.Draw(t, "insert") + text[at:]
				case 1:
					if at < len(text) {
						text = text[:at] + text[at+1:]
					}
				default:
					if at < len(text) {
						text = text[:at] + edits.Draw(t, "replace") + text[at+1:]
					}
				}
			}
			if got, want := validJSON([]byte(text)), json.Valid([]byte(text)); got != want {
				t.Fatalf("%q: validJSON %v, json.Valid %v", text, got, want)
			}
		}
	})
}

// BenchmarkValidJSON sets validJSON beside json.Valid on the bodies the oracle validates: a
// small request, and one carrying a huge-string mutation's 600 KiB.
func BenchmarkValidJSON(b *testing.B) {
	small := []byte(`{"ConnectPending":{"AccountID":"fz000001-main0@localhost","SearchConstraints":{"MaxEntries":3}}}`)
	huge := []byte(`{"Publish":{"Entry":{"Header":{"Dig":"S512"},"Payload":"` + strings.Repeat("A", 600<<10) + `"}}}`)
	for _, body := range []struct {
		name string
		b    []byte
	}{{"small", small}, {"huge-string", huge}} {
		for _, v := range []struct {
			name  string
			valid func([]byte) bool
		}{{"validJSON", validJSON}, {"json.Valid", json.Valid}} {
			b.Run(body.name+"/"+v.name, func(b *testing.B) {
				b.SetBytes(int64(len(body.b)))
				for b.Loop() {
					if !v.valid(body.b) {
						b.Fatal("invalid")
					}
				}
			})
		}
	}
}
