package sarif

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render/reportkit"
)

// Version and SchemaURI identify the format written.
const (
	Version   = "2.1.0"
	SchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
)

// FingerprintKey names the partial fingerprint that identifies a result across runs: the check
// ID, which is stable by design, unlike messages that quote observed values.
const FingerprintKey = "meshconformCheckId/v1"

// InformationURI is the tool's home, shown by viewers next to the driver name.
const InformationURI = "https://github.com/meshconform/meshconform"

// ErrBaseline reports a baseline file that is not a usable SARIF log.
var ErrBaseline = errors.New("sarif: bad baseline")

// maxBaseline bounds what ReadBaseline accepts.
const maxBaseline = 256 << 20

// Log is the top-level SARIF object; only the members this package writes are modelled.
type Log struct {
	Schema  string `json:"$schema,omitempty"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one SARIF run.
type Run struct {
	Tool        Tool           `json:"tool"`
	Invocations []Invocation   `json:"invocations,omitempty"`
	Results     []Result       `json:"results"`
	Properties  map[string]any `json:"properties,omitempty"`
}

// Tool wraps the driver.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool component that holds the rules.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri,omitempty"`
	Rules          []Rule `json:"rules"`
}

// Rule is a reportingDescriptor: one requirement of the draft.
type Rule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name,omitempty"`
	ShortDescription     *Text           `json:"shortDescription,omitempty"`
	FullDescription      *Text           `json:"fullDescription,omitempty"`
	HelpURI              string          `json:"helpUri,omitempty"`
	Help                 *Text           `json:"help,omitempty"`
	DefaultConfiguration *Configuration  `json:"defaultConfiguration,omitempty"`
	Properties           *RuleProperties `json:"properties,omitempty"`
}

// RuleProperties is the property bag of a rule.
type RuleProperties struct {
	Level   string   `json:"level,omitempty"`
	Kind    string   `json:"kind,omitempty"`
	Section string   `json:"section,omitempty"`
	Notes   []string `json:"notes,omitempty"`
	Tags    []string `json:"tags,omitempty"`
}

// Configuration is a reportingConfiguration.
type Configuration struct {
	Level string `json:"level"`
}

// Text is a message or multiformatMessageString.
type Text struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

// Invocation describes how the run went.
type Invocation struct {
	ExecutionSuccessful        bool           `json:"executionSuccessful"`
	ExitCode                   *int           `json:"exitCode,omitempty"`
	StartTimeUTC               string         `json:"startTimeUtc,omitempty"`
	EndTimeUTC                 string         `json:"endTimeUtc,omitempty"`
	ToolExecutionNotifications []Notification `json:"toolExecutionNotifications,omitempty"`
}

// Notification is a problem of the tool or its configuration, not of the target.
type Notification struct {
	Message Text   `json:"message"`
	Level   string `json:"level,omitempty"`
}

// Result is one check's verdict.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Kind                string            `json:"kind"`
	Level               string            `json:"level"`
	Message             Text              `json:"message"`
	Locations           []Location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	BaselineState       string            `json:"baselineState,omitempty"`
	Suppressions        []Suppression     `json:"suppressions,omitempty"`
	Properties          *ResultProperties `json:"properties,omitempty"`
}

// ResultProperties keeps the meshconform-specific facts of a result.
type ResultProperties struct {
	CheckID   string `json:"checkId"`
	Outcome   string `json:"outcome"`
	Section   string `json:"section,omitempty"`
	Reproduce string `json:"reproduce,omitempty"`
}

// Location places a result: a logical location (the draft section) and, because GitHub code
// scanning rejects results without one, a physical location in the draft's text.
type Location struct {
	PhysicalLocation *PhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []LogicalLocation `json:"logicalLocations"`
}

// PhysicalLocation points at an artifact.
type PhysicalLocation struct {
	ArtifactLocation ArtifactLocation `json:"artifactLocation"`
}

// ArtifactLocation is a URI.
type ArtifactLocation struct {
	URI string `json:"uri"`
}

// LogicalLocation names a draft section.
type LogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// Suppression records that the expectations file switched a check off or predicted its failure.
type Suppression struct {
	Kind          string `json:"kind"`
	State         string `json:"state,omitempty"`
	Justification string `json:"justification,omitempty"`
}

// Options tune the log.
type Options struct {
	// Baseline is a previous log; when set every result gets a baselineState and results of the
	// baseline missing from this run are added as "absent".
	Baseline *Log
	// ArtifactURI is the physical location every result points at; empty means the draft's URL.
	ArtifactURI string
}

// levelFor maps an outcome to the SARIF (kind, level) pair. SARIF allows a level other than
// "none" only with kind "fail", so observations and non-verdicts carry level "none"; info is
// shown as a note-level fail-kind result so that dashboards list the observation.
func levelFor(o result.Outcome, strict bool) (kind, level string) {
	switch o {
	case result.Fail, result.XPass:
		return "fail", "error"
	case result.Warn:
		if strict {
			return "fail", "error"
		}
		return "fail", "warning"
	case result.Info:
		return "fail", "note"
	case result.XFail:
		return "fail", "error" // suppressed below: the failure is real but known
	case result.Pass:
		return "pass", "none"
	case result.Skip, result.Unimplemented, "":
		return "notApplicable", "none"
	case result.Error:
		return "review", "none" // no verdict: a person has to look
	}
	return "review", "none"
}

// defaultLevel maps a requirement keyword to the rule's default SARIF level.
func defaultLevel(keyword string) string {
	switch strings.ToUpper(keyword) {
	case "MUST", "MUST NOT", "SHALL", "REQUIRED":
		return "error"
	case "SHOULD", "SHOULD NOT", "RECOMMENDED":
		return "warning"
	}
	return "note"
}

// Build converts run into a SARIF log.
func Build(run *result.Run, opts Options) *Log {
	results := append([]result.CheckResult(nil), run.Results...)
	result.SortResults(results)
	rules, index := buildRules(results)
	artifact := opts.ArtifactURI
	if artifact == "" {
		artifact = reportkit.DraftURL
	}
	out := Run{
		Tool: Tool{Driver: Driver{Name: nonEmpty(run.Tool.Name, "meshconform"), Version: run.Tool.Version,
			InformationURI: InformationURI, Rules: rules}},
		Invocations: []Invocation{invocation(run)},
		Results:     []Result{},
		Properties: map[string]any{
			"target": run.Target, "seed": run.Seed, "strict": run.Config.Strict, "draft": reportkit.DraftName,
		},
	}
	for i := range results {
		r := &results[i]
		ruleID := ruleIDOf(r)
		kind, level := levelFor(r.Outcome, run.Config.Strict)
		res := Result{
			RuleID: ruleID, RuleIndex: index[ruleID], Kind: kind, Level: level,
			Message: message(r),
			Locations: []Location{{
				PhysicalLocation: &PhysicalLocation{ArtifactLocation: ArtifactLocation{URI: artifact}},
				LogicalLocations: []LogicalLocation{sectionLocation(r.Section)},
			}},
			PartialFingerprints: map[string]string{FingerprintKey: r.ID},
			Properties: &ResultProperties{CheckID: r.ID, Outcome: string(r.Outcome), Section: r.Section,
				Reproduce: r.Reproduce},
		}
		if s := suppression(r); s != nil {
			res.Suppressions = []Suppression{*s}
		}
		out.Results = append(out.Results, res)
	}
	if opts.Baseline != nil {
		out.Results = applyBaseline(out.Results, opts.Baseline)
	}
	return &Log{Schema: SchemaURI, Version: Version, Runs: []Run{out}}
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ruleIDOf is the requirement a check cites; a check citing none is its own rule.
func ruleIDOf(r *result.CheckResult) string {
	if r.Requirement != nil && r.Requirement.ID != "" {
		return r.Requirement.ID
	}
	return r.ID
}

func buildRules(results []result.CheckResult) ([]Rule, map[string]int) {
	index := map[string]int{}
	var rules []Rule
	for i := range results {
		r := &results[i]
		id := ruleIDOf(r)
		if _, ok := index[id]; ok {
			continue
		}
		index[id] = len(rules)
		rules = append(rules, ruleFor(r))
	}
	return append([]Rule{}, rules...), index
}

func ruleFor(r *result.CheckResult) Rule {
	req := r.Requirement
	if req == nil {
		req = &result.Requirement{ID: r.ID, Section: r.Section, Level: r.Level, Text: r.Title}
	}
	section := nonEmpty(req.Section, r.Section)
	level := nonEmpty(req.Level, r.Level)
	short := req.Text
	if short == "" {
		short = r.Title
	}
	if short == "" {
		short = req.ID
	}
	full := fmt.Sprintf("%s %s (%s): %q", reportkit.DraftName, reportkit.SectionLabel(section), nonEmpty(level, "unspecified level"), short)
	if len(req.Notes) > 0 {
		full += " Interpretation notes: " + strings.Join(req.Notes, ", ") + "."
	}
	help := fmt.Sprintf("Requirement %s of %s, section %s. Read the section at %s.", req.ID, reportkit.DraftName,
		nonEmpty(section, "(none)"), reportkit.HelpURI(section))
	return Rule{
		ID: req.ID, Name: ruleName(req.ID),
		ShortDescription:     &Text{Text: "\u201c" + short + "\u201d"},
		FullDescription:      &Text{Text: full},
		HelpURI:              reportkit.HelpURI(section),
		Help:                 &Text{Text: help},
		DefaultConfiguration: &Configuration{Level: defaultLevel(level)},
		Properties: &RuleProperties{Level: level, Kind: req.Kind, Section: section, Notes: req.Notes,
			Tags: []string{"conformance", reportkit.DraftName}},
	}
}

// ruleName turns REQ-HTTP-HOST into ReqHttpHost, the PascalCase form SARIF viewers expect in
// "name" (an identifier, unlike the human-readable description).
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(id, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + strings.ToLower(part[1:]))
	}
	return b.String()
}

func sectionLocation(section string) LogicalLocation {
	return LogicalLocation{Name: nonEmpty(section, "none"), FullyQualifiedName: reportkit.DraftName + "/" + nonEmpty(section, "none"), Kind: "section"}
}

// message states what was expected and what was observed, the first sentence being the
// headline that viewers show alone.
func message(r *result.CheckResult) Text {
	var b strings.Builder
	b.WriteString(r.ID + ": " + reportkit.Headline(r))
	if !strings.HasSuffix(b.String(), ".") {
		b.WriteString(".")
	}
	switch r.Outcome {
	case result.XFail:
		b.WriteString(" Expected failure: " + expectReason(r) + ".")
	case result.XPass:
		b.WriteString(" Passed although the expectations file predicted a failure: " + expectReason(r) + ".")
	}
	if f := r.Finding; f != nil {
		if len(f.Expected) > 0 {
			b.WriteString(" Expected: " + string(f.Expected) + ".")
		}
		if len(f.Observed) > 0 {
			b.WriteString(" Observed: " + string(f.Observed) + ".")
		}
	}
	if r.Reproduce != "" {
		b.WriteString(" Reproduce: " + r.Reproduce)
	}
	return Text{Text: b.String()}
}

func expectReason(r *result.CheckResult) string {
	if r.Expectation == nil || r.Expectation.Reason == "" {
		return "no reason recorded"
	}
	return r.Expectation.Reason
}

// suppression marks results the expectations file accounts for: disabled checks and expected
// failures, so code scanning neither alerts on them nor forgets them.
func suppression(r *result.CheckResult) *Suppression {
	e := r.Expectation
	if e == nil {
		return nil
	}
	switch {
	case e.Kind == result.ExpectDisabled:
		j := "disabled by the expectations file"
		if e.Category != "" {
			j += " (" + e.Category + ")"
		}
		return &Suppression{Kind: "external", State: "accepted", Justification: j + ": " + e.Reason}
	case e.Kind == result.ExpectFailure && r.Outcome == result.XFail:
		return &Suppression{Kind: "external", State: "accepted", Justification: "expected failure: " + e.Reason}
	}
	return nil
}

func invocation(run *result.Run) Invocation {
	code := run.ExitCode()
	inv := Invocation{ExecutionSuccessful: true, ExitCode: &code}
	if !run.StartedAt.IsZero() {
		inv.StartTimeUTC = run.StartedAt.UTC().Format("2006-01-02T15:04:05.000Z")
		inv.EndTimeUTC = run.StartedAt.Add(run.Duration).UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if run.Condition != result.ConditionNone {
		inv.ExecutionSuccessful = false
		msg := string(run.Condition)
		if run.ConditionDetail != "" {
			msg += ": " + run.ConditionDetail
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, Notification{Message: Text{Text: msg}, Level: "error"})
	}
	for _, r := range run.Results {
		if r.Outcome == result.Error {
			inv.ExecutionSuccessful = false
			inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
				Notification{Message: Text{Text: r.ID + ": no verdict: " + reportkit.Headline(&r)}, Level: "error"})
		}
	}
	for _, w := range run.Warnings {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, Notification{Message: Text{Text: w}, Level: "warning"})
	}
	return inv
}

// applyBaseline sets baselineState by the check-ID fingerprint: new when the baseline lacks the
// check, unchanged when kind, level and message are the same, updated otherwise; baseline
// results this run lacks are appended as absent.
func applyBaseline(results []Result, base *Log) []Result {
	prev := map[string]Result{}
	var order []string
	for _, run := range base.Runs {
		for _, r := range run.Results {
			id := r.PartialFingerprints[FingerprintKey]
			if id == "" || r.BaselineState == "absent" {
				continue // not ours, or already gone in the baseline itself
			}
			if _, dup := prev[id]; !dup {
				order = append(order, id)
			}
			prev[id] = r
		}
	}
	seen := map[string]bool{}
	for i := range results {
		id := results[i].PartialFingerprints[FingerprintKey]
		seen[id] = true
		old, ok := prev[id]
		switch {
		case !ok:
			results[i].BaselineState = "new"
		case old.Kind == results[i].Kind && old.Level == results[i].Level && old.Message.Text == results[i].Message.Text:
			results[i].BaselineState = "unchanged"
		default:
			results[i].BaselineState = "updated"
		}
	}
	sort.Strings(order)
	for _, id := range order {
		if seen[id] {
			continue
		}
		old := prev[id]
		old.BaselineState = "absent"
		// The rule index pointed into the baseline's rules; this log's rules may differ.
		old.RuleIndex = -1
		results = append(results, old)
	}
	return results
}

// Write writes run as an indented SARIF 2.1.0 log.
func Write(w io.Writer, run *result.Run, opts Options) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Build(run, opts)); err != nil {
		return fmt.Errorf("sarif: encode: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("sarif: write: %w", err)
	}
	return nil
}

// ReadBaseline parses a previous SARIF log (ours or another tool's; only results with our
// fingerprint take part in the comparison).
func ReadBaseline(r io.Reader) (*Log, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBaseline+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBaseline, err)
	}
	if len(data) > maxBaseline {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBaseline, maxBaseline)
	}
	var log Log
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBaseline, err)
	}
	if log.Version != Version {
		return nil, fmt.Errorf("%w: version %q, want %q", ErrBaseline, log.Version, Version)
	}
	return &log, nil
}

// ReadBaselineFile reads a baseline log from a file.
func ReadBaselineFile(path string) (*Log, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBaseline, err)
	}
	defer f.Close()
	return ReadBaseline(f)
}
