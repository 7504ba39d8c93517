package conformance

import (
	"context"
	"fmt"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/reference/mesh"
)

// statusChecks verify that Status is implemented or says it is not (NOTE-UNIMPLEMENTED), and
// report which of the optional Status and Transfer the portal offers (draft 3.11, 3.16).
func statusChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "status.answers", Requirement: "REQ-UNIMPLEMENTED-501", Category: harness.Deviation,
			Title: "Status is implemented, or says it is not with 501",
			Doc: "NOTE-UNIMPLEMENTED: a portal without Status answers Status 501 (or HTTP 404/501 for the whole " +
				"request), so that clients and this suite can tell absence from failure. Fails on anything else that " +
				"is not a StatusResponse with Status 2xx, e.g. a 500. One request.",
			Accepts: "A StatusResponse with payload Status 2xx, or unimplemented: Status 501, or HTTP 404/501 without a MeshResponse (NOTE-UNIMPLEMENTED); a 500 fails.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				r := s.do(&mesh.StatusRequest{}, nil)
				s.unimplementedIf("Status", r)
				s.ok("Status", r, "Status neither answers nor says it is unimplemented")
			},
		},
		{
			ID: "status.implemented", Requirement: "REQ-STATUS-NOT-IMPLEMENTED", Category: harness.Probe,
			Title: "Does the portal implement Status and Transfer?",
			Doc: "The draft marks Status and Transfer \"[Not currently implemented]\": their absence is allowed. " +
				"Reports which of the two the portal offers. Information only. Two requests.",
			Accepts: "Any answer: information only (draft 3.11, 3.16: \"[Not currently implemented]\").",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				for _, q := range []mesh.MeshRequest{&mesh.StatusRequest{}, &mesh.TransferRequest{}} {
					r := s.do(q, nil)
					switch {
					case r.status == 501 || (r.ex != nil && (r.ex.HTTPStatus == 404 || r.ex.HTTPStatus == 501) && r.resp == nil):
						t.Info(q.Transaction() + " is not implemented")
					default:
						t.Info(fmt.Sprintf("%s is implemented (Status %d)", q.Transaction(), r.status))
					}
				}
			},
		},
	}
}
