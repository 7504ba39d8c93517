package result

import (
	"encoding/json"
	"strings"
	"time"
)

// SchemaVersion is the version of the JSON document written by Write. It changes only when a
// field is removed or its meaning changes; added fields keep the version.
const SchemaVersion = 1

// Outcome is the verdict of one check after the level and the expectations were applied.
type Outcome string

// The outcomes. The set is closed: renderers may switch on it exhaustively.
const (
	Pass          Outcome = "pass"          // the target did what the requirement asks
	Fail          Outcome = "fail"          // a MUST (or a control) was violated
	Warn          Outcome = "warn"          // a SHOULD was not followed; a failure only under Strict
	Info          Outcome = "info"          // an observation: MAY deviations, probes, review material
	Skip          Outcome = "skip"          // not run or not applicable, with a reason
	Unimplemented Outcome = "unimplemented" // the target does not offer the feature under test
	XFail         Outcome = "xfail"         // failed as the expectations file predicted
	XPass         Outcome = "xpass"         // passed although the expectations file predicted a failure
	Error         Outcome = "error"         // the harness could not establish a verdict (its own fault)
)

// Outcomes lists every outcome in the order reports present them.
var Outcomes = []Outcome{Fail, XPass, Error, Warn, XFail, Unimplemented, Info, Skip, Pass}

// Valid reports whether o is one of the defined outcomes.
func (o Outcome) Valid() bool {
	for _, x := range Outcomes {
		if o == x {
			return true
		}
	}
	return false
}

// Condition is a run-level state that overrides the per-check picture.
type Condition string

// The run conditions.
const (
	ConditionNone              Condition = ""
	ConditionTargetUnreachable Condition = "target-unreachable" // the first probe failed: nothing ran
	ConditionTargetDied        Condition = "target-died"        // the last probe failed
	ConditionNoChecks          Condition = "no-checks-selected" // the selection is empty
	ConditionCanceled          Condition = "canceled"           // the caller canceled the run
	ConditionDeadline          Condition = "deadline-exceeded"  // the run's --deadline passed: partial
)

// Mode says whether the checks were run or only selected.
type Mode string

// The run modes.
const (
	ModeRun   Mode = "run"
	ModeList  Mode = "list"
	ModeModel Mode = "model" // meshconform model: properties of transaction sequences
	ModeCheck Mode = "check" // meshconform check: one document decoded and its signatures verified
)

// Run is the whole record of one invocation.
type Run struct {
	SchemaVersion int           `json:"schemaVersion"`
	Tool          Tool          `json:"tool"`
	Mode          Mode          `json:"mode"`
	Target        string        `json:"target"` // URL without user information
	Seed          int64         `json:"seed"`
	StartedAt     time.Time     `json:"startedAt"`
	Duration      time.Duration `json:"durationNs"`
	Config        ConfigSummary `json:"config"`
	ProbeBefore   *Probe        `json:"probeBefore,omitempty"`
	ProbeAfter    *Probe        `json:"probeAfter,omitempty"`
	Condition     Condition     `json:"condition,omitempty"`
	// ConditionDetail explains Condition in one sentence for people.
	ConditionDetail string `json:"conditionDetail,omitempty"`
	// TargetDiedAt is the start of the first exchange that got no answer after which no exchange
	// got one; set only with ConditionTargetDied when the exchanges show it.
	TargetDiedAt *time.Time `json:"targetDiedAt,omitempty"`
	// Warnings are problems of the configuration that did not stop the run, such as an
	// expectation that matches no check.
	Warnings []string      `json:"warnings,omitempty"`
	Results  []CheckResult `json:"results"`
	Summary  Summary       `json:"summary"`
}

// Tool names the program that produced the run.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Commit, GoVersion and the versions of the protocol documents the binary embeds (see
	// spec.Versions) say exactly which build and which catalog judged the run.
	Commit    string `json:"commit,omitempty"`
	GoVersion string `json:"goVersion,omitempty"`
	Draft     string `json:"draft,omitempty"`
	Schema    string `json:"schema,omitempty"`
	Catalog   string `json:"catalog,omitempty"`
	Notes     string `json:"notes,omitempty"`
}

// ConfigSummary records how the checks were selected and run, so a report can be reproduced.
type ConfigSummary struct {
	Only         []string      `json:"only,omitempty"`
	Skip         []string      `json:"skip,omitempty"`
	Sections     []string      `json:"sections,omitempty"`
	Levels       []string      `json:"levels,omitempty"`
	Shard        string        `json:"shard,omitempty"` // "I/N", empty when not sharded
	Jobs         int           `json:"jobs"`
	Strict       bool          `json:"strict"`
	CheckTimeout time.Duration `json:"checkTimeoutNs"`
	Expectations string        `json:"expectations,omitempty"` // the file name given
	Available    int           `json:"available"`              // checks known to the harness
	Selected     int           `json:"selected"`
}

// Probe is the outcome of the liveness probe run before or after the checks.
type Probe struct {
	OK       bool          `json:"ok"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"durationNs"`
}

// CheckResult is the record of one check.
type CheckResult struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Doc         string       `json:"doc,omitempty"`
	Section     string       `json:"section"`
	Level       string       `json:"level"`
	Category    string       `json:"category"`
	Requirement *Requirement `json:"requirement,omitempty"`
	// Outcome is empty only in list mode, where nothing ran.
	Outcome   Outcome       `json:"outcome,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	StartedAt time.Time     `json:"startedAt,omitzero"`
	Duration  time.Duration `json:"durationNs"`
	Finding   *Finding      `json:"finding,omitempty"`
	// Notes are the Info messages of the check: observations that are not verdicts.
	Notes []string `json:"notes,omitempty"`
	// Log holds the check's Logf lines (bounded), for diagnosing a result.
	Log []string `json:"log,omitempty"`
	// Details is the harness's own diagnosis for an error outcome (a panic's stack, a timeout).
	Details     string       `json:"details,omitempty"`
	Exchanges   []Exchange   `json:"exchanges,omitempty"`
	Reproduce   string       `json:"reproduce,omitempty"`
	Expectation *Expectation `json:"expectation,omitempty"`
	// AfterTargetDied marks a non-passing result obtained after the target stopped answering:
	// it says more about the dead target than about the requirement.
	AfterTargetDied bool `json:"afterTargetDied,omitempty"`
}

// Requirement is the catalog entry a check verifies, copied so reports need no catalog.
type Requirement struct {
	ID      string   `json:"id"`
	Section string   `json:"section,omitempty"`
	Level   string   `json:"level,omitempty"`
	Kind    string   `json:"kind,omitempty"`
	Text    string   `json:"text,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

// Finding is what a failing (or observing) check saw.
type Finding struct {
	Message  string          `json:"message"`
	Expected json.RawMessage `json:"expected,omitempty"`
	Observed json.RawMessage `json:"observed,omitempty"`
	// Diff is a go-cmp diff of Expected and Observed (-expected +observed), when both are given.
	Diff string `json:"diff,omitempty"`
	// Exchanges indexes CheckResult.Exchanges: the exchanges that show the failure.
	Exchanges []int `json:"exchanges,omitempty"`
}

// Exchange is one request sent to the target and what came back, redacted and bounded.
type Exchange struct {
	StartedAt time.Time     `json:"startedAt"`
	Duration  time.Duration `json:"durationNs"`
	Request   Request       `json:"request"`
	Response  *Response     `json:"response,omitempty"`
	// Problem is the transport problem ("timeout", "too-large", ...), empty when none.
	Problem string `json:"problem,omitempty"`
	Error   string `json:"error,omitempty"`
	// Resent: sent a second time on a new connection, the first having gone out on a kept-alive
	// connection the portal closed unanswered at its idle timeout; this is the second attempt.
	Resent bool `json:"resent,omitempty"`
}

// Request is the request as sent.
type Request struct {
	Method string              `json:"method"`
	URL    string              `json:"url"`
	Header map[string][]string `json:"header,omitempty"`
	Body   Body                `json:"body"`
}

// Response is the response as received (the body possibly truncated).
type Response struct {
	Status int                 `json:"status"`
	Header map[string][]string `json:"header,omitempty"`
	Body   Body                `json:"body"`
}

// Body holds a message body: as text when it is valid UTF-8, otherwise base64 (standard
// alphabet). Size is the length received; Truncated says the record holds only a prefix.
type Body struct {
	Text      string `json:"text,omitempty"`
	Base64    string `json:"base64,omitempty"`
	Size      int64  `json:"size"`
	Truncated bool   `json:"truncated,omitempty"`
}

// Expectation records which entry of the expectations file applied to a check.
type Expectation struct {
	Kind     string `json:"kind"`               // "disabled" or "expected-failure"
	Pattern  string `json:"pattern"`            // the check glob that matched
	Category string `json:"category,omitempty"` // for disabled entries
	Reason   string `json:"reason"`
	Message  string `json:"message,omitempty"` // the pinned failure message, if any
}

// Expectation kinds.
const (
	ExpectDisabled = "disabled"
	ExpectFailure  = "expected-failure"
)

// Event is a progress notification for reporters: terminals show progress, NDJSON streams.
type Event struct {
	Kind EventKind `json:"kind"`
	// Seed and Total are set on RunStarted.
	Seed  int64 `json:"seed,omitempty"`
	Total int   `json:"total,omitempty"`
	// Done counts finished checks, including this one on CheckFinished.
	Done    int          `json:"done,omitempty"`
	CheckID string       `json:"checkId,omitempty"`
	Result  *CheckResult `json:"result,omitempty"`
	Run     *Run         `json:"run,omitempty"` // on RunFinished
}

// EventKind says what happened.
type EventKind string

// The event kinds, in the order a run emits them.
const (
	RunStarted    EventKind = "run-started"
	CheckStarted  EventKind = "check-started"
	CheckFinished EventKind = "check-finished"
	RunFinished   EventKind = "run-finished"
)

// String is the one line that names the build and the documents behind a run, as reports print
// it at their top: "meshconform v1.2.0 (commit 1a2b3c4d5e6f, go1.26.0, schema v1 sha256:..., catalog ...)".
func (t Tool) String() string {
	s := strings.TrimSpace(t.Name + " " + t.Version)
	var details []string
	for _, d := range []struct{ label, value string }{{"commit ", t.Commit}, {"", t.GoVersion}, {"schema ", t.Schema}, {"catalog ", t.Catalog}} {
		if d.value != "" {
			details = append(details, d.label+d.value)
		}
	}
	if len(details) > 0 {
		s += " (" + strings.Join(details, ", ") + ")"
	}
	return s
}
