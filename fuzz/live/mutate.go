package live

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
	"github.com/meshconform/meshconform/spec"
)

// Op names a mutation.
type Op string

// Tree mutations act on the value at Path; body mutations on the encoded bytes; auth mutations
// on the Authorization header and the sending.
const (
	OpDrop          Op = "drop"           // remove the member
	OpDup           Op = "duplicate"      // repeat the member
	OpRetype        Op = "retype"         // replace with a value of another JSON type (Arg)
	OpBoundary      Op = "boundary"       // a boundary value of the schema type (Arg)
	OpHugeString    Op = "huge-string"    // a string of Arg bytes
	OpBadUTF8       Op = "invalid-utf8"   // a string with invalid UTF-8 bytes
	OpDeep          Op = "deep-nesting"   // Arg nested arrays
	OpUnknownMember Op = "unknown-member" // add a member the schema does not know
	OpRenameTag     Op = "rename-tag"     // rename the member (a tag) to Arg
	OpUntag         Op = "untag"          // replace the tagged object by its content
	OpBreakSig      Op = "break-signature"
	OpBreakPayload  Op = "break-payload"
	OpStripSig      Op = "strip-signature"
	OpTruncate      Op = "truncate" // keep Arg bytes of the body
	OpOversize      Op = "oversize" // pad the body with white space to Arg bytes
	OpNoAuth        Op = "no-auth"
	OpStaleAuth     Op = "stale-auth"
	OpBrokenAuth    Op = "broken-auth"
	OpReplay        Op = "replay"
	OpWrongHost     Op = "wrong-host"
	// Session modes (NOTE-AUTH-SESSION), drawn only for a signer the portal granted a session:
	// the request carries Authorization: Mesh-Session instead of a signature.
	OpSession       Op = "session"            // a valid session request
	OpSessionStale  Op = "session-stale"      // a session request dated an hour ago
	OpSessionBadMAC Op = "session-broken-mac" // a session MAC over another body
	OpSessionReplay Op = "session-replay"     // the same session request sent twice
)

// Mutation is one change to a valid request. It is data, so that a finding's list can be
// shrunk, saved and read back.
type Mutation struct {
	Op   Op       `json:"op"`
	Path []string `json:"path,omitempty"`
	Arg  string   `json:"arg,omitempty"`
}

func (m Mutation) String() string {
	s := string(m.Op)
	if len(m.Path) > 0 {
		s += " " + pathString(m.Path)
	}
	if m.Arg != "" {
		a := m.Arg
		if len(a) > 24 {
			a = a[:24] + "…"
		}
		s += " " + strconv.Quote(a)
	}
	return s
}

// security ops make a request one that must be refused.
func (m Mutation) security() bool {
	switch m.Op {
	case OpBreakSig, OpBreakPayload, OpStripSig, OpNoAuth, OpStaleAuth, OpBrokenAuth, OpReplay, OpWrongHost,
		OpSessionStale, OpSessionBadMAC, OpSessionReplay:
		return true
	}
	return false
}

// isAuth: the mutation changes how the request is authenticated (authRefusals lists them).
func (m Mutation) isAuth() bool {
	_, ok := authRefusals[m.Op]
	return ok
}

// site is a place in a request with its schema type.
type site struct {
	Path     []string
	Type     string // a primitive, a structure name, "DareMessage", "array" or "tag"
	Member   bool   // a member of an object (can be dropped, duplicated, renamed)
	Envelope bool
}

// sites walks a request tree along the schema (spec/schema.json).
func sites(sp *spec.Spec, root *node) []site {
	var out []site
	if root.Kind != kObject || len(root.Members) == 0 {
		return nil
	}
	tag := root.Members[0].Name
	out = append(out, site{Path: []string{tag}, Type: "tag", Member: true})
	st := tag
	if tx, ok := sp.Transaction(tag); ok {
		st = tx.Request
	}
	walk(sp, root.Members[0].Value, []string{tag}, st, &out)
	return out
}

func walk(sp *spec.Spec, n *node, path []string, structure string, out *[]site) {
	if n.Kind != kObject {
		return
	}
	fields := sp.AllFields(structure)
	for _, m := range n.Members {
		p := append(slices.Clone(path), m.Name)
		var f *spec.Field
		for i := range fields {
			if fields[i].Name == m.Name {
				f = &fields[i]
			}
		}
		if f != nil && f.Repeated && m.Value.Kind == kArray {
			*out = append(*out, site{Path: p, Type: "array", Member: true})
			for i, e := range m.Value.Elems {
				visit(sp, e, append(slices.Clone(p), "#"+strconv.Itoa(i)), f, out, false)
			}
			continue
		}
		visit(sp, m.Value, p, f, out, true)
	}
}

func visit(sp *spec.Spec, v *node, p []string, f *spec.Field, out *[]site, isMember bool) {
	typ := "unknown"
	if f != nil {
		typ = f.Type
	}
	switch {
	case typ == "DareMessage" || (v.Kind == kArray && len(v.Elems) >= 2 && v.Elems[1].Kind == kString):
		*out = append(*out, site{Path: p, Type: "DareMessage", Member: isMember, Envelope: true})
	case f != nil && f.Tagged && v.Kind == kObject && len(v.Members) == 1:
		*out = append(*out, site{Path: p, Type: typ, Member: isMember})
		inner := append(slices.Clone(p), v.Members[0].Name)
		*out = append(*out, site{Path: inner, Type: "tag", Member: true})
		walk(sp, v.Members[0].Value, inner, v.Members[0].Name, out)
	default:
		*out = append(*out, site{Path: p, Type: typ, Member: isMember})
		if v.Kind == kObject && !sp.IsPrimitive(typ) {
			walk(sp, v, p, typ, out)
		}
	}
}

// boundaries are the edge values of each primitive type, as JSON text.
var boundaries = map[string][]string{
	"Integer": {"0", "-1", "2147483647", "2147483648", "-2147483648", "-2147483649", "1e308", "1.5", "-0",
		"99999999999999999999999999", "1E400"},
	"String": {`""`, `" "`, `"\u0000"`, `"a@b@c"`, `"é\u202e"`, `"` + strings.Repeat("x", 1025) + `"`, `"\ud800"`,
		`"ALICE"`, `"../../etc"`},
	"Binary":   {`""`, `"===="`, `"!!!!"`, `"YW J j"`, `"A"`, `"` + strings.Repeat("QUFB", 3000) + `"`},
	"DateTime": {`""`, `"0000-00-00T00:00:00Z"`, `"9999-12-31T23:59:59Z"`, `"2019-02-30T00:00:00Z"`, `"1970-01-01T00:00:00+14:00"`, `"now"`},
	"Boolean":  {`"true"`, `1`, `0`, `null`},
	"array":    {`[]`, `[null]`, `[` + strings.Repeat(`"x",`, 5000) + `"x"]`},
}

var retypes = []string{`0`, `"x"`, `true`, `null`, `[]`, `{}`, `[{}]`}

// huge sizes straddle the 64 KiB a knob watches and the 512 KiB string limit.
var hugeSizes = []int{70 << 10, 600 << 10}

// depths straddle the default depth limit of 64.
var depths = []int{65, 200, 5000}

// oversizes are above any sane body limit (the reference's is 1 MiB).
var oversizes = []int{4 << 20}

// generate draws a list of one to three mutations for a base request.
func generate(r *rand.Rand, sp *spec.Spec, b *base, tree *node) []Mutation {
	n := 1
	if x := r.IntN(10); x >= 7 {
		n = 2 + x%2
	}
	var out []Mutation
	ss := sites(sp, tree)
	for range n {
		out = append(out, generateOne(r, b, ss))
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func generateOne(r *rand.Rand, b *base, ss []site) Mutation {
	for {
		switch c := r.IntN(20); {
		case c < 2 && len(b.Signed) > 0:
			p := pick(r, b.Signed)
			return Mutation{Op: pick(r, []Op{OpBreakSig, OpBreakSig, OpBreakPayload, OpStripSig}), Path: p}
		case c < 4 && b.Signer != nil:
			ops := []Op{OpNoAuth, OpStaleAuth, OpBrokenAuth, OpReplay}
			if b.Signer.session != nil {
				// Only a signer with a session: on a portal that grants none, the draws are
				// the same as without session modes.
				ops = append(ops, OpSession, OpSessionStale, OpSessionBadMAC, OpSessionReplay)
			}
			return Mutation{Op: pick(r, ops)}
		case c == 4:
			return Mutation{Op: OpTruncate, Arg: strconv.Itoa(r.IntN(len(b.Body)))}
		case c == 5 && r.IntN(4) == 0:
			return Mutation{Op: OpOversize, Arg: strconv.Itoa(pick(r, oversizes))}
		case c == 6 && r.IntN(3) == 0:
			return Mutation{Op: OpWrongHost, Arg: "fuzz.invalid"}
		case len(ss) > 0:
			s := pick(r, ss)
			return treeMutation(r, s)
		}
	}
}

// meshTags are the protocol's tags in a fixed order: mesh.Tags ranges over a map, so a draw
// from its order named another tag at every run of one seed.
var meshTags = func() []string {
	tags := mesh.Tags()
	slices.Sort(tags)
	return tags
}()

func treeMutation(r *rand.Rand, s site) Mutation {
	m := Mutation{Path: s.Path}
	ops := []Op{OpRetype, OpHugeString, OpBadUTF8, OpDeep, OpUnknownMember}
	if s.Member {
		ops = append(ops, OpDrop, OpDup, OpDrop)
	}
	if bv, ok := boundaries[s.Type]; ok {
		ops = append(ops, OpBoundary, OpBoundary, OpBoundary)
		_ = bv
	}
	if s.Type == "tag" {
		ops = append(ops, OpRenameTag, OpRenameTag, OpUntag)
	}
	m.Op = pick(r, ops)
	switch m.Op {
	case OpRetype:
		m.Arg = pick(r, retypes)
	case OpBoundary:
		m.Arg = pick(r, boundaries[s.Type])
	case OpHugeString:
		m.Arg = strconv.Itoa(pick(r, hugeSizes))
	case OpDeep:
		m.Arg = strconv.Itoa(pick(r, depths))
	case OpUnknownMember:
		m.Arg = "FuzzUnknown" + strconv.Itoa(r.IntN(100))
	case OpRenameTag:
		tags := append(slices.Clip(meshTags), "NoSuchTag", strings.ToLower(s.Path[len(s.Path)-1]), "")
		m.Arg = pick(r, tags)
	}
	return m
}

func applyOne(tree *node, m Mutation) bool {
	if m.isAuth() || m.Op == OpWrongHost {
		return true
	}
	if m.Op == OpTruncate || m.Op == OpOversize {
		return true // applied to the bytes later
	}
	parent, cur, pos, ok := tree.Lookup(m.Path)
	if !ok || parent == nil {
		return false
	}
	switch m.Op {
	case OpDrop:
		if parent.Kind != kObject {
			return false
		}
		parent.Members = slices.Delete(parent.Members, pos, pos+1)
	case OpDup:
		if parent.Kind != kObject {
			return false
		}
		parent.Members = slices.Insert(parent.Members, pos, member{Name: parent.Members[pos].Name, Value: cur.Clone()})
	case OpRetype, OpBoundary:
		return tree.Replace(m.Path, &node{Kind: kRaw, Text: m.Arg})
	case OpHugeString:
		n, _ := strconv.Atoi(m.Arg)
		return tree.Replace(m.Path, &node{Kind: kString, Text: strings.Repeat("A", max(n, 0))})
	case OpBadUTF8:
		return tree.Replace(m.Path, &node{Kind: kRaw, Text: "\"a\xff\xfe\xc0\x80b\xed\xa0\x80\""})
	case OpDeep:
		// A decoder checks a known member's type before it descends, so the nesting goes into
		// an unknown member, which a decoder must skip through (and bound) whatever its type.
		n, _ := strconv.Atoi(m.Arg)
		n = min(max(n, 1), 1<<20)
		deep := &node{Kind: kRaw, Text: strings.Repeat("[", n) + strings.Repeat("]", n)}
		switch {
		case cur.Kind == kObject:
			cur.Members = append(cur.Members, member{Name: "FuzzDeep", Value: deep})
		case parent.Kind == kObject:
			parent.Members = slices.Insert(parent.Members, pos+1, member{Name: "FuzzDeep", Value: deep})
		default:
			return tree.Replace(m.Path, deep)
		}
	case OpUnknownMember:
		if cur.Kind != kObject {
			return false
		}
		cur.Members = append(cur.Members, member{Name: m.Arg, Value: &node{Kind: kString, Text: "fuzz"}})
	case OpRenameTag:
		if parent.Kind != kObject {
			return false
		}
		parent.Members[pos].Name = m.Arg
	case OpUntag:
		if cur.Kind != kObject {
			return false
		}
		if len(m.Path) == 1 {
			*tree = *cur
			return true
		}
		_, gp, gpos, _ := tree.Lookup(m.Path[:len(m.Path)-1])
		_ = gpos
		*gp = *cur
	case OpBreakSig:
		return breakEnvelope(cur, true)
	case OpBreakPayload:
		return breakEnvelope(cur, false)
	case OpStripSig:
		if cur.Kind != kArray || len(cur.Elems) < 3 {
			return false
		}
		cur.Elems = cur.Elems[:2]
	default:
		return false
	}
	return true
}

// breakEnvelope flips a bit of the first signature (sig) or of the payload of a DARE array.
func breakEnvelope(env *node, sig bool) bool {
	if env.Kind != kArray || len(env.Elems) < 2 {
		return false
	}
	target := env.Elems[1]
	if sig {
		if len(env.Elems) < 3 {
			return false
		}
		_, s, _, ok := env.Elems[2].Lookup([]string{"signatures", "#0", "signature"})
		if !ok {
			return false
		}
		target = s
	}
	if target.Kind != kString {
		return false
	}
	raw, err := wire.DecodeBase64(target.Text)
	if err != nil || len(raw) == 0 {
		return false
	}
	raw[len(raw)/2] ^= 0x01
	target.Text = b64(raw)
	return true
}
