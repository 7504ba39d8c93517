package result

import "testing"

func TestToolString(t *testing.T) {
	for _, tt := range []struct {
		tool Tool
		want string
	}{
		{Tool{Name: "meshconform", Version: "0.1.0"}, "meshconform 0.1.0"},
		{Tool{Name: "meshconform"}, "meshconform"},
		{Tool{Name: "meshconform", Version: "v1.2.0", Commit: "1a2b3c4d5e6f", GoVersion: "go1.26.0", Schema: "v1 sha256:aa",
			Catalog: "v1 sha256:bb, 90 requirements", Notes: "v1 sha256:cc"},
			"meshconform v1.2.0 (commit 1a2b3c4d5e6f, go1.26.0, schema v1 sha256:aa, catalog v1 sha256:bb, 90 requirements)"},
		{Tool{Name: "meshconform", Version: "0.1.0", GoVersion: "go1.26.0"}, "meshconform 0.1.0 (go1.26.0)"},
	} {
		if got := tt.tool.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.tool, got, tt.want)
		}
	}
}
