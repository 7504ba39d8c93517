package live

import (
	"strings"
	"testing"
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
		{`{"Nothing":{}}`, sentRequest{}},
		{`{}`, sentRequest{}},
		{`[{"Hello":{}}]`, sentRequest{}},
		{`{"Hello":{}}{}`, sentRequest{}},       // trailing data
		{`{"Hello":{}`, sentRequest{}},          // truncated
		{`{"Hello":{}} x`, sentRequest{}},       // trailing garbage after white space
		{"{\"Hello\":\"\xff\"}", sentRequest{}}, // not UTF-8
		{``, sentRequest{}},
	} {
		if got := analyse([]byte(c.body)); got != c.want {
			t.Errorf("analyse(%.40q) = %+v, want %+v", c.body, got, c.want)
		}
	}
}
