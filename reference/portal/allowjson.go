package portal

import (
	"bytes"
	"encoding/json"
	"regexp"

	"github.com/meshconform/meshconform/internal/jsontree"
)

// unknownMember is the member the unknown-members allowance adds to every response object.
const unknownMember = "FutureExtension"

// rewriteAnswer applies the allowances that rewrite an answer's JSON text; nth counts the
// portal's answers from 1.
func (a Allow) rewriteAnswer(body []byte, nth int64) []byte {
	a.ReverseMembers = a.ReverseMembers && nth%2 == 1
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

// rewriteTree applies the allowances that need the answer as an ordered tree.
func (a Allow) rewriteTree(body []byte) []byte {
	n, err := jsontree.Parse(body)
	if err != nil {
		return body // not JSON: nothing of it to rewrite
	}
	if a.UnknownMembers && n.Kind == jsontree.Object {
		resp := n
		if len(n.Members) == 1 && n.Members[0].Value.Kind == jsontree.Object { // tagged: the response is inside
			resp = n.Members[0].Value
		}
		ext, _ := jsontree.Parse([]byte(`{"Note":"a member no schema defines (NOTE-UNKNOWN-MEMBERS)","List":[1,true]}`))
		resp.Members = append(resp.Members, jsontree.Member{Name: unknownMember, Value: ext})
	}
	if a.ReverseMembers {
		reverseMembers(n)
	}
	if a.EscapeStrings {
		return n.EncodeEscaped()
	}
	return n.Encode()
}

// reverseMembers reverses the member order of every object of n.
func reverseMembers(n *jsontree.Node) {
	for i, j := 0, len(n.Members)-1; i < j; i, j = i+1, j-1 {
		n.Members[i], n.Members[j] = n.Members[j], n.Members[i]
	}
	for _, m := range n.Members {
		reverseMembers(m.Value)
	}
	for _, e := range n.Elems {
		reverseMembers(e)
	}
}

// dateTimeRE matches a DateTime as the reference writes it (NOTE-DATETIME), quotes included.
var dateTimeRE = regexp.MustCompile(`"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)Z"`)
