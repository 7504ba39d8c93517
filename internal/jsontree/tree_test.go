package jsontree

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestRoundTripKeepsOrderAndDuplicates(t *testing.T) {
	in := `{"b":1,"a":[true,null,"x"],"b":{"c":-2.5e3}}`
	n, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(n.Encode()); got != in {
		t.Errorf("Encode = %s, want %s", got, in)
	}
	if _, err := Parse([]byte(`{} {}`)); !errors.Is(err, ErrNotJSON) {
		t.Errorf("trailing data: %v, want ErrNotJSON", err)
	}
}

// TestEncodeEscaped: the escaped spelling is the same JSON value, with nothing but letters
// and digits left unescaped inside strings.
func TestEncodeEscaped(t *testing.T) {
	in := `{"na me":"a-b_c@d.e é 😀 \"q\" \\ /","n":[1,"x:y"]}`
	n, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out := n.EncodeEscaped()
	want := `{"na\u0020me":"a\u002db\u005fc\u0040d\u002ee\u0020\u00e9\u0020\ud83d\ude00\u0020\u0022q\u0022\u0020\u005c\u0020\u002f","n":[1,"x\u003ay"]}`
	if string(out) != want {
		t.Errorf("EncodeEscaped =\n%s\nwant\n%s", out, want)
	}
	var a, b any
	if err := json.Unmarshal([]byte(in), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the escaped spelling is another value: %v, want %v", b, a)
	}
}
