package junit

import (
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render/reportkit"
)

// Options tune the document.
type Options struct {
	// Hostname fills testsuite/@hostname; empty leaves it out (it is optional in junit-10.xsd
	// and would make the output depend on the machine).
	Hostname string
}

// Testsuites is the document root. Counts are over every testsuite.
type Testsuites struct {
	XMLName  xml.Name    `xml:"testsuites"`
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Suites   []Testsuite `xml:"testsuite"`
}

// Testsuite holds the checks of one draft section. Field order is element order.
type Testsuite struct {
	Name       string      `xml:"name,attr"`
	Tests      int         `xml:"tests,attr"`
	Failures   int         `xml:"failures,attr"`
	Errors     int         `xml:"errors,attr"`
	Skipped    int         `xml:"skipped,attr"`
	Time       string      `xml:"time,attr"`
	Timestamp  string      `xml:"timestamp,attr,omitempty"`
	Hostname   string      `xml:"hostname,attr,omitempty"`
	ID         int         `xml:"id,attr"`
	Package    string      `xml:"package,attr"`
	URL        string      `xml:"url,attr,omitempty"`
	Properties *Properties `xml:"properties,omitempty"`
	Testcases  []Testcase  `xml:"testcase"`
	SystemOut  *Text       `xml:"system-out,omitempty"`
}

// Properties records how the run was made, so a CI reader can reproduce it.
type Properties struct {
	Property []Property `xml:"property"`
}

// Property is one name/value pair.
type Property struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// Testcase is one check. At most one of Failure, Error, Skipped is set.
type Testcase struct {
	Name      string   `xml:"name,attr"`
	Classname string   `xml:"classname,attr"`
	Time      string   `xml:"time,attr"`
	Failure   *Problem `xml:"failure,omitempty"`
	Error     *Problem `xml:"error,omitempty"`
	Skipped   *Problem `xml:"skipped,omitempty"`
	SystemOut *Text    `xml:"system-out,omitempty"`
}

// Problem is a failure, error or skipped element: message and type attributes, detail as text.
type Problem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Body    string `xml:",innerxml"` // escaped by escapeText
}

// Text is element content escaped by escapeText. encoding/xml's own chardata escaping turns every
// newline into "&#xA;", which is valid but unreadable in a raw report; this keeps line breaks.
type Text struct {
	Body string `xml:",innerxml"`
}

func newText(s string) *Text { return &Text{Body: escapeText(s)} }

// escapeText escapes markup characters and replaces characters XML 1.0 cannot carry (control
// characters, unpaired surrogates, U+FFFE/U+FFFF) with U+FFFD, so any recorded text yields a
// well-formed document.
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20, r == 0xFFFE, r == 0xFFFF, r >= 0xD800 && r <= 0xDFFF:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// runSuiteName names the extra suite that carries a run-level condition (target died,
// unreachable, canceled) so a CI tab shows it as an error rather than a short green run.
const runSuiteName = "run"

// Build converts run into the JUnit document model.
func Build(run *result.Run, opts Options) *Testsuites {
	strict := run.Config.Strict
	bySection := map[string][]result.CheckResult{}
	for _, r := range run.Results {
		bySection[r.Section] = append(bySection[r.Section], r)
	}
	sections := reportkit.Sections(run.Results)
	doc := &Testsuites{Name: run.Tool.Name, Time: reportkit.Seconds(run.Duration)}
	if doc.Name == "" {
		doc.Name = "meshconform"
	}
	timestamp := ""
	if !run.StartedAt.IsZero() {
		// junit-10.xsd takes any string; the Ant schema wants ISO 8601 without a zone, which
		// this form also satisfies.
		timestamp = run.StartedAt.UTC().Format("2006-01-02T15:04:05")
	}
	props := properties(run)
	for i, sec := range sections {
		rs := bySection[sec]
		sort.SliceStable(rs, func(a, b int) bool { return rs[a].ID < rs[b].ID })
		suite := Testsuite{
			Name: suiteName(sec), ID: i, Package: reportkit.DraftName, Timestamp: timestamp,
			Hostname: opts.Hostname, URL: reportkit.HelpURI(sec),
		}
		if i == 0 {
			// Run-wide facts once, on the first suite: repeating them per section adds noise.
			suite.Properties = props
		}
		var total int64
		for k := range rs {
			tc := testcase(&rs[k], strict)
			suite.Tests++
			switch {
			case tc.Failure != nil:
				suite.Failures++
			case tc.Error != nil:
				suite.Errors++
			case tc.Skipped != nil:
				suite.Skipped++
			}
			total += int64(rs[k].Duration)
			suite.Testcases = append(suite.Testcases, tc)
		}
		suite.Time = reportkit.Seconds(durationOf(total))
		doc.Suites = append(doc.Suites, suite)
	}
	if s, ok := conditionSuite(run, len(doc.Suites), timestamp, opts, props); ok {
		doc.Suites = append(doc.Suites, s)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
	}
	return doc
}

func suiteName(section string) string {
	if section == "" {
		return "unsectioned"
	}
	return section
}

func properties(run *result.Run) *Properties {
	p := []Property{
		{"target", run.Target},
		{"seed", strconv.FormatInt(run.Seed, 10)},
		{"strict", strconv.FormatBool(run.Config.Strict)},
		{"tool", run.Tool.String()},
		{"draft", reportkit.DraftName},
	}
	if run.Config.Expectations != "" {
		p = append(p, Property{"expectations", run.Config.Expectations})
	}
	if run.Condition != "" {
		p = append(p, Property{"condition", string(run.Condition)})
	}
	return &Properties{Property: p}
}

// testcase maps one result. The mapping is the contract CI readers rely on:
// fail and xpass are failures, error is an error, skip and unimplemented are skipped, warn is a
// pass with output (a failure under strict), xfail and info are passes with output.
func testcase(r *result.CheckResult, strict bool) Testcase {
	tc := Testcase{Name: r.ID, Classname: suiteName(r.Section), Time: reportkit.Seconds(r.Duration)}
	detail := reportkit.Detail(r)
	head := reportkit.Headline(r)
	switch r.Outcome {
	case result.Fail:
		tc.Failure = &Problem{Message: head, Type: failType(r), Body: escapeText(detail)}
	case result.XPass:
		tc.Failure = &Problem{Message: "passed although the expectations file predicted a failure: " + expectReason(r),
			Type: "xpass", Body: escapeText(detail)}
	case result.Warn:
		if strict {
			tc.Failure = &Problem{Message: head, Type: "warn (strict)", Body: escapeText(detail)}
		} else {
			tc.SystemOut = newText("WARNING: " + detail)
		}
	case result.Error:
		tc.Error = &Problem{Message: head, Type: "harness-error", Body: escapeText(detail)}
	case result.Skip:
		tc.Skipped = &Problem{Message: head, Type: "skip", Body: escapeText(detail)}
	case result.Unimplemented:
		tc.Skipped = &Problem{Message: "unimplemented: " + head, Type: "unimplemented", Body: escapeText(detail)}
	case result.XFail:
		tc.SystemOut = newText("EXPECTED FAILURE (" + expectReason(r) + "): " + detail)
	case result.Info:
		tc.SystemOut = newText("INFO: " + detail)
	case result.Pass:
		if len(r.Notes) > 0 {
			tc.SystemOut = newText(strings.Join(r.Notes, "\n"))
		}
	case "":
		tc.Skipped = &Problem{Message: "not run (list mode)", Type: "list"}
	default:
		// An outcome from a newer writer: never report it as a pass.
		tc.Error = &Problem{Message: fmt.Sprintf("unknown outcome %q", r.Outcome), Type: "unknown-outcome", Body: escapeText(detail)}
	}
	return tc
}

func failType(r *result.CheckResult) string {
	if r.Level != "" {
		return r.Level
	}
	return "fail"
}

func expectReason(r *result.CheckResult) string {
	if r.Expectation == nil {
		return "no reason recorded"
	}
	return r.Expectation.Reason
}

func conditionSuite(run *result.Run, id int, timestamp string, opts Options, props *Properties) (Testsuite, bool) {
	if run.Condition == result.ConditionNone {
		return Testsuite{}, false
	}
	msg := string(run.Condition)
	if run.ConditionDetail != "" {
		msg += ": " + run.ConditionDetail
	}
	tc := Testcase{Name: "condition", Classname: runSuiteName, Time: reportkit.Seconds(run.Duration),
		Error: &Problem{Message: msg, Type: string(run.Condition), Body: escapeText(msg)}}
	if run.Condition == result.ConditionNoChecks {
		tc.Error = nil
		tc.Skipped = &Problem{Message: msg, Type: string(run.Condition)}
	}
	s := Testsuite{Name: runSuiteName, Tests: 1, ID: id, Package: reportkit.DraftName, Timestamp: timestamp,
		Hostname: opts.Hostname, Testcases: []Testcase{tc}, Time: reportkit.Seconds(run.Duration)}
	if id == 0 {
		s.Properties = props
	}
	if tc.Error != nil {
		s.Errors = 1
	} else {
		s.Skipped = 1
	}
	if len(run.Warnings) > 0 {
		s.SystemOut = newText(strings.Join(run.Warnings, "\n"))
	}
	return s, true
}

func durationOf(ns int64) time.Duration { return time.Duration(ns) }

// Write writes run as an indented JUnit XML document.
func Write(w io.Writer, run *result.Run, opts Options) error {
	doc := Build(run, opts)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("junit: write: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("junit: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("junit: encode: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("junit: write: %w", err)
	}
	return nil
}
