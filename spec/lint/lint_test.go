package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/meshconform/meshconform/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// syntheticSchema matches testdata/synthetic.txt except for the differences the schema checks
// must find: Beta.Note renamed, Delta.Extra missing, Delta.Kind retyped, Delta.Hidden and
// WireOnly added from the wire.
func syntheticSchema() *spec.Schema {
	str := func(name, typ string) spec.Field { return spec.Field{Name: name, Type: typ, Source: "draft"} }
	return &spec.Schema{
		Structures: []spec.Structure{
			{Name: "Alpha", Kind: "structure", Section: "2.1", Source: "draft", Fields: []spec.Field{str("Name", "String"), str("Size", "Integer"), str("Link", "Missing")}},
			{Name: "Beta", Kind: "structure", Section: "2.2", Inherits: "Alpha", Source: "draft", Fields: []spec.Field{
				{Name: "Notes", Type: "String", DraftName: "Note", Source: "wire", Notes: []string{"NOTE-X"}}}},
			{Name: "GammaNew", Kind: "structure", Section: "2.3", Source: "draft"},
			{Name: "AlphaChild", Kind: "structure", Section: "2.4", Source: "draft", Fields: []spec.Field{str("Weight", "Integer")}},
			{Name: "Delta", Kind: "structure", Section: "2.6", Source: "draft", Fields: []spec.Field{
				str("Value", "String"), str("Kind", "Integer"), {Name: "Hidden", Type: "Binary", Source: "wire"}}},
			{Name: "PingRequest", Kind: "message", Section: "3.1.1", Inherits: "MeshRequest", Source: "draft", Fields: []spec.Field{str("Echo", "String")}},
			{Name: "PingResponse", Kind: "message", Section: "3.1.2", Inherits: "MeshResponse", DraftInherits: "MeshRequest", Source: "draft"},
			{Name: "MeshRequest", Kind: "message", Section: "3.2", Source: "draft"},
			{Name: "MeshResponse", Kind: "message", Section: "3.2", Source: "wire"},
			{Name: "Orphan", Kind: "message", Section: "3.3", Source: "draft", Fields: []spec.Field{str("Id", "String")}},
			{Name: "WireOnly", Kind: "structure", Section: "3", Source: "wire"},
		},
		Transactions: []spec.Transaction{{Name: "Ping", Section: "3.1", Request: "PingRequest", Response: "PingResponse"}},
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestSyntheticDraftOneDefectPerKind lints a small draft built to hold one defect of each kind and
// asserts each is reported at its section. A kind added without a case here fails the test.
func TestSyntheticDraftOneDefectPerKind(t *testing.T) {
	findings, err := Lint(readFile(t, "synthetic.txt"), syntheticSchema())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind    Kind
		section string
		message string // a fragment the message must contain
	}{
		{KindStrayCharacter, "2", "service.x"},
		{KindTruncatedSentence, "2.1", "This structure MUST be signed by"},
		{KindDuplicateField, "2.1", "Alpha.Name"},
		{KindConflict, "2.1", "Alpha.Size"},
		{KindUndefinedType, "2.1", "Missing"},
		{KindDuplicateInherits, "2.2", "Beta"},
		{KindSplitSentence, "2.2", "MAY not be complete"},
		{KindKeywordMisuse, "2.2", "MAY not"},
		{KindSchemaRenamed, "2.2", "Beta.Note travels as Notes (NOTE-X)"},
		{KindTOCMismatch, "2.3", "GammaOld"},
		{KindTOCNumbering, "2.3", "\"2.3\""},
		{KindEmptyStructure, "2.3", "GammaNew"},
		{KindNoDescription, "2.2", "Beta"},
		{KindTOCPageOrder, "2.4", "page 1"},
		{KindLostCharacter, "2.4", "Future ? weight."},
		{KindMissingInherits, "2.4", "extends Alpha"},
		{KindNumbering, "2.6", "2.6 does not follow 2.4"},
		{KindHeadingMarkup, "2.6", "2.6 to 2.7"},
		{KindLowercaseKeyword, "2.6", "should"},
		{KindSchemaMissing, "2.6", "Delta.Extra"},
		{KindSchemaMismatch, "2.6", "Delta.Kind has type String in the draft but Integer"},
		{KindSchemaOnly, "2.6", "Delta.Hidden (source wire)"},
		{KindSchemaOnly, "3", "WireOnly"},
		{KindTOCNoTitle, "2.7", "2.7."},
		{KindHeadingNoTitle, "2.7", "2.7."},
		{KindEmptySection, "2.7", "2.7"},
		{KindDuplicateRequest, "3.1", "Request: PingRequest"},
		{KindDuplicateResponse, "3.1", "Response: PingResponse"},
		{KindNotImplemented, "3.1", "Ping"},
		{KindRequestDescribedAsResp, "3.1.1", "PingRequest"},
		{KindResponseInheritsRequest, "3.1.2", "PingResponse inherits the request class MeshRequest"},
		{KindFieldsContradictText, "3.2", "MeshRequest"},
		{KindNoBase, "3.3", "Orphan"},
		{KindTitleDefect, "4.1", "()"},
		{KindTOCMissing, "4.2", "Unlisted"},
		{KindMergedHeading, "4.3", "4.3 and 4.3.1"},
		{KindPlaceholder, "5", "RFC???"},
		{KindBodyMissing, "5.1", "Ghost"},
	}
	tested := map[Kind]bool{}
	for _, tc := range cases {
		tested[tc.kind] = true
		t.Run(string(tc.kind)+"@"+tc.section, func(t *testing.T) {
			var near []string
			for _, f := range findings {
				if f.Kind == tc.kind {
					if f.Section == tc.section && strings.Contains(f.Message, tc.message) {
						if f.Severity != severities[tc.kind] || f.Severity == "" {
							t.Errorf("severity %q, want %q", f.Severity, severities[tc.kind])
						}
						return
					}
					near = append(near, f.Section+" "+f.Message)
				}
			}
			t.Errorf("no %s finding in %s containing %q; findings of that kind: %q", tc.kind, tc.section, tc.message, near)
		})
	}
	for k := range severities {
		if !tested[k] {
			t.Errorf("kind %s has no case in the synthetic draft", k)
		}
	}
}

// TestSyntheticCleanPartsStayClean guards against false positives: sections written correctly
// must produce no finding of the kinds that concern their content.
func TestSyntheticCleanPartsStayClean(t *testing.T) {
	findings, err := Lint(readFile(t, "synthetic.txt"), syntheticSchema())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		switch {
		case f.Section == "1":
			t.Errorf("the introduction is clean, got %v", f)
		case f.Kind == KindUndefinedType && f.Section != "2.1":
			t.Errorf("only Missing is undefined, got %v", f)
		case f.Kind == KindResponseInheritsRequest && f.Section != "3.1.2":
			t.Errorf("only PingResponse inherits a request, got %v", f)
		case f.Kind == KindTruncatedSentence && f.Section != "2.1":
			t.Errorf("only 2.1 has a cut-off sentence, got %v", f)
		case f.Kind == KindSchemaMissing && f.Section != "2.6":
			t.Errorf("the schema has everything but Delta.Extra, got %v", f)
		}
	}
}

func TestLintRejectsNonDrafts(t *testing.T) {
	for name, text := range map[string]string{
		"empty":         "",
		"prose":         "Hello world.\nNo sections here.\n",
		"toc only":      "Table of Contents\n\n1.\tIntroduction\t1\n",
		"binary":        "\x00\x01\x02\xff",
		"number no dot": "1 Introduction\n\nText.\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Lint(text, nil)
			if !errors.Is(err, ErrNotADraft) {
				t.Fatalf("err = %v, want ErrNotADraft", err)
			}
		})
	}
}

// TestRealDraftGolden pins the draft's own defects (without the schema, whose edits would churn
// the file). Regenerate with: go test ./spec/lint -run Golden -update
func TestRealDraftGolden(t *testing.T) {
	findings, err := Lint(spec.MustLoad().DraftText, nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteText(&buf, findings); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "draft-findings.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Fatalf("findings differ from %s (-want +got); rerun with -update if intended:\n%s", golden, diff)
	}
}

// TestRealDraftKnownDefects names the defects the brief and WIRE.md call out, so that a golden
// regenerated carelessly cannot lose them.
func TestRealDraftKnownDefects(t *testing.T) {
	s := spec.MustLoad()
	findings, err := Lint(s.DraftText, &s.Schema)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		section string
		kind    Kind
		message string
	}{
		{"2.6.5", KindTruncatedSentence, "This profile MUST be signed by"},
		{"3.6.2", KindSplitSentence, "The list of characters"},
		{"2.8.6", KindTOCMismatch, "CatalogEntryContactRecreation"},
		{"2.8.12", KindTOCMismatch, "CatalogEntryApplicationRecreation"},
		{"2.8.14", KindTOCNumbering, "2.8.14 to 3.14.2"},
		{"6.2", KindTOCNoTitle, "6.2."},
		{"2.9", KindMergedHeading, "2.9 and 2.9.1"},
		{"3.9.2", KindUndefinedType, "DataItem"},
		{"3.16.2", KindUndefinedType, "DataItem"},
		{"3.12.1", KindUndefinedType, "SignedConnectionRequest"},
		{"3.14.2", KindUndefinedType, "SignedConnectionRequest"},
		{"3.13.2", KindUndefinedType, "SignedConnectionResult"},
		{"3.15.1", KindUndefinedType, "SignedConnectionResult"},
		{"2.8.2", KindUndefinedType, "DeviceRecryptionKey"},
		{"3.5", KindUndefinedType, "HelloRequest"},
		{"3.5", KindUndefinedType, "HelloResponse"},
		{"3.12.2", KindResponseInheritsRequest, "ConnectStartResponse"},
		{"3.13.2", KindResponseInheritsRequest, "ConnectStatusResponse"},
		{"3.14.2", KindResponseInheritsRequest, "ConnectPendingResponse"},
		{"3.15.2", KindResponseInheritsRequest, "ConnectCompleteResponse"},
		{"3.15.1", KindRequestDescribedAsResp, "ConnectCompleteRequest"},
		{"3.2.1", KindFieldsContradictText, "MeshResponse"},
		{"2.6.9", KindDuplicateInherits, "ProfileApplication"},
		{"2.7.2", KindDuplicateField, "Contact.FullName"},
		{"3.5", KindDuplicateRequest, "HelloRequest"},
		{"2.6.2", KindEmptySection, "Keyset Classes"},
		{"7.1.3", KindPlaceholder, "RFC???"},
		{"3.9.2", KindSchemaRenamed, "DataItems travels as Entries"},
		{"3.2.1", KindSchemaOnly, "MeshResponse.Status (source wire)"},
		{"2.5.1", KindSchemaOnly, "PublicKey.PublicParameters"},
		{"3.5", KindSchemaOnly, "HelloResponse"},
	}
	for _, tc := range cases {
		found := false
		for _, f := range findings {
			if f.Section == tc.section && f.Kind == tc.kind && strings.Contains(f.Message, tc.message) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("missing %s %s %q", tc.section, tc.kind, tc.message)
		}
	}
	// The schema must account for every structure and field of the draft: a schema-missing or
	// schema-mismatch finding on the real draft means schema.json dropped or mistyped something.
	for _, f := range findings {
		if f.Kind == KindSchemaMissing || f.Kind == KindSchemaMismatch {
			t.Errorf("schema.json disagrees with the draft: %s %s", f.Section, f.Message)
		}
	}
}

func TestFindingsSortedBySection(t *testing.T) {
	s := spec.MustLoad()
	findings, err := Lint(s.DraftText, &s.Schema)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(findings); i++ {
		if compareSections(findings[i-1].Section, findings[i].Section) > 0 {
			t.Fatalf("%s sorts before %s", findings[i-1].Section, findings[i].Section)
		}
	}
}

func TestCompareSections(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2.9", "2.10", -1}, {"2.10", "2.9", 1}, {"3", "3.1", -1}, {"3.1", "3.1", 0},
		{"11", "2.5", 1}, {"", "1", -1},
	} {
		got := compareSections(tc.a, tc.b)
		if (got < 0) != (tc.want < 0) || (got > 0) != (tc.want > 0) {
			t.Errorf("compareSections(%q, %q) = %d, want sign %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestExpectedNext(t *testing.T) {
	for _, tc := range []struct {
		prev, next string
		want       bool
	}{
		{"", "1", true}, {"", "2", false}, {"2.8.13", "2.8.14", true}, {"2.8.15", "2.9", true},
		{"2.9", "2.9.1", true}, {"2.9.8", "3", true}, {"2.4", "2.6", false}, {"2.4", "2.4.2", false},
		{"3", "3", false}, {"7.1.1.3", "7.1.2", true},
	} {
		if got := expectedNext(tc.prev, tc.next); got != tc.want {
			t.Errorf("expectedNext(%q, %q) = %v, want %v", tc.prev, tc.next, got, tc.want)
		}
	}
}

func TestWriters(t *testing.T) {
	findings := []Finding{
		{Section: "2.6.5", Kind: KindTruncatedSentence, Severity: Error, Message: "cut"},
		{Section: "3.3", Kind: KindNoDescription, Severity: Info, Message: "none"},
	}
	t.Run("text", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteText(&buf, findings); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("want 2 findings and a count line, got %q", lines)
		}
		if f := strings.Fields(lines[0]); f[0] != "2.6.5" || f[1] != string(KindTruncatedSentence) || f[2] != "cut" {
			t.Errorf("line %q is not SECTION KIND message", lines[0])
		}
		if lines[2] != "2 findings: 1 errors, 0 warnings, 1 info" {
			t.Errorf("count line %q", lines[2])
		}
	})
	t.Run("json", func(t *testing.T) {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, findings); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Count    int       `json:"count"`
			Findings []Finding `json:"findings"`
		}
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(findings, got.Findings); diff != "" || got.Count != 2 {
			t.Errorf("round trip: count %d, diff %s", got.Count, diff)
		}
		buf.Reset()
		if err := WriteJSON(&buf, nil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `"findings": []`) {
			t.Errorf("no findings must encode as an empty list, got %s", buf.String())
		}
	})
	t.Run("write errors are wrapped", func(t *testing.T) {
		if err := WriteText(failWriter{}, findings); !errors.Is(err, errWrite) {
			t.Errorf("WriteText: %v", err)
		}
		if err := WriteJSON(failWriter{}, findings); !errors.Is(err, errWrite) {
			t.Errorf("WriteJSON: %v", err)
		}
	})
}

var errWrite = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

// FuzzLint feeds arbitrary text to the linter: it must return findings or ErrNotADraft, never
// panic or hang. The seeds are the two drafts and fragments of their trickiest lines.
func FuzzLint(f *testing.F) {
	f.Add(spec.MustLoad().DraftText)
	if data, err := os.ReadFile(filepath.Join("testdata", "synthetic.txt")); err == nil {
		f.Add(string(data))
	}
	for _, s := range []string{
		"Table of Contents\n\n6.2.\t29\n\n1. X\n",
		"[2.9.](#) Messages**[2.9.1.](#) Structure: M**\n\nA: B (Optional)\n",
		"1. A\n\nInherits: \n\nRequest: \n",
		"1. Structure: A\n\nX: Y [0..Many] z\nw\n\n",
		"1.\n2.",
	} {
		f.Add(s)
	}
	sc := syntheticSchema()
	f.Fuzz(func(t *testing.T, text string) {
		findings, err := Lint(text, sc)
		if err != nil && !errors.Is(err, ErrNotADraft) {
			t.Fatalf("unexpected error %v", err)
		}
		for _, fd := range findings {
			if fd.Kind == "" || fd.Severity == "" {
				t.Fatalf("finding without kind or severity: %+v", fd)
			}
		}
	})
}

func BenchmarkLintRealDraft(b *testing.B) {
	s := spec.MustLoad()
	b.SetBytes(int64(len(s.DraftText)))
	for b.Loop() {
		if _, err := Lint(s.DraftText, &s.Schema); err != nil {
			b.Fatal(err)
		}
	}
}
