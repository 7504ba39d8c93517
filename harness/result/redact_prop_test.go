package result_test

import (
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/meshconform/meshconform/harness/result"
)

// genValue draws a JSON tree whose secret members hold values marked with "SECRETVALUE", so
// the property can look for any survivor.
func genValue(t *rapid.T, depth int) any {
	kind := rapid.IntRange(0, 3).Draw(t, "kind")
	if depth > 3 {
		kind = 0
	}
	switch kind {
	case 0:
		return rapid.StringMatching(`[a-z ]{0,8}`).Draw(t, "s")
	case 1:
		return rapid.IntRange(-5, 5).Draw(t, "n")
	case 2:
		n := rapid.IntRange(0, 3).Draw(t, "len")
		arr := make([]any, n)
		for i := range arr {
			arr[i] = genValue(t, depth+1)
		}
		return arr
	default:
		obj := map[string]any{}
		n := rapid.IntRange(0, 4).Draw(t, "members")
		for range n {
			if rapid.Bool().Draw(t, "secret") {
				name := rapid.SampledFrom([]string{"PIN", "Password", "Private", "PrivateKeyECDH", "d", "secret", "ClientSecret"}).Draw(t, "name")
				obj[name] = map[string]any{"v": "SECRETVALUE", "nested": []any{"SECRETVALUE"}}
				if rapid.Bool().Draw(t, "flat") {
					obj[name] = "SECRETVALUE"
				}
			} else {
				obj[rapid.SampledFrom([]string{"Account", "Status", "Entries", "Profile"}).Draw(t, "name")] = genValue(t, depth+1)
			}
		}
		return obj
	}
}

func TestRedactProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := genValue(t, 0)
		raw, err := json.MarshalIndent(v, "", rapid.SampledFrom([]string{"", " ", "\t"}).Draw(t, "indent"))
		if err != nil {
			t.Fatal(err)
		}
		out := result.NewRedactor().Body(raw)
		if !json.Valid(out) {
			t.Fatalf("redaction broke JSON:\n%s\n->\n%s", raw, out)
		}
		if strings.Contains(string(out), "SECRETVALUE") {
			t.Fatalf("secret survived:\n%s", out)
		}
	})
}
