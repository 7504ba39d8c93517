package client

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/shim"
	"github.com/meshconform/meshconform/harness/testportal"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/keys"
	"github.com/meshconform/meshconform/vectors"
)

// VectorChecks turns the client-response vectors (vectors/testvectors/client-responses.json)
// into checks, one per vector: the test portal answers the vector's transaction with the
// vector's answer while the client runs the vector's operation, and the client's verdict must
// match the vector's result.
func VectorChecks(env Env, groups []vectors.ClientResponseGroup) []harness.Check {
	var out []harness.Check
	for _, g := range groups {
		for _, v := range g.Tests {
			out = append(out, vectorCheck(env, g, v))
		}
	}
	return out
}

// VectorCheckID is the check ID of a vector's tcId: "Client/Get/valid-profile" is
// "vector.client.get.valid-profile".
func VectorCheckID(tcID string) string {
	return "vector." + strings.ToLower(strings.ReplaceAll(tcID, "/", "."))
}

func vectorCheck(env Env, g vectors.ClientResponseGroup, v vectors.ClientResponseTest) harness.Check {
	served := "the vector's answer"
	if v.Fault != "" {
		served = "its correct answer with the " + v.Fault + " fault"
	}
	want := map[string]string{vectors.Valid: "complete it (exit 0)", vectors.Invalid: "refuse (exit 1)" + admittedIDs(v.Errors),
		vectors.Acceptable: "complete it or refuse it (exit 0 or 1)"}[v.Result]
	return harness.Check{
		ID: VectorCheckID(v.TcID), Requirement: v.Requirement, Section: v.Section, Category: harness.Deviation,
		Title: fmt.Sprintf("Vector %s (%s): %s", v.TcID, v.Result, v.Comment),
		Doc: fmt.Sprintf("The client runs `%s` and the test portal answers %s with %s (vectors/testvectors/%s, %s); the client must %s, never crash or hang.",
			strings.Join(v.Op, " "), v.Tx, served, vectors.ClientResponsesFile, v.TcID, want),
		Accepts: "What the vector's result admits (vectors/testvectors/" + vectors.ClientResponsesFile + ", README: valid, invalid, acceptable) with the exit codes and error identifiers of docs/SHIM.md: " + want + ".",
		Run:     func(ctx context.Context, t *harness.T) { runVector(ctx, t, env, g, v) },
	}
}

func admittedIDs(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ", naming " + strings.Join(ids, " or ")
}

func runVector(ctx context.Context, t *harness.T, env Env, g vectors.ClientResponseGroup, v vectors.ClientResponseTest) {
	var armed atomic.Bool
	var served atomic.Int32
	opts := testportal.Options{Fault: testportal.Fault(v.Fault)}
	if v.Response != "" {
		status := v.HTTPStatus
		if status == 0 {
			status = 200
		}
		opts.Answer = func(tx string, _, body []byte, code int) ([]byte, int) {
			if !armed.Load() || tx != v.Tx {
				return body, code
			}
			served.Add(1)
			return []byte(v.Response), status
		}
	}
	s := start(ctx, t, env, opts)
	defer s.close()
	op := append([]string(nil), v.Op...)
	if v.Setup != "" {
		a := s.vectorAccount(ctx, g)
		for i := range op {
			op[i] = strings.ReplaceAll(op[i], "{account}", a.Name)
		}
		if v.Setup == "connected" {
			s.mustSucceed(ctx, "dev", "connect", "request", a.Name)
			if s.approveAll(ctx, a) == 0 {
				t.Skip("the connection request of the client did not verify on the administration device")
			}
		}
	}
	before := len(s.requests(v.Tx))
	armed.Store(true)
	r := s.run(ctx, "dev", op...)
	armed.Store(false)
	if len(s.requests(v.Tx)) == before {
		t.Failf("the client sent no %s request during %q, so the answer under test was never served: %s", v.Tx, strings.Join(op, " "), r.Summary())
		return
	}
	if v.Response != "" && served.Load() == 0 {
		t.Skip("the test portal did not serve the vector's answer")
	}
	why := fmt.Sprintf("the answer of vector %s (%s)", v.TcID, v.Comment)
	switch v.Result {
	case vectors.Valid:
		if r.Class != shim.ClassOK {
			t.Fail(harness.Finding{Message: fmt.Sprintf("the client did not complete %q on %s, which is valid: %s", strings.Join(op, " "), why, r.Summary()),
				Expected: "exit 0", Observed: fmt.Sprintf("%s (exit %d)", r.Class, r.ExitCode)})
		}
	case vectors.Invalid:
		s.judgeRefusal(r, v.Errors, why, op)
	case vectors.Acceptable:
		if r.Class != shim.ClassOK && r.Class != shim.ClassRefused {
			t.Fail(harness.Finding{Message: fmt.Sprintf("%q on %s, which a client may complete or refuse: %s", strings.Join(op, " "), why, r.Summary()),
				Expected: "exit 0 or 1", Observed: fmt.Sprintf("%s (exit %d)", r.Class, r.ExitCode)})
		}
	}
}

// vectorAccount creates the vector group's account on the portal with the keys its seeds
// derive, so that the portal's own answers agree with the vectors' bodies.
func (s *session) vectorAccount(ctx context.Context, g vectors.ClientResponseGroup) *client.Account {
	ms, err1 := hex.DecodeString(g.MasterSeed)
	ds, err2 := hex.DecodeString(g.DeviceSeed)
	if err1 != nil || err2 != nil {
		s.t.Skip("the vector group's seeds are not hex")
	}
	m, err := client.NewMaster(keys.Ed448, ms)
	if err != nil {
		s.t.Skip("keys: " + err.Error())
	}
	d, err := client.NewDevice(keys.Ed448, ds)
	if err != nil {
		s.t.Skip("keys: " + err.Error())
	}
	a := &client.Account{Name: g.Account, Master: m, Device: d}
	if _, _, err := s.ps.Direct().CreateAccount(ctx, a); err != nil {
		s.t.Skip("the test portal refused to set up the account: " + err.Error())
	}
	return a
}
