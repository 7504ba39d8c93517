package live

import (
	"fmt"
	"strings"

	"github.com/meshconform/meshconform/internal/jsontree"
)

// ErrNotJSON reports a body the fuzzer cannot parse as its own seed.
var ErrNotJSON = jsontree.ErrNotJSON

// The fuzzer's JSON values are ordered trees that keep duplicate members (jsontree).
type (
	node   = jsontree.Node
	member = jsontree.Member
)

const (
	kNull   = jsontree.Null
	kBool   = jsontree.Bool
	kNumber = jsontree.Number
	kString = jsontree.String
	kArray  = jsontree.Array
	kObject = jsontree.Object
	kRaw    = jsontree.Raw
)

// parseTree reads one JSON document with order and duplicates kept.
func parseTree(data []byte) (*node, error) {
	n, err := jsontree.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("live: %w", err)
	}
	return n, nil
}

func pathString(p []string) string { return "/" + strings.Join(p, "/") }
