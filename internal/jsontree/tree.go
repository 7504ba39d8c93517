package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf16"
)

// Kind is the JSON type of a node.
type Kind int

// The kinds.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
	Raw // bytes written as they are: invalid UTF-8 or deliberately broken text
)

// Member is one name/value pair of an object. Objects keep order and duplicates, because the
// live fuzzer's mutations duplicate members and encoding/json maps would lose both.
type Member struct {
	Name  string
	Value *Node
}

// Node is an ordered JSON value.
type Node struct {
	Kind    Kind
	Text    string // number text, string value, bool text, or raw bytes
	Elems   []*Node
	Members []Member
}

// ErrNotJSON reports a body that is not one JSON document.
var ErrNotJSON = errors.New("not a JSON document")

// Parse reads one JSON document with order and duplicates kept.
func Parse(data []byte) (*Node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, fmt.Errorf("jsontree: %w: %w", ErrNotJSON, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("jsontree: %w: trailing data", ErrNotJSON)
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*Node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &Node{Kind: Object}
			for dec.More() {
				nt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				name, ok := nt.(string)
				if !ok {
					return nil, fmt.Errorf("member name is %T", nt)
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.Members = append(n.Members, Member{Name: name, Value: v})
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &Node{Kind: Array}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				n.Elems = append(n.Elems, v)
			}
			_, err := dec.Token()
			return n, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return &Node{Kind: String, Text: t}, nil
	case json.Number:
		return &Node{Kind: Number, Text: t.String()}, nil
	case bool:
		return &Node{Kind: Bool, Text: strconv.FormatBool(t)}, nil
	case nil:
		return &Node{Kind: Null}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// Encode writes the tree compactly.
func (n *Node) Encode() []byte {
	var b bytes.Buffer
	n.write(&b, false)
	return b.Bytes()
}

// EncodeEscaped writes the tree compactly with every string character but ASCII letters and
// digits as a \uXXXX escape (a surrogate pair beyond the BMP): the same JSON value in the
// most escaped of its spellings.
func (n *Node) EncodeEscaped() []byte {
	var b bytes.Buffer
	n.write(&b, true)
	return b.Bytes()
}

func (n *Node) write(b *bytes.Buffer, escape bool) {
	switch n.Kind {
	case Null:
		b.WriteString("null")
	case Bool, Number, Raw:
		b.WriteString(n.Text)
	case String:
		writeString(b, n.Text, escape)
	case Array:
		b.WriteByte('[')
		for i, e := range n.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			e.write(b, escape)
		}
		b.WriteByte(']')
	case Object:
		b.WriteByte('{')
		for i, m := range n.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, m.Name, escape)
			b.WriteByte(':')
			m.Value.write(b, escape)
		}
		b.WriteByte('}')
	}
}

// Clone returns a deep copy.
func (n *Node) Clone() *Node {
	if n == nil {
		return nil
	}
	c := &Node{Kind: n.Kind, Text: n.Text}
	for _, e := range n.Elems {
		c.Elems = append(c.Elems, e.Clone())
	}
	for _, m := range n.Members {
		c.Members = append(c.Members, Member{Name: m.Name, Value: m.Value.Clone()})
	}
	return c
}

// Path steps (Lookup, Replace) are member names, or "#i" for array element i.
func step(s string) (idx int, isIndex bool) {
	if !strings.HasPrefix(s, "#") {
		return 0, false
	}
	i, err := strconv.Atoi(s[1:])
	if err != nil {
		return 0, false
	}
	return i, true
}

// Lookup returns the parent of the node at path, the node, and where it sits in the parent.
// The last member of a given name wins, like the reference decoder.
func (n *Node) Lookup(path []string) (parent, cur *Node, pos int, ok bool) {
	cur, pos = n, -1
	for _, s := range path {
		parent = cur
		if i, isIdx := step(s); isIdx {
			if cur.Kind != Array || i < 0 || i >= len(cur.Elems) {
				return nil, nil, 0, false
			}
			cur, pos = cur.Elems[i], i
			continue
		}
		if cur.Kind != Object {
			return nil, nil, 0, false
		}
		found := -1
		for j, m := range cur.Members {
			if m.Name == s {
				found = j
			}
		}
		if found < 0 {
			return nil, nil, 0, false
		}
		cur, pos = cur.Members[found].Value, found
	}
	return parent, cur, pos, true
}

// Replace swaps the node at path for v.
func (n *Node) Replace(path []string, v *Node) bool {
	parent, _, pos, ok := n.Lookup(path)
	if !ok || parent == nil {
		return false
	}
	if parent.Kind == Array {
		parent.Elems[pos] = v
	} else {
		parent.Members[pos].Value = v
	}
	return true
}

// writeString writes s as a JSON string; with escapeAll, every character but ASCII letters
// and digits is escaped.
func writeString(b *bytes.Buffer, s string, escapeAll bool) {
	if !escapeAll {
		q, _ := json.Marshal(s)
		b.Write(q)
		return
	}
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case r > 0xFFFF:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(b, `\u%04x`, r)
		}
	}
	b.WriteByte('"')
}
