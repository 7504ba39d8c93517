package matrix

import (
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/harness/result"
)

// Disagreement is one place where a target answered the same request otherwise than the first
// target (the baseline column) did, compared by structure, not by value: the HTTP status class,
// a transport problem, the response's tag, the payload Status class, and which payload members
// are present (an empty list counts as absent). Both runs used one seed, so a check sends the
// same request sequence to each target until their answers lead it elsewhere; where the requests
// themselves part (another transaction), the comparison of that check stops.
//
// A disagreement is no failure: the documents may allow both answers. It is what an interop
// event looks at where the documents are silent.
type Disagreement struct {
	Check    string `json:"check"`
	Target   string `json:"target"`   // the target that differs from the baseline
	Baseline string `json:"baseline"` // the first target's name
	Exchange int    `json:"exchange"` // index in the check's exchanges
	// What lists the structural differences, one phrase each.
	What []string `json:"what"`
	// BaselineExchange and TargetExchange are the two exchanges, in brief.
	BaselineExchange string `json:"baselineExchange"`
	TargetExchange   string `json:"targetExchange"`
}

// shape is what the cross-check compares of one exchange.
type shape struct {
	request  string // method and request tag: requests with another shape are another sequence
	class    string // "2xx", "4xx", ... or "no answer (problem)"
	tag      string // the response's single top-level member, "" when none
	status   string // payload Status class, "" when none
	members  []string
	notJSON  bool
	unparsed bool // truncated body: members not compared
}

func classOf(n int) string { return fmt.Sprintf("%dxx", n/100) }

// top reads a JSON object's single tagged member (the Mesh envelope {"Tag": {...}}) or the
// object itself.
func top(text string) (tag string, payload map[string]json.RawMessage, ok bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(text), &obj) != nil {
		return "", nil, false
	}
	if len(obj) == 1 {
		for k, v := range obj {
			var inner map[string]json.RawMessage
			if json.Unmarshal(v, &inner) == nil {
				return k, inner, true
			}
		}
	}
	return "", obj, true
}

// firstMember is the name of the first member of a JSON object, read from its first tokens
// only, so that a recorded body cut short still names its transaction.
func firstMember(text string) string {
	dec := json.NewDecoder(strings.NewReader(text))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	if t, err := dec.Token(); err == nil {
		if k, ok := t.(string); ok {
			return k
		}
	}
	return ""
}

func shapeOf(ex *result.Exchange) shape {
	s := shape{request: ex.Request.Method}
	if tag := firstMember(ex.Request.Body.Text); tag != "" {
		s.request += " " + tag
	}
	if ex.Response == nil {
		s.class = "no answer"
		if ex.Problem != "" {
			s.class += " (" + ex.Problem + ")"
		}
		return s
	}
	s.class = classOf(ex.Response.Status)
	if ex.Response.Body.Truncated {
		s.unparsed = true
		return s
	}
	tag, payload, ok := top(ex.Response.Body.Text)
	if !ok {
		s.notJSON = ex.Response.Body.Size > 0
		return s
	}
	s.tag = tag
	var st int
	if raw, has := payload["Status"]; has && json.Unmarshal(raw, &st) == nil {
		s.status = classOf(st)
	}
	for k, v := range payload {
		if absent(v) {
			continue
		}
		s.members = append(s.members, k)
	}
	sort.Strings(s.members)
	return s
}

// absent says a member carries nothing: null, an empty list or an empty object.
func absent(v json.RawMessage) bool {
	var x any
	if json.Unmarshal(v, &x) != nil {
		return false
	}
	switch x := x.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func compareShapes(a, b shape) []string {
	var what []string
	if a.class != b.class {
		what = append(what, "HTTP "+a.class+" / "+b.class)
	}
	if a.notJSON != b.notJSON {
		what = append(what, fmt.Sprintf("body is JSON: %t / %t", !a.notJSON, !b.notJSON))
	}
	if a.tag != b.tag {
		what = append(what, fmt.Sprintf("response tag %q / %q", a.tag, b.tag))
	}
	if a.status != b.status {
		what = append(what, fmt.Sprintf("payload Status %s / %s", orNone(a.status), orNone(b.status)))
	}
	if !a.unparsed && !b.unparsed {
		onlyA, onlyB := minus(a.members, b.members), minus(b.members, a.members)
		if len(onlyA) > 0 {
			what = append(what, "only the baseline answers with "+strings.Join(onlyA, ", "))
		}
		if len(onlyB) > 0 {
			what = append(what, "only this target answers with "+strings.Join(onlyB, ", "))
		}
	}
	return what
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// brief is one exchange in a line: the request's shape, the answer's status and body prefix.
func brief(ex *result.Exchange) string {
	req := ex.Request.Method + " " + truncate(ex.Request.Body.Text, 160)
	if ex.Response == nil {
		return req + " -> no answer: " + ex.Problem + " " + ex.Error
	}
	return fmt.Sprintf("%s -> %d %s", req, ex.Response.Status, truncate(ex.Response.Body.Text, 240))
}

// CrossCheck compares each target's exchanges with the first target's, check by check and
// exchange by exchange, and lists every structural disagreement. Targets that did not run, checks
// a target did not run and checks whose ID matches a glob of skip are not compared.
func CrossCheck(targets []Target, skip []string) []Disagreement {
	return crossCheck(targets, skip, portalComparison)
}

// comparison is how a kind of target is cross-checked: part says where two exchanges begin
// different sequences (the phrase for it, "" when they do not), compare lists what differs in
// two exchanges of one sequence, brief puts an exchange in a line, and count, when set, is what
// to say when one target's sequence of a check is longer than the other's.
type comparison struct {
	part    func(a, b *result.Exchange) string
	compare func(a, b *result.Exchange) []string
	brief   func(ex *result.Exchange) string
	count   func(base, other int) string
}

var portalComparison = comparison{
	part: func(a, b *result.Exchange) string {
		if sa, sb := shapeOf(a), shapeOf(b); sa.request != sb.request {
			return "the requests part here (" + sa.request + " / " + sb.request + "): not compared further"
		}
		return ""
	},
	compare: func(a, b *result.Exchange) []string { return compareShapes(shapeOf(a), shapeOf(b)) },
	brief:   brief,
}

func crossCheck(targets []Target, skip []string, how comparison) []Disagreement {
	if len(targets) < 2 || targets[0].Run == nil {
		return nil
	}
	base := targets[0]
	baseByID := map[string]*result.CheckResult{}
	for i := range base.Run.Results {
		baseByID[base.Run.Results[i].ID] = &base.Run.Results[i]
	}
	var out []Disagreement
	for _, t := range targets[1:] {
		if t.Run == nil {
			continue
		}
		for i := range t.Run.Results {
			r := &t.Run.Results[i]
			b := baseByID[r.ID]
			if b == nil || matchesAny(skip, r.ID) {
				continue
			}
			out = append(out, crossCheckOne(b.Exchanges, r.Exchanges, how, Disagreement{Check: r.ID, Target: t.Name, Baseline: base.Name})...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Check != out[j].Check {
			return out[i].Check < out[j].Check
		}
		return out[i].Target < out[j].Target
	})
	return out
}

// crossCheckOne compares one check's exchanges on the baseline (bs) and on another target (rs);
// each disagreement is d with the exchange filled in.
func crossCheckOne(bs, rs []result.Exchange, how comparison, d Disagreement) []Disagreement {
	var out []Disagreement
	n := min(len(bs), len(rs))
	for j := 0; j < n; j++ {
		d.Exchange, d.BaselineExchange, d.TargetExchange = j, how.brief(&bs[j]), how.brief(&rs[j])
		if parted := how.part(&bs[j], &rs[j]); parted != "" {
			d.What = []string{parted}
			return append(out, d)
		}
		if d.What = how.compare(&bs[j], &rs[j]); len(d.What) > 0 {
			out = append(out, d)
		}
	}
	if how.count != nil && len(bs) != len(rs) {
		d.Exchange, d.BaselineExchange, d.TargetExchange = n, "(nothing)", "(nothing)"
		if n < len(bs) {
			d.BaselineExchange = how.brief(&bs[n])
		}
		if n < len(rs) {
			d.TargetExchange = how.brief(&rs[n])
		}
		d.What = []string{how.count(len(bs), len(rs))}
		out = append(out, d)
	}
	return out
}

func matchesAny(globs []string, id string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, id); ok {
			return true
		}
	}
	return false
}
