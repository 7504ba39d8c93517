package hostile

import (
	"encoding/json"
	"testing"

	"github.com/meshconform/meshconform/reference/mesh"
	"github.com/meshconform/meshconform/reference/wire"
)

// TestGetBodiesParse: every shape, at every size the checks use, is a Get the reference codec
// decodes under the default limits, no larger than asked and not much smaller.
func TestGetBodiesParse(t *testing.T) {
	for _, shape := range Shapes() {
		for _, size := range []int{256, 4 << 10, 64 << 10, 1_000_000} {
			body, err := Get(shape, size, "nobody@localhost")
			if err != nil {
				t.Fatalf("%s %d: %v", shape, size, err)
			}
			if len(body) > size || len(body) < size-size/100-200 {
				t.Errorf("%s %d: body of %d bytes", shape, size, len(body))
			}
			if !json.Valid(body) {
				t.Fatalf("%s %d: not JSON", shape, size)
			}
			req, _, err := mesh.DecodeRequest(body, &mesh.DecodeOptions{Limits: wire.DefaultLimits})
			if err != nil {
				t.Fatalf("%s %d: %v", shape, size, err)
			}
			g, ok := req.(*mesh.GetRequest)
			if !ok {
				t.Fatalf("%s %d: decoded as %T", shape, size, req)
			}
			if (shape == KeyValues || shape == Names) && len(g.KeyValues) == 0 {
				t.Errorf("%s %d: no KeyValues", shape, size)
			}
		}
	}
	if _, err := Get("bogus", 1000, ""); err == nil {
		t.Error("an unknown shape made a body")
	}
}
