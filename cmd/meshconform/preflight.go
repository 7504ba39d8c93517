package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/meshconform/meshconform/harness/target"
	"github.com/meshconform/meshconform/reference/mesh"
)

// meshHello is the pre-flight's request, a Hello, and its reading of the answer (the target
// package knows no protocol). The boundary (target.Preflight says why): an answer is a Mesh
// message when its body is a JSON object that is either tagged with a response class
// ({"HelloResponse": {...}}, any class: the checks judge which) or an untagged payload with an
// integer Status. It refuses when its Status (else the HTTP status) is 400 or more. Nothing else
// of the message is judged here: a HelloResponse without Version or Status is the checks' matter.
var meshHello = target.Hello{Body: mustEncode(&mesh.HelloRequest{}), Read: readMeshAnswer}

func mustEncode(r mesh.MeshRequest) []byte {
	b, err := mesh.EncodeRequest(r)
	if err != nil {
		panic(err)
	}
	return b
}

// readMeshAnswer reads an answer's shape, not its content.
func readMeshAnswer(httpStatus int, body []byte) target.Reading {
	var top map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(body), &top) != nil {
		return target.Foreign
	}
	payload, tagged := top, false
	for tag, v := range top {
		if len(top) == 1 && isResponseClass(tag) {
			if json.Unmarshal(v, &payload) != nil {
				return target.Foreign
			}
			tagged = true
		}
	}
	var status int
	hasStatus := json.Unmarshal(payload["Status"], &status) == nil
	switch {
	case !hasStatus && !tagged:
		return target.Foreign
	case !hasStatus:
		status = httpStatus
	}
	if status >= 400 {
		return target.Refusal
	}
	return target.Accepted
}

func isResponseClass(tag string) bool {
	for _, t := range mesh.Transactions() {
		if t.Response == tag {
			return true
		}
	}
	return false
}

// preflight classifies the target before anything is sent to it in earnest: a target that cannot
// be a portal, or a setting that is wrong, ends the command with exit 2 and one line (condition,
// what was seen, next step). A note (a portal refusing Hello) goes to out.
func preflight(ctx context.Context, out io.Writer, opts target.Options) error {
	res, err := target.Preflight(ctx, opts, meshHello)
	if err != nil {
		return usage("%v", err)
	}
	if !res.OK() {
		return usage("not run: %s", res.Error())
	}
	if res.Note != "" {
		fmt.Fprintf(out, "note: %s\n", res.Note)
	}
	return nil
}
