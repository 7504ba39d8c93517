package live

import (
	"math/rand/v2"
	"strconv"

	"github.com/meshconform/meshconform/spec"
)

// The engine turned around: mutations of a portal's valid answer, for fuzzing a client (the
// client fuzzer, fuzz/client). The sites are the answer's, along the schema of its response
// class; the operations are the tree and envelope ones, and a cut of the body.

// ResponseMutations draws one to three mutations of the response body from r: an envelope's
// signature or payload broken or stripped, a tree mutation of a member along the schema, or a
// truncation. It returns nil when body is not a JSON object.
func ResponseMutations(r *rand.Rand, sp *spec.Spec, body []byte) []Mutation {
	tree, err := parseTree(body)
	if err != nil {
		return nil
	}
	ss := sites(sp, tree)
	if len(ss) == 0 {
		return nil
	}
	var envelopes []site
	for _, s := range ss {
		if s.Envelope {
			envelopes = append(envelopes, s)
		}
	}
	n := 1
	if x := r.IntN(10); x >= 7 {
		n = 2 + x%2
	}
	out := make([]Mutation, 0, n)
	for range n {
		switch c := r.IntN(10); {
		case c < 3 && len(envelopes) > 0:
			out = append(out, Mutation{Op: pick(r, []Op{OpBreakSig, OpBreakSig, OpBreakPayload, OpStripSig}), Path: pick(r, envelopes).Path})
		case c == 3:
			out = append(out, Mutation{Op: OpTruncate, Arg: strconv.Itoa(r.IntN(len(body)))})
		default:
			out = append(out, treeMutation(r, pick(r, ss)))
		}
	}
	return out
}

// ApplyResponse applies ms to body in order and returns the result with the mutations that
// took effect (a later one may find its path gone). A body that is not JSON comes back as is.
func ApplyResponse(body []byte, ms []Mutation) ([]byte, []Mutation) {
	tree, err := parseTree(body)
	if err != nil {
		return body, nil
	}
	var applied []Mutation
	cut := -1
	for _, m := range ms {
		switch m.Op {
		case OpTruncate:
			if n, err := strconv.Atoi(m.Arg); err == nil && n >= 0 {
				cut = n
				applied = append(applied, m)
			}
			continue
		case OpOversize:
			continue
		}
		if m.isAuth() || m.Op == OpWrongHost {
			continue
		}
		if applyOne(tree, m) {
			applied = append(applied, m)
		}
	}
	out := tree.Encode()
	if cut >= 0 && cut < len(out) {
		out = out[:cut]
	}
	return out, applied
}
