package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// kind is the JSON type of a node.
type kind int

const (
	kNull kind = iota
	kBool
	kNumber
	kString
	kArray
	kObject
	kRaw // bytes written as they are: invalid UTF-8 or deliberately broken text
)

// member is one name/value pair of an object. Objects keep order and duplicates, because a
// duplicated member is one of the mutations and encoding/json maps would lose both.
type member struct {
	Name  string
	Value *node
}

// node is an ordered JSON value.
type node struct {
	Kind    kind
	Text    string // number text, string value, bool text, or raw bytes
	Elems   []*node
	Members []member
}

// ErrNotJSON reports a body the fuzzer cannot parse as its own seed.
var ErrNotJSON = errors.New("not a JSON document")

// parseTree reads one JSON document with order and duplicates kept.
func parseTree(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	n, err := parseValue(dec)
	if err != nil {
		return nil, fmt.Errorf("live: %w: %w", ErrNotJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("live: %w: trailing data", ErrNotJSON)
	}
	return n, nil
}

func parseValue(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{Kind: kObject}
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
				n.Members = append(n.Members, member{Name: name, Value: v})
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{Kind: kArray}
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
		return &node{Kind: kString, Text: t}, nil
	case json.Number:
		return &node{Kind: kNumber, Text: t.String()}, nil
	case bool:
		return &node{Kind: kBool, Text: strconv.FormatBool(t)}, nil
	case nil:
		return &node{Kind: kNull}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// encode writes the tree compactly.
func (n *node) encode() []byte {
	var b bytes.Buffer
	n.write(&b)
	return b.Bytes()
}

func (n *node) write(b *bytes.Buffer) {
	switch n.Kind {
	case kNull:
		b.WriteString("null")
	case kBool, kNumber, kRaw:
		b.WriteString(n.Text)
	case kString:
		s, _ := json.Marshal(n.Text)
		b.Write(s)
	case kArray:
		b.WriteByte('[')
		for i, e := range n.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			e.write(b)
		}
		b.WriteByte(']')
	case kObject:
		b.WriteByte('{')
		for i, m := range n.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			s, _ := json.Marshal(m.Name)
			b.Write(s)
			b.WriteByte(':')
			m.Value.write(b)
		}
		b.WriteByte('}')
	}
}

func (n *node) clone() *node {
	if n == nil {
		return nil
	}
	c := &node{Kind: n.Kind, Text: n.Text}
	for _, e := range n.Elems {
		c.Elems = append(c.Elems, e.clone())
	}
	for _, m := range n.Members {
		c.Members = append(c.Members, member{Name: m.Name, Value: m.Value.clone()})
	}
	return c
}

// Path steps are member names, or "#i" for array element i.
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

// lookup returns the parent of the node at path, the node, and where it sits in the parent.
// The last member of a given name wins, like the reference decoder.
func (n *node) lookup(path []string) (parent, cur *node, pos int, ok bool) {
	cur, pos = n, -1
	for _, s := range path {
		parent = cur
		if i, isIdx := step(s); isIdx {
			if cur.Kind != kArray || i < 0 || i >= len(cur.Elems) {
				return nil, nil, 0, false
			}
			cur, pos = cur.Elems[i], i
			continue
		}
		if cur.Kind != kObject {
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

// replace swaps the node at path for v.
func (n *node) replace(path []string, v *node) bool {
	parent, _, pos, ok := n.lookup(path)
	if !ok || parent == nil {
		return false
	}
	if parent.Kind == kArray {
		parent.Elems[pos] = v
	} else {
		parent.Members[pos].Value = v
	}
	return true
}

func pathString(p []string) string { return "/" + strings.Join(p, "/") }
