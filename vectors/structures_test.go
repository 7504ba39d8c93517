package vectors_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/vectors"
)

// classify names the error class the reference refused a document with.
func classify(err error) string {
	switch {
	case errors.As(err, new(*wire.LimitError)):
		return vectors.ErrLimit
	case errors.As(err, new(*wire.SyntaxError)):
		return vectors.ErrSyntax
	case errors.As(err, new(*mesh.DuplicateMemberError)):
		return vectors.ErrDuplicate
	case errors.As(err, new(*mesh.UnknownMemberError)):
		return vectors.ErrUnknown
	case errors.As(err, new(*mesh.TagError)):
		return vectors.ErrTag
	case errors.As(err, new(*wire.Base64Error)):
		return vectors.ErrBase64
	case errors.As(err, new(*wire.DateTimeError)):
		return vectors.ErrDateTime
	case errors.As(err, new(*wire.ErrNotInt32)):
		return vectors.ErrInteger
	case errors.As(err, new(*mesh.TypeError)):
		return vectors.ErrType
	}
	return "unclassified: " + err.Error()
}

func structureFiles(t *testing.T) []string {
	var out []string
	for _, n := range vectors.Names() {
		if strings.HasPrefix(n, "structures-") {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		t.Fatal("no structure vector files are embedded")
	}
	return out
}

// TestStructureVectors runs the reference codec against every structure vector.
func TestStructureVectors(t *testing.T) {
	for _, name := range structureFiles(t) {
		f, err := vectors.Load[vectors.StructureGroup](name)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range f.TestGroups {
			lim := wire.Limits{MaxBytes: g.Limits.MaxBytes, MaxDepth: g.Limits.MaxDepth, MaxString: g.Limits.MaxString, MaxArray: g.Limits.MaxArray}
			lenient := &mesh.DecodeOptions{Limits: lim}
			strict := &mesh.DecodeOptions{Strict: true, Limits: lim}
			for _, tc := range g.Tests {
				t.Run(tc.TcID, func(t *testing.T) {
					runStructureTest(t, tc, g.Structure, lenient, strict)
				})
			}
		}
	}
}

func runStructureTest(t *testing.T, tc vectors.StructureTest, structure string, lenient, strict *mesh.DecodeOptions) {
	doc := []byte(tc.Document)
	switch tc.Result {
	case vectors.Valid, vectors.Acceptable:
		opts := lenient
		if tc.Result == vectors.Valid {
			opts = strict
		}
		v, err := mesh.Unmarshal(doc, opts)
		if err != nil {
			t.Fatalf("%s: decode: %v", tc.Result, err)
		}
		if v.MeshType() != structure {
			t.Fatalf("decoded a %s, the group is %s", v.MeshType(), structure)
		}
		got, err := mesh.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.Canonical {
			t.Fatalf("re-encoding differs from canonical:\n got %s\nwant %s", got, tc.Canonical)
		}
		if tc.Result == vectors.Valid {
			// Second decoding path: plain encoding/json must read the same document as the canonical one.
			var a, b any
			if err := json.Unmarshal(doc, &a); err != nil {
				t.Fatalf("encoding/json rejects a valid document: %v", err)
			}
			if err := json.Unmarshal([]byte(tc.Canonical), &b); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, b); diff != "" {
				t.Fatalf("encoding/json reads document and canonical differently:\n%s", diff)
			}
		}
	case vectors.Invalid:
		for _, opts := range []*mesh.DecodeOptions{lenient, strict} {
			_, err := mesh.Unmarshal(doc, opts)
			if err == nil {
				t.Fatalf("invalid document accepted (strict=%v)", opts.Strict)
			}
			if opts.Strict {
				continue // a strict reader may refuse for an earlier reason (an unknown member)
			}
			if got := classify(err); got != tc.ErrorClass {
				t.Fatalf("refused as %q (%v), want %q", got, err, tc.ErrorClass)
			}
		}
	default:
		t.Fatalf("unknown result %q", tc.Result)
	}
}
