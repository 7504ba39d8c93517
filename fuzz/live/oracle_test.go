package live

import (
	"slices"
	"strconv"
	"testing"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/spec"
)

func answer(status int, body string) *target.Exchange {
	return &target.Exchange{Response: &target.Response{Status: status, Body: []byte(body)}}
}

func classesOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Class)
	}
	slices.Sort(out)
	return out
}

// TestJudgeNoTransaction: a body that names no transaction is owed a 4xx and nothing more
// (NOTE-NO-TRANSACTION); one that names one is owed its tagged class and a Status.
func TestJudgeNoTransaction(t *testing.T) {
	hello := &caseInfo{Template: "hello", Tx: "Hello", MustSucceed: true}
	for _, tt := range []struct {
		name, body string
		ex         *target.Exchange
		want       []string
	}{
		{"{} refused without payload", `{}`, answer(400, ""), nil},
		{"{} refused in plain text", `{}`, answer(422, "no transaction"), nil},
		{"bare structure refused bare", `{"Account":"a"}`, answer(400, `{"Status":400}`), nil},
		{"truncated refused bare", `{"Hello":{`, answer(400, `{"Status":400}`), nil},
		{"invalid UTF-8 refused without payload", "{\"Hello\":{\"X\":\"\xff\"}}", answer(400, ""), nil},
		{"payload authoritative, HTTP 200", `{}`, answer(200, `{"Status":400}`), []string{ClassStatusMismatch}},
		{"{} served", `{}`, answer(200, `{"Status":201}`), []string{ClassNoTxServed}},
		{"truncated served without payload", `{"Hello":{`, answer(200, ""), []string{ClassNoTxServed}},
		{"named, untagged", `{"Hello":{}}`, answer(200, `{"Status":201}`), []string{ClassUntagged}},
		{"named, no Status", `{"Hello":{}}`, answer(200, `{"HelloResponse":{}}`), []string{ClassMissingStatus}},
		{"named, neither", `{"Hello":{}}`, answer(200, `{}`), []string{ClassMissingStatus, ClassUntagged}},
		{"named, not JSON", `{"Hello":{}}`, answer(200, `ok`), []string{ClassMalformed}},
		{"ambiguous", `{"Hello":{},"Hello":{}}`, answer(400, ""), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ci := *hello
			if tt.body != `{"Hello":{}}` {
				ci.MustSucceed = false // the template's request is no longer what was sent
			}
			if got := classesOf(judge(&ci, []byte(tt.body), tt.ex)); !slices.Equal(got, tt.want) {
				t.Errorf("findings %v, want %v", got, tt.want)
			}
		})
	}
}

// TestJudgeOneFindingPerRequirement: a 5xx is one finding whatever its body, and a response that
// is not JSON is not also untagged (both break NOTE-RESPONSE-TAG).
func TestJudgeOneFindingPerRequirement(t *testing.T) {
	ci := &caseInfo{Template: "hello", Tx: "Hello", MustSucceed: true}
	for _, tt := range []struct {
		ex   *target.Exchange
		want []string
	}{
		{answer(500, "<html>crash</html>"), []string{ClassServerError}},
		{answer(500, `{"HelloResponse":{"Status":201}}`), []string{ClassServerError}},
		{answer(200, "<html>"), []string{ClassMalformed}},
		{answer(400, `{"HelloResponse":{"Status":400}}`), []string{ClassValidRefused}},
	} {
		fs := judge(ci, []byte(`{"Hello":{}}`), tt.ex)
		if got := classesOf(fs); !slices.Equal(got, tt.want) {
			t.Errorf("HTTP %d %q: findings %v, want %v", tt.ex.Response.Status, tt.ex.Response.Body, got, tt.want)
		}
		seen := map[string]bool{}
		for _, f := range fs {
			if seen[f.Requirement] || f.Requirement == "" || f.Level == "" {
				t.Errorf("finding %+v: requirement repeated or missing", f)
			}
			seen[f.Requirement] = true
		}
	}
}

// TestJudgeRequestAsSent: a signature claim holds only when the broken envelope is in the
// request sent, unchanged otherwise; a finding lists the mutations applied, in order.
func TestJudgeRequestAsSent(t *testing.T) {
	f := &Fuzzer{cfg: Config{Seed: 1}, domain: "localhost"}
	p, err := f.newParty("c", 1)
	must(t, err)
	create := &base{Template: "create", Tx: "CreateAccount", Body: p.create,
		Signed: [][]string{{"CreateAccount", "Profile"}, {"CreateAccount", "Device"}}}
	get := &base{Template: "get-account", Tx: "Get", Body: []byte(`{"Get":{"Account":"main@localhost"}}`), MustSucceed: true}
	device := []string{"CreateAccount", "Device"}
	ok := answer(200, `{"CreateResponse":{"Status":201}}`)
	for _, tt := range []struct {
		name        string
		b           *base
		muts        []Mutation
		ex          *target.Exchange
		want        string
		wantApplied []Op
	}{
		{"broken device signature", create, []Mutation{{Op: OpBreakSig, Path: device}}, ok, ClassBadSignature, []Op{OpBreakSig}},
		{"device dropped first: nothing to break", create, []Mutation{{Op: OpDrop, Path: device}, {Op: OpBreakSig, Path: device}}, ok, "",
			[]Op{OpDrop}},
		{"device broken, then dropped", create, []Mutation{{Op: OpBreakSig, Path: device}, {Op: OpDrop, Path: device}}, ok, "",
			[]Op{OpBreakSig, OpDrop}},
		{"broken, then another member changed", create,
			[]Mutation{{Op: OpBreakSig, Path: device}, {Op: OpBoundary, Path: []string{"CreateAccount", "Account"}, Arg: `"ALICE"`}}, ok, "",
			[]Op{OpBreakSig, OpBoundary}},
		{"broken, and an unknown member", create,
			[]Mutation{{Op: OpUnknownMember, Path: []string{"CreateAccount"}, Arg: "X"}, {Op: OpBreakSig, Path: device}}, ok, ClassBadSignature,
			[]Op{OpUnknownMember, OpBreakSig}},
		{"broken, then truncated", create, []Mutation{{Op: OpBreakSig, Path: device}, {Op: OpTruncate, Arg: "40"}}, ok, ClassNoTxServed,
			[]Op{OpBreakSig, OpTruncate}},
		{"truncated, then a member dropped", create, []Mutation{{Op: OpTruncate, Arg: strconv.Itoa(len(p.create) - 1)}, {Op: OpDrop, Path: device}},
			answer(400, ""), "", []Op{OpTruncate}},
		{"a Get renamed DeleteAccount, served unauthenticated", get, []Mutation{{Op: OpRenameTag, Path: []string{"Get"}, Arg: "DeleteAccount"}},
			answer(200, `{"DeleteResponse":{"Status":201}}`), ClassUnauthenticated, []Op{OpRenameTag}},
		{"a Get renamed Validate, served", get, []Mutation{{Op: OpRenameTag, Path: []string{"Get"}, Arg: "ValidateAccount"}},
			answer(200, `{"ValidateResponse":{"Status":201}}`), "", []Op{OpRenameTag}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body, _, _, applied, err := render(tt.b, tt.muts)
			must(t, err)
			ci := caseInfo{Template: tt.b.Template, Tx: tt.b.Tx, Signed: tt.b.Signed, MustSucceed: tt.b.MustSucceed, Mutations: tt.muts, Applied: applied}
			fs := judge(&ci, body, tt.ex)
			got := ""
			for _, f := range fs {
				if f.Class != ClassStatusMismatch {
					got = f.Class
				}
			}
			if got != tt.want || len(fs) > 1 {
				t.Fatalf("findings %v, want only %q", classesOf(fs), tt.want)
			}
			var ops []Op
			for _, m := range ci.appliedMutations() {
				ops = append(ops, m.Op)
			}
			if !slices.Equal(ops, tt.wantApplied) {
				t.Errorf("applied %v, want %v", ops, tt.wantApplied)
			}
			for _, f := range fs {
				if len(f.Mutations) != len(ops) {
					t.Errorf("the finding names %v, not the mutations applied %v", mutationStrings(f.Mutations), ops)
				}
			}
		})
	}
}

// TestJudgeUnimplemented: Status and Transfer may be answered 501, or 404 on the whole request
// (NOTE-UNIMPLEMENTED); another transaction may not.
func TestJudgeUnimplemented(t *testing.T) {
	transfer := &caseInfo{Template: "transfer", Tx: "Transfer", MustSucceed: true, HasSigner: true}
	hello := &caseInfo{Template: "hello", Tx: "Hello", MustSucceed: true}
	for _, tt := range []struct {
		ci   *caseInfo
		body string
		ex   *target.Exchange
		want []string
	}{
		{transfer, `{"Transfer":{}}`, answer(501, ""), nil},
		{transfer, `{"Transfer":{}}`, answer(404, "not found"), nil},
		{transfer, `{"Transfer":{}}`, answer(200, `{"TransferResponse":{"Status":501}}`), nil},
		{hello, `{"Hello":{}}`, answer(501, `{"HelloResponse":{"Status":501}}`), []string{ClassValidRefused}},
	} {
		if got := classesOf(judge(tt.ci, []byte(tt.body), tt.ex)); !slices.Equal(got, tt.want) {
			t.Errorf("%s answered HTTP %d %q: findings %v, want %v", tt.body, tt.ex.Response.Status, tt.ex.Response.Body, got, tt.want)
		}
	}
}

// TestClassRequirements: every class names a requirement of spec/requirements.json, at that
// requirement's level but where the class says otherwise on purpose.
func TestClassRequirements(t *testing.T) {
	sp, err := spec.Load()
	must(t, err)
	// accepted-wrong-host: draft 3.1's MUST binds the client; the refusal is a SHOULD (wire.host).
	lowered := map[string]bool{ClassWrongHost: true}
	reqs := []string{"REQ-TRANSFER-AUTHORIZED"}
	for _, s := range []string{"Profile", "Device", "Entry", "SignedRequest", "Result"} {
		reqs = append(reqs, signatureRequirement([]string{s}))
	}
	for c, info := range classes {
		r, ok := sp.Requirement(info.req)
		if !ok {
			t.Errorf("%s: no requirement %s", c, info.req)
			continue
		}
		if r.Level != info.level && !(lowered[c] && info.level == "SHOULD") {
			t.Errorf("%s: level %s, its requirement %s is %s", c, info.level, r.ID, r.Level)
		}
	}
	for _, id := range reqs {
		if _, ok := sp.Requirement(id); !ok {
			t.Errorf("no requirement %q", id)
		}
	}
}
