package junit

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/internal/reporttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const xsdPath = "testdata/junit-10.xsd"

func render(t *testing.T, run *result.Run) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, run, Options{}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	got := render(t, reporttest.Fixture(t))
	reporttest.Golden(t, "golden.xml", got, *update)
}

// node is a generic XML element for the structural checks.
type node struct {
	name     string
	attrs    map[string]string
	children []*node
	text     strings.Builder
}

func parseTree(t *testing.T, data []byte) *node {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			n := &node{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				t.Fatal("more than one root element")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(tk)
			}
		}
	}
	if root == nil {
		t.Fatal("no root element")
	}
	return root
}

// elementRule is what junit-10.xsd says about one element.
type elementRule struct {
	required, allowed []string
	children          []string // allowed child elements; nil means none
	integers          []string // attributes CI readers parse as counts
}

// rules transcribes the parts of junit-10.xsd (testdata) that CI readers depend on.
var rules = map[string]elementRule{
	"testsuites": {allowed: []string{"name", "time", "tests", "failures", "errors"},
		children: []string{"testsuite"}, integers: []string{"tests", "failures", "errors"}},
	"testsuite": {required: []string{"name", "tests", "failures", "errors"},
		allowed:  []string{"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"},
		children: []string{"testsuite", "properties", "testcase", "system-out", "system-err"},
		integers: []string{"tests", "failures", "errors", "skipped", "id"}},
	"properties": {children: []string{"property"}},
	"property":   {required: []string{"name", "value"}},
	"testcase": {required: []string{"name"}, allowed: []string{"time", "classname", "group"},
		children: []string{"skipped", "error", "failure", "rerunFailure", "rerunError", "flakyFailure", "flakyError", "system-out", "system-err"}},
	"failure":    {allowed: []string{"type", "message"}},
	"error":      {allowed: []string{"type", "message"}},
	"skipped":    {allowed: []string{"type", "message"}},
	"system-out": {},
	"system-err": {},
}

var surefireTime = regexp.MustCompile(`^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$`)

func checkNode(t *testing.T, n *node, path string) {
	t.Helper()
	rule, ok := rules[n.name]
	if !ok {
		t.Errorf("%s: element <%s> is not in junit-10.xsd", path, n.name)
		return
	}
	for _, a := range rule.required {
		if _, ok := n.attrs[a]; !ok {
			t.Errorf("%s: required attribute %q missing", path, a)
		}
	}
	for a := range n.attrs {
		if !contains(rule.required, a) && !contains(rule.allowed, a) {
			t.Errorf("%s: attribute %q not allowed", path, a)
		}
	}
	for _, a := range rule.integers {
		if v, ok := n.attrs[a]; ok {
			if i, err := strconv.Atoi(v); err != nil || i < 0 {
				t.Errorf("%s: attribute %s=%q is not a non-negative integer", path, a, v)
			}
		}
	}
	if v, ok := n.attrs["time"]; ok && !surefireTime.MatchString(v) {
		t.Errorf("%s: time=%q does not match SUREFIRE_TIME", path, v)
	}
	for i, c := range n.children {
		if !contains(rule.children, c.name) {
			t.Errorf("%s: <%s> may not contain <%s>", path, n.name, c.name)
			continue
		}
		checkNode(t, c, fmt.Sprintf("%s/%s[%d]", path, c.name, i))
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// order returns the position of an element kind in the order this package promises (the
// Ant schema's sequence, which stricter readers require): properties, testcases, output; and
// within a testcase the verdict before its output.
func order(name string) int {
	switch name {
	case "properties":
		return 0
	case "testsuite", "testcase":
		return 1
	case "failure", "error", "skipped":
		return 1
	}
	return 2 // system-out, system-err
}

func count(n *node, name string) int {
	c := 0
	for _, ch := range n.children {
		if ch.name == name {
			c++
		}
	}
	return c
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	i, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("count %q: %v", s, err)
	}
	return i
}

// checkStructure applies the XSD rules plus the counts and order invariants.
func checkStructure(t *testing.T, data []byte) *node {
	t.Helper()
	root := parseTree(t, data)
	if root.name != "testsuites" {
		t.Fatalf("root is <%s>, want <testsuites>", root.name)
	}
	checkNode(t, root, "/testsuites")
	var tests, failures, errs int
	for si, s := range root.children {
		last := -1
		var sf, se, ss, st int
		for _, c := range s.children {
			if o := order(c.name); o < last {
				t.Errorf("suite %d: <%s> out of order", si, c.name)
			} else {
				last = o
			}
			if c.name != "testcase" {
				continue
			}
			st++
			verdicts := count(c, "failure") + count(c, "error") + count(c, "skipped")
			if verdicts > 1 {
				t.Errorf("testcase %s has %d verdict elements, want at most 1", c.attrs["name"], verdicts)
			}
			inner := -1
			for _, cc := range c.children {
				if o := order(cc.name); o < inner {
					t.Errorf("testcase %s: <%s> out of order", c.attrs["name"], cc.name)
				} else {
					inner = o
				}
			}
			sf += count(c, "failure")
			se += count(c, "error")
			ss += count(c, "skipped")
		}
		for attr, want := range map[string]int{"tests": st, "failures": sf, "errors": se, "skipped": ss} {
			if got := atoi(t, s.attrs[attr]); got != want {
				t.Errorf("suite %q: %s=%d, counted %d", s.attrs["name"], attr, got, want)
			}
		}
		tests, failures, errs = tests+st, failures+sf, errs+se
	}
	for attr, want := range map[string]int{"tests": tests, "failures": failures, "errors": errs} {
		if got := atoi(t, root.attrs[attr]); got != want {
			t.Errorf("testsuites %s=%d, counted %d", attr, got, want)
		}
	}
	return root
}

func TestStructureAgainstXSDRules(t *testing.T) {
	run := reporttest.Fixture(t)
	for _, strict := range []bool{false, true} {
		run.Config.Strict = strict
		root := checkStructure(t, render(t, run))
		// One testsuite per section, one testcase per check.
		if got, want := len(root.children), len(run.Summary.Sections); got != want {
			t.Errorf("strict=%v: %d testsuites, want %d (one per section)", strict, got, want)
		}
		if got := atoi(t, root.attrs["tests"]); got != len(run.Results) {
			t.Errorf("strict=%v: tests=%d, want %d", strict, got, len(run.Results))
		}
	}
}

// TestXmllint validates against the stored XSD with libxml2 when it is installed.
func TestXmllint(t *testing.T) {
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not installed (Debian package libxml2-utils; see reports/testdata/install-validators.sh): XSD validation by libxml2 skipped, structural checks still ran")
	}
	run := reporttest.Fixture(t)
	for _, tc := range []struct {
		name string
		run  func(*result.Run)
	}{
		{"fixture", func(*result.Run) {}},
		{"strict", func(r *result.Run) { r.Config.Strict = true }},
		{"target-died", func(r *result.Run) {
			r.Condition, r.ConditionDetail = result.ConditionTargetDied, "the portal stopped answering"
		}},
		{"empty", func(r *result.Run) { r.Results = nil; r.Condition = result.ConditionNoChecks }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := *run
			r.Results = append([]result.CheckResult(nil), run.Results...)
			tc.run(&r)
			file := filepath.Join(t.TempDir(), "junit.xml")
			if err := os.WriteFile(file, render(t, &r), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "--noout", "--schema", xsdPath, file).CombinedOutput()
			if err != nil {
				t.Fatalf("xmllint --schema %s: %v\n%s", xsdPath, err, out)
			}
		})
	}
}

func TestOutcomeMapping(t *testing.T) {
	tests := []struct {
		outcome   result.Outcome
		strict    bool
		element   string // failure, error, skipped or "" for a pass
		typ       string
		systemOut bool
	}{
		{result.Pass, false, "", "", false},
		{result.Fail, false, "failure", "MUST", false},
		{result.Warn, false, "", "", true},
		{result.Warn, true, "failure", "warn (strict)", false},
		{result.Info, false, "", "", true},
		{result.Skip, false, "skipped", "skip", false},
		{result.Unimplemented, false, "skipped", "unimplemented", false},
		{result.XFail, false, "", "", true},
		{result.XPass, false, "failure", "xpass", false},
		{result.Error, false, "error", "harness-error", false},
		{"", false, "skipped", "list", false},
		{"from-the-future", false, "error", "unknown-outcome", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/strict=%v", tt.outcome, tt.strict), func(t *testing.T) {
			r := &result.CheckResult{ID: "c", Section: "3.1", Level: "MUST", Outcome: tt.outcome, Reason: "because",
				Expectation: &result.Expectation{Kind: result.ExpectFailure, Reason: "known"}}
			tc := testcase(r, tt.strict)
			var got *Problem
			el := ""
			switch {
			case tc.Failure != nil:
				el, got = "failure", tc.Failure
			case tc.Error != nil:
				el, got = "error", tc.Error
			case tc.Skipped != nil:
				el, got = "skipped", tc.Skipped
			}
			if el != tt.element {
				t.Fatalf("element %q, want %q", el, tt.element)
			}
			if got != nil && got.Type != tt.typ {
				t.Errorf("type %q, want %q", got.Type, tt.typ)
			}
			if got != nil && got.Message == "" {
				t.Error("empty message attribute")
			}
			if (tc.SystemOut != nil) != tt.systemOut {
				t.Errorf("system-out present=%v, want %v", tc.SystemOut != nil, tt.systemOut)
			}
		})
	}
}

func TestFailureBodyCarriesEvidence(t *testing.T) {
	root := parseTree(t, render(t, reporttest.Fixture(t)))
	var body string
	for _, s := range root.children {
		for _, c := range s.children {
			if c.attrs["name"] == "validate.invalid" {
				for _, cc := range c.children {
					if cc.name == "failure" {
						body = cc.text.String()
						if cc.attrs["message"] != `Valid is true for "al<ice>@example.com", whose "<" and ">" are illegal` {
							t.Errorf("message attribute %q", cc.attrs["message"])
						}
					}
				}
				if c.attrs["classname"] != "3.6.2" {
					t.Errorf("classname %q, want the section", c.attrs["classname"])
				}
			}
		}
	}
	for _, want := range []string{"expected:", `"InvalidCharacters": "<>"`, "observed:", "diff (-expected +observed):",
		`+ 	"InvalidCharacters": string("<")`, "> POST https://portal.example.com/.well-known/mmm/", "< 200",
		"reproduce:   meshconform replay validate.invalid --portal", "REQ-VALIDATE-VALID (MUST)",
		"raw control char: \uFFFD ends here ]]> & more"} {
		if !strings.Contains(body, want) {
			t.Errorf("failure body lacks %q:\n%s", want, body)
		}
	}
}

func TestEscapeTextKeepsDocumentWellFormed(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a<b>&c", "a&lt;b&gt;&amp;c"},
		{"line1\nline2\tx", "line1\nline2\tx"},
		{"cr\r", "cr&#xD;"},
		{"nul\x00bell\x07", "nul\uFFFDbell\uFFFD"},
		{"\uFFFE", "\uFFFD"},
		{"]]>", "]]&gt;"},
		{string([]byte{0xff, 'x'}), "\uFFFDx"},
	}
	for _, tt := range tests {
		if got := escapeText(tt.in); got != tt.want {
			t.Errorf("escapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestConditionSuite(t *testing.T) {
	run := &result.Run{Tool: result.Tool{Name: "meshconform"}, Condition: result.ConditionTargetUnreachable,
		ConditionDetail: "dial tcp: connection refused", Warnings: []string{"w1"}}
	root := checkStructure(t, render(t, run))
	if len(root.children) != 1 || root.children[0].attrs["name"] != "run" {
		t.Fatalf("want a single 'run' suite for the condition, got %d suites", len(root.children))
	}
	if root.attrs["errors"] != "1" {
		t.Errorf("an unreachable target must count as an error, errors=%q", root.attrs["errors"])
	}
}
