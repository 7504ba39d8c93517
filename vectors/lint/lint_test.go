package lint

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/meshconform/meshconform/spec"
	"github.com/meshconform/meshconform/vectors"
)

func TestEmbeddedFilesAreClean(t *testing.T) {
	problems, err := Files(vectors.FS(), vectors.Names(), spec.MustLoad())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// TestLintFindsEachDefect starts from a valid file and breaks one invariant per case.
func TestLintFindsEachDefect(t *testing.T) {
	good := `{"schema":"structure_decode_schema.json","schemaVersion":1,"topic":"t","generatorVersion":"1",
"numberOfTests":1,"header":[],"notes":{"Empty":{"bugType":"EDGE_CASE","description":"d"}},
"testGroups":[{"type":"StructureDecode","structure":"KeyValue","section":"3.4.1",
"source":{"name":"n","version":"1"},"limits":{"maxBytes":1,"maxDepth":1,"maxString":1,"maxArray":1},
"tests":[{"tcId":"KeyValue/empty","comment":"","flags":["Empty"],"result":"valid","section":"3.4.1",
"note":"NOTE-EMPTY","document":"{}","canonical":"{}"}]}]}`
	tests := []struct {
		name, old, new, want string
	}{
		{"clean", "", "", ""},
		{"count", `"numberOfTests":1`, `"numberOfTests":2`, "numberOfTests is 2"},
		{"undefined flag", `"flags":["Empty"]`, `"flags":["Empty","Other"]`, `flag "Other" is not defined`},
		{"unknown note", `"note":"NOTE-EMPTY"`, `"note":"NOTE-NOPE"`, "cites note NOTE-NOPE"},
		{"unknown requirement", `"note":"NOTE-EMPTY"`, `"requirement":"REQ-NOPE"`, "cites requirement REQ-NOPE"},
		{"unknown section", `"result":"valid","section":"3.4.1"`, `"result":"valid","section":"3.99"`, "cites section 3.99"},
		{"schema: bad result", `"result":"valid"`, `"result":"maybe"`, "does not validate"},
		{"schema: missing canonical", `,"canonical":"{}"`, ``, "does not validate"},
		{"bad bugType", `"EDGE_CASE"`, `"NOT_A_TYPE"`, "bugType"},
		{"unused note", `"notes":{`, `"notes":{"Spare":{"bugType":"BASIC","description":"d"},`, "note Spare is defined but no test uses it"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(good, tc.old, tc.new, 1)
			fsys := fstest.MapFS{"testvectors/a.json": {Data: []byte(doc)}}
			for _, n := range []string{"common.json", "structure_decode_schema.json"} {
				data, err := vectors.Schema(n)
				if err != nil {
					t.Fatal(err)
				}
				fsys["schemas/"+n] = &fstest.MapFile{Data: data}
			}
			problems, err := Files(fsys, []string{"a.json"}, spec.MustLoad())
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, p := range problems {
				all = append(all, p.String())
			}
			joined := strings.Join(all, "\n")
			if tc.want == "" {
				if len(problems) != 0 {
					t.Fatalf("clean file has problems:\n%s", joined)
				}
				return
			}
			if !strings.Contains(joined, tc.want) {
				t.Fatalf("want a problem containing %q, got:\n%s", tc.want, joined)
			}
		})
	}
	// duplicate tcIds across two files
	fsys := fstest.MapFS{"testvectors/a.json": {Data: []byte(good)}, "testvectors/b.json": {Data: []byte(good)}}
	for _, n := range []string{"common.json", "structure_decode_schema.json"} {
		data, _ := vectors.Schema(n)
		fsys["schemas/"+n] = &fstest.MapFile{Data: data}
	}
	problems, _ := Files(fsys, []string{"a.json", "b.json"}, spec.MustLoad())
	if len(problems) != 1 || !strings.Contains(problems[0].Msg, "tcId also used in a.json") {
		t.Fatalf("duplicate tcId: got %v", problems)
	}
}
