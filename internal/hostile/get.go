package hostile

import (
	"fmt"
	"strconv"
	"strings"
)

// Shape is how a Get body spends its bytes.
type Shape string

// The shapes. Each is a Get that parses under the default wire limits (depth 64, arrays of
// 4096, strings of 512 KiB) and costs the portal its whole body to read.
const (
	// KeyValues: SearchConstraints-style KeyValues pairs with a key no portal indexes.
	KeyValues Shape = "key-values"
	// Names: KeyValues pairs whose key is Names, each a fingerprint lookup (NOTE-GET-ENTRIES).
	Names Shape = "names"
	// Nesting: unknown members holding arrays nested 60 deep, repeated.
	Nesting Shape = "nesting"
	// Members: many small members, in unknown member objects.
	Members Shape = "members"
)

// Shapes lists every shape in a stable order.
func Shapes() []Shape { return []Shape{KeyValues, Names, Nesting, Members} }

// maxPairs is the KeyValues pairs a body holds at most: the default array limit, less a margin.
const maxPairs = 4000

// nestDepth is the depth of each nested block: legal under the default limit of 64 with room
// for the Get object and its member.
const nestDepth = 60

// Get returns a Get body of about size bytes (never more) of the given shape, naming account
// (a name that need not exist) where the shape needs a selector. Size below 256 is raised to 256.
func Get(shape Shape, size int, account string) ([]byte, error) {
	size = max(size, 256)
	var b strings.Builder
	b.Grow(size)
	switch shape {
	case KeyValues, Names:
		key := "X-Meshconform-Unindexed"
		if shape == Names {
			key = "Names"
		}
		head, tail := `{"Get":{"KeyValues":[`, `]}}`
		item := len(`{"Key":"","Value":""},`) + len(key)
		pairs := min(maxPairs, max(1, (size-len(head)-len(tail))/(item+64)))
		vlen := (size-len(head)-len(tail))/pairs - item
		if vlen < 1 {
			return nil, fmt.Errorf("hostile: %d bytes hold no %s pair", size, shape)
		}
		b.WriteString(head)
		for i := range pairs {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"Key":%q,"Value":"`, key)
			b.WriteString(filler(i, vlen))
			b.WriteString(`"}`)
		}
		b.WriteString(tail)
	case Nesting:
		// Blocks go into members of at most maxPairs blocks each: the array limit holds.
		block := strings.Repeat("[", nestDepth) + strings.Repeat("]", nestDepth)
		b.WriteString(`{"Get":{"Account":` + strconv.Quote(account))
		const tail = `]}}`
		for m, n := 0, 0; b.Len()+len(block)+len(tail)+40 <= size; n++ {
			if n%maxPairs == 0 {
				if m > 0 {
					b.WriteByte(']')
				}
				fmt.Fprintf(&b, `,"X-Meshconform-Nested-%d":[`, m)
				m++
			} else {
				b.WriteByte(',')
			}
			b.WriteString(block)
		}
		if !strings.HasSuffix(b.String(), "[") && !strings.HasSuffix(b.String(), "]") {
			return nil, fmt.Errorf("hostile: %d bytes hold no nested block", size)
		}
		b.WriteString(tail)
	case Members:
		// Members go into objects of at most maxPairs each: the member limit holds.
		b.WriteString(`{"Get":{"Account":` + strconv.Quote(account))
		const tail = `}}}`
		for i, m := 0, 0; ; i++ {
			item := `"m` + strconv.Itoa(i) + `":0`
			if b.Len()+len(item)+40+len(tail) > size {
				break
			}
			if i%maxPairs == 0 {
				if m > 0 {
					b.WriteByte('}')
				}
				fmt.Fprintf(&b, `,"X-Meshconform-Members-%d":{`, m)
				m++
			} else {
				b.WriteByte(',')
			}
			b.WriteString(item)
		}
		b.WriteString(tail)
	default:
		return nil, fmt.Errorf("hostile: unknown shape %q", shape)
	}
	return []byte(b.String()), nil
}

// filler is a value of n base32 characters, different for each i so that no portal can fold
// the pairs together.
func filler(i, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	out := make([]byte, n)
	x := uint32(i)*2654435761 + 1
	for j := range out {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		out[j] = alphabet[x%32]
	}
	return string(out)
}
