package portal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonNode is a JSON value with its object members in their written order, so that the
// allowances that rewrite an answer (reverse-members, unknown-members, escape-strings) change
// only what they mean to.
type jsonNode struct {
	keys []string    // object member names, in order (object only)
	kids []*jsonNode // object member values or array elements
	obj  bool
	arr  bool
	leaf any // string, json.Number, bool or nil
}

var errTrailing = errors.New("trailing data after the JSON value")

func parseJSON(b []byte) (*jsonNode, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errTrailing
	}
	return n, nil
}

func parseNode(dec *json.Decoder) (*jsonNode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return &jsonNode{leaf: tok}, nil
	}
	n := &jsonNode{obj: d == '{', arr: d == '['}
	for dec.More() {
		if n.obj {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			n.keys = append(n.keys, k.(string))
		}
		kid, err := parseNode(dec)
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, kid)
	}
	if _, err := dec.Token(); err != nil { // the closing delimiter
		return nil, err
	}
	return n, nil
}

// reverse reverses the member order of every object.
func (n *jsonNode) reverse() {
	if n.obj {
		for i, j := 0, len(n.keys)-1; i < j; i, j = i+1, j-1 {
			n.keys[i], n.keys[j] = n.keys[j], n.keys[i]
			n.kids[i], n.kids[j] = n.kids[j], n.kids[i]
		}
	}
	for _, k := range n.kids {
		k.reverse()
	}
}

// write encodes n; with escape, every string character but ASCII letters and digits is
// written as a \uXXXX escape.
func (n *jsonNode) write(buf *bytes.Buffer, escape bool) {
	switch {
	case n.obj:
		buf.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONString(buf, k, escape)
			buf.WriteByte(':')
			n.kids[i].write(buf, escape)
		}
		buf.WriteByte('}')
	case n.arr:
		buf.WriteByte('[')
		for i, k := range n.kids {
			if i > 0 {
				buf.WriteByte(',')
			}
			k.write(buf, escape)
		}
		buf.WriteByte(']')
	default:
		switch v := n.leaf.(type) {
		case string:
			writeJSONString(buf, v, escape)
		case json.Number:
			buf.WriteString(v.String())
		case bool:
			buf.WriteString(strconv.FormatBool(v))
		default:
			buf.WriteString("null")
		}
	}
}

func writeJSONString(buf *bytes.Buffer, s string, escapeAll bool) {
	buf.WriteByte('"')
	for _, r := range s {
		plain := r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		switch {
		case plain:
			buf.WriteRune(r)
		case !escapeAll && r >= 0x20 && r != '"' && r != '\\':
			buf.WriteRune(r)
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(buf, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(buf, `\u%04x`, r)
		}
	}
	buf.WriteByte('"')
}

// unknownMember is the member the unknown-members allowance adds to every response object.
const unknownMember = "FutureExtension"

// rewriteAnswer applies the allowances that rewrite an answer's JSON text.
func (a Allow) rewriteAnswer(body []byte) []byte {
	if a.DateTimeOffsets {
		body = dateTimeRE.ReplaceAll(body, []byte(`"$1.000+00:00"`))
	}
	if a.ReverseMembers || a.UnknownMembers || a.EscapeStrings {
		body = a.rewriteTree(body)
	}
	if a.PrettyJSON {
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "  ") == nil {
			body = append(buf.Bytes(), '\n')
		}
	}
	return body
}

// rewriteTree applies the allowances that need the answer parsed.
func (a Allow) rewriteTree(body []byte) []byte {
	n, err := parseJSON(body)
	if err != nil {
		return body // not JSON: nothing of it to rewrite
	}
	if a.UnknownMembers && n.obj {
		resp := n
		if len(n.keys) == 1 && n.kids[0].obj { // tagged: the response object is inside
			resp = n.kids[0]
		}
		resp.keys = append(resp.keys, unknownMember)
		resp.kids = append(resp.kids, &jsonNode{obj: true, keys: []string{"Note", "List"},
			kids: []*jsonNode{{leaf: "a member no schema defines (NOTE-UNKNOWN-MEMBERS)"}, {arr: true, kids: []*jsonNode{{leaf: json.Number("1")}, {leaf: true}}}}})
	}
	if a.ReverseMembers {
		n.reverse()
	}
	var buf bytes.Buffer
	n.write(&buf, a.EscapeStrings)
	return buf.Bytes()
}

// dateTimeRE matches a DateTime as the reference writes it (NOTE-DATETIME), quotes included.
var dateTimeRE = regexp.MustCompile(`"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z"`)
