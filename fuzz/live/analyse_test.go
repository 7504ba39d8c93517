package live

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"pgregory.net/rapid"
)

// TestAnalyse: what the oracle reads of a sent body, from its top level only.
func TestAnalyse(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	for _, c := range []struct {
		body string
		want sentRequest
	}{
		{`{"Hello":{}}`, sentRequest{form: formNamed, tx: "Hello"}},
		{`{"HelloRequest":{}}` + strings.Repeat(" ", 1<<20), sentRequest{form: formNamed, tx: "Hello"}},
		{`{"Hello":{},"Get":{}}`, sentRequest{form: formAmbiguous, tx: "Hello"}},
		{`{"Hello":` + deep + `}`, sentRequest{form: formNamed, tx: "Hello"}},
		{`{"Hello":` + deep + `,"x":1}`, sentRequest{form: formAmbiguous, tx: "Hello"}},
		{`{"Hello":1}`, sentRequest{form: formNamed, tx: "Hello"}},
		{`{"Hello":-1.5e3 , "x":1}`, sentRequest{form: formAmbiguous, tx: "Hello"}},
		{`{"Hello":"a\"},{\\","x":1}`, sentRequest{form: formAmbiguous, tx: "Hello"}},
		{`{"Hello":["}",{"]":"{"}]}`, sentRequest{form: formNamed, tx: "Hello"}},
		{`{"\u0048ello":null}`, sentRequest{form: formNamed, tx: "Hello"}}, // an escaped name
		{" \t\r\n{ \"Hello\" : true } \n", sentRequest{form: formNamed, tx: "Hello"}},
		{`{"Nothing":{}}`, sentRequest{}},
		{`{}`, sentRequest{}},
		{`[{"Hello":{}}]`, sentRequest{}},
		{`{"Hello":{}}{}`, sentRequest{}},       // trailing data
		{`{"Hello":{}`, sentRequest{}},          // truncated
		{`{"Hello":{}} x`, sentRequest{}},       // trailing garbage after white space
		{"{\"Hello\":\"\xff\"}", sentRequest{}}, // not UTF-8
		{``, sentRequest{}},
		{`    `, sentRequest{}},
	} {
		if got := analyse([]byte(c.body)); got != c.want {
			t.Errorf("analyse(%.40q) = %+v, want %+v", c.body, got, c.want)
		}
	}
}

// analyseByDecoder is what analyse computes, read with encoding/json's decoder: the
// reference TestAnalyseMatchesDecoder holds analyse's byte skipping to.
func analyseByDecoder(body []byte) (name string, more, ok bool) {
	if !utf8.Valid(body) || !json.Valid(body) {
		return "", false, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') || !dec.More() {
		return "", false, false
	}
	tok, err := dec.Token()
	name, isName := tok.(string)
	if err != nil || !isName {
		return "", false, false
	}
	var skip json.RawMessage
	if err := dec.Decode(&skip); err != nil {
		return "", false, false
	}
	return name, dec.More(), true
}

// jsonText draws JSON texts rich in what a byte skipper gets wrong: brackets and quotes inside
// strings, escapes, numbers next to closing brackets, white space anywhere, deep nesting.
// Member names are drawn from names (quoted as they are) three times in four.
func jsonText(depth int, names ...string) *rapid.Generator[string] {
	ws := jsonSpace
	str := rapid.Custom(func(t *rapid.T) string {
		parts := rapid.SliceOfN(rapid.SampledFrom([]string{
			"a", "Hello", "Get", "{", "}", "[", "]", ",", ":", `\"`, `\\`, `\/`, `\n`, `\t`, `\b`, `\f`, `\r`, `\u0048`, `\u00e9`, "é", " ",
		}), 0, 6).Draw(t, "parts")
		return `"` + strings.Join(parts, "") + `"`
	})
	name := str
	if len(names) > 0 {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = `"` + n + `"`
		}
		named := rapid.SampledFrom(quoted)
		name = rapid.OneOf(str, named, named, named)
	}
	scalar := rapid.OneOf(str, rapid.SampledFrom([]string{
		"0", "-1.5e3", "12", "201", "-400", "2147483648", "2e2", "200.0", "true", "false", "null",
	}))
	if depth == 0 {
		return scalar
	}
	inner := jsonText(depth-1, names...)
	return rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0:
			return scalar.Draw(t, "scalar")
		case 1:
			b.WriteString("[" + ws.Draw(t, "ws"))
			for i := range rapid.IntRange(0, 3).Draw(t, "n") {
				if i > 0 {
					b.WriteString(ws.Draw(t, "ws") + "," + ws.Draw(t, "ws"))
				}
				b.WriteString(inner.Draw(t, "elem"))
			}
			b.WriteString(ws.Draw(t, "ws") + "]")
		default:
			return jsonObject(name, inner, 3).Draw(t, "object")
		}
		return b.String()
	})
}

var jsonSpace = rapid.SampledFrom([]string{"", "", " ", "\n\t ", "\r\n"})

// jsonObject draws objects of up to max members named by name, of values drawn from value.
func jsonObject(name, value *rapid.Generator[string], max int) *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		b.WriteString("{" + jsonSpace.Draw(t, "ws"))
		for i := range rapid.IntRange(0, max).Draw(t, "n") {
			if i > 0 {
				b.WriteString(jsonSpace.Draw(t, "ws") + "," + jsonSpace.Draw(t, "ws"))
			}
			b.WriteString(name.Draw(t, "name") + jsonSpace.Draw(t, "ws") + ":" + jsonSpace.Draw(t, "ws") + value.Draw(t, "value"))
		}
		b.WriteString(jsonSpace.Draw(t, "ws") + "}")
		return b.String()
	})
}

// TestAnalyseMatchesDecoder: analyse's byte skipping reads the first member's name and
// whether another follows exactly as encoding/json's decoder does, on valid texts and on
// texts cut or padded (which json.Valid turns away before any skipping).
func TestAnalyseMatchesDecoder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		body := " " + jsonText(3).Draw(t, "text") + rapid.SampledFrom([]string{"", " ", "\n", "    \t  \r\n"}).Draw(t, "tail")
		if rapid.IntRange(0, 4).Draw(t, "cut") == 0 {
			body = body[:rapid.IntRange(0, len(body)).Draw(t, "at")]
		}
		b := []byte(body)
		name, more, ok := topLevelOf(b)
		wantName, wantMore, wantOK := analyseByDecoder(bytes.TrimRight(b, " \t\r\n"))
		if name != wantName || more != wantMore || ok != wantOK {
			t.Fatalf("%q: analyse reads (%q, more %v, ok %v), the decoder (%q, more %v, ok %v)",
				body, name, more, ok, wantName, wantMore, wantOK)
		}
	})
}

// answerByTree is what readAnswer computes, read from a jsontree: the reference
// TestReadAnswerMatchesTree holds readAnswer's byte skipping to.
func answerByTree(body []byte) answerShape {
	tree, err := parseTree(body)
	if err != nil || tree.Kind != kObject {
		return answerShape{}
	}
	a := answerShape{object: true}
	inner := tree
	if len(tree.Members) == 1 && isResponseTag(tree.Members[0].Name) {
		a.tagged, inner = true, tree.Members[0].Value
	}
	_, st, _, found := inner.Lookup([]string{"Status"})
	if !found || st.Kind != kNumber {
		return a
	}
	if n, err := strconv.ParseInt(st.Text, 10, 32); err == nil {
		a.status, a.hasStatus = int32(n), true
	}
	return a
}

// TestReadAnswerMatchesTree: readAnswer's byte skipping reads an answer's shape and payload
// Status exactly as the tree does, on answers tagged or not, with a Status or several,
// numbers in every form, and answers cut short.
func TestReadAnswerMatchesTree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := []string{"Status", "HelloResponse", "GetResponse", `\u0053tatus`, "Hello"}
		payload := jsonObject(rapid.SampledFrom([]string{`"Status"`, `"Status"`, `"\u0053tatus"`, `"Entries"`}), jsonText(1, names...), 4)
		tagged := rapid.Custom(func(t *rapid.T) string {
			return `{"` + rapid.SampledFrom(names).Draw(t, "tag") + `":` + payload.Draw(t, "payload") + "}"
		})
		body := rapid.OneOf(jsonText(3, names...), payload, tagged).Draw(t, "text")
		if rapid.IntRange(0, 4).Draw(t, "cut") == 0 {
			body = body[:rapid.IntRange(0, len(body)).Draw(t, "at")]
		}
		if got, want := readAnswer([]byte(body)), answerByTree([]byte(body)); got != want {
			t.Fatalf("%q: readAnswer reads %+v, the tree %+v", body, got, want)
		}
	})
}

// TestReadAnswer: the shapes the oracles tell apart.
func TestReadAnswer(t *testing.T) {
	for _, c := range []struct {
		body string
		want answerShape
	}{
		{`{"HelloResponse":{"Status":201}}`, answerShape{object: true, tagged: true, status: 201, hasStatus: true}},
		{`{"Status":400}`, answerShape{object: true, status: 400, hasStatus: true}},
		{`{"HelloResponse":{"Status":201},"x":1}`, answerShape{object: true}},
		{`{"HelloResponse":{"Status":"201"}}`, answerShape{object: true, tagged: true}},
		{`{"HelloResponse":{"Status":201.5}}`, answerShape{object: true, tagged: true}},
		{`{"HelloResponse":{"Status":1,"Status":2}}`, answerShape{object: true, tagged: true, status: 2, hasStatus: true}},
		{`{"HelloResponse":[]}`, answerShape{object: true, tagged: true}},
		{`{"HelloResponse":{"Status":201}`, answerShape{}},
		{`[{"Status":201}]`, answerShape{}},
		{`no`, answerShape{}},
		{``, answerShape{}},
	} {
		if got := readAnswer([]byte(c.body)); got != c.want {
			t.Errorf("readAnswer(%q) = %+v, want %+v", c.body, got, c.want)
		}
	}
}

// topLevelOf is analyse's reading of body before it looks the name up.
func topLevelOf(body []byte) (string, bool, bool) {
	body = trimTrailingSpace(body)
	if !utf8.Valid(body) || !json.Valid(body) {
		return "", false, false
	}
	return topLevel(body)
}

// TestTrimTrailingSpace: every kind of JSON white space goes from the end, none from inside.
func TestTrimTrailingSpace(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"        ", ""},
		{"x" + strings.Repeat(" ", 17), "x"},
		{"x \t\r\n" + strings.Repeat(" ", 16) + "\n ", "x"},
		{"a b" + strings.Repeat(" ", 8), "a b"},
		{strings.Repeat(" ", 9) + "x", strings.Repeat(" ", 9) + "x"},
		{"x\v", "x\v"}, // not JSON white space
	} {
		if got := string(trimTrailingSpace([]byte(c.in))); got != c.want {
			t.Errorf("trimTrailingSpace(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
