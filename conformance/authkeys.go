package conformance

import (
	"bytes"
	"context"
	"fmt"

	"github.com/meshconform/meshconform/harness"
	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/client"
	"github.com/meshconform/meshconform/reference/mesh"
)

// authKeyChecks verify which key authenticates a device (draft 2.6.6) and how a refusal is
// answered (NOTE-AUTH).
func authKeyChecks(env Env) []harness.Check {
	return []harness.Check{
		{
			ID: "auth.wrong-device-key", Requirement: "REQ-DEVICE-AUTH-KEY", Category: harness.Control,
			Title: "Only the DeviceAuthenticationKey authenticates a device",
			Doc: "2.6.6: the DeviceAuthenticationKey is the \"Key used to authenticate requests made by the device\". " +
				"Authenticates a request with the device's signature key (DSK) instead, and expects 401: a portal that " +
				"accepts any key of the device confuses the roles the profile gives its keys. Two requests.",
			Accepts: "Status 401 (NOTE-AUTH; draft 2.6.6).",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("dsk")
				s.refused("ConnectPending", s.do(&mesh.ConnectPendingRequest{AccountID: a.Name}, &client.Auth{Signer: a.Device.DSK, Account: a.Name}), "a request authenticated by the device's signature key was accepted", 401)
			},
		},
		{
			ID: "auth.refusal-status", Requirement: "REQ-AUTH-REFUSE", Category: harness.Control,
			Title: "An unauthenticated request gets HTTP 401 and Status 401, never data",
			Doc: "NOTE-AUTH: \"Otherwise HTTP 401 and Status 401, never data.\" Sends an unauthenticated ConnectPending " +
				"for an account with a pending request and checks both status codes and that no Pending entry is " +
				"returned. Three requests.",
			Accepts: "HTTP 401 and Status 401 and no Pending member (NOTE-AUTH: \"Otherwise HTTP 401 and Status 401, never data\"), the one HTTP code a note names.",
			Run: func(ctx context.Context, t *harness.T) {
				s := env.session(ctx, t)
				a := s.create("r401")
				s.start(a, s.newDevice())
				ex := s.raw(mustRequest(&mesh.ConnectPendingRequest{AccountID: a.Name}), nil)
				if httpStatus(ex) != 401 || payloadStatus(ex) != 401 {
					t.Fail(harness.Finding{Message: "an unauthenticated request was not answered 401 on both layers", Expected: "HTTP 401, Status 401", Observed: fmt.Sprintf("HTTP %d, Status %d", httpStatus(ex), payloadStatus(ex)), Exchanges: []*target.Exchange{ex}})
				}
				if bytes.Contains(bodyOf(ex), []byte(`"Pending"`)) {
					t.Fail(harness.Finding{Message: "the refusal carries pending requests", Observed: string(bodyOf(ex)), Exchanges: []*target.Exchange{ex}})
				}
			},
		},
	}
}
