package ndjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render/reportkit"
)

// The values of Line.Event, one per kind of line.
const (
	EventStart   = "run-started"
	EventCheck   = "check-finished"
	EventSummary = "run-finished"
)

// ErrClosed reports an event handed to a stream after its summary line was written.
var ErrClosed = errors.New("ndjson: stream already finished")

// Line is one NDJSON record. Only the members of its Event are set.
type Line struct {
	Event string `json:"event"`
	// run-started
	Tool   string `json:"tool,omitempty"`
	Target string `json:"target,omitempty"`
	Seed   *int64 `json:"seed,omitempty"`
	// run-started and check-finished
	Total int `json:"total,omitempty"`
	// check-finished: Seq counts finished checks, 1 for the first.
	Seq   int    `json:"seq,omitempty"`
	Check *Check `json:"check,omitempty"`
	// run-finished
	Summary *Summary `json:"summary,omitempty"`
}

// Check is the finished check, without its exchanges (the JSON report keeps those).
type Check struct {
	ID          string          `json:"id"`
	Title       string          `json:"title,omitempty"`
	Section     string          `json:"section"`
	Level       string          `json:"level"`
	Category    string          `json:"category,omitempty"`
	Requirement string          `json:"requirement,omitempty"`
	Outcome     result.Outcome  `json:"outcome"`
	Message     string          `json:"message,omitempty"`
	Reason      string          `json:"reason,omitempty"`
	Expected    json.RawMessage `json:"expected,omitempty"`
	Observed    json.RawMessage `json:"observed,omitempty"`
	Diff        string          `json:"diff,omitempty"`
	DurationNs  int64           `json:"durationNs"`
	Reproduce   string          `json:"reproduce,omitempty"`
	HelpURI     string          `json:"helpUri"`
}

// Summary closes the stream.
type Summary struct {
	Total     int                    `json:"total"`
	Outcomes  map[result.Outcome]int `json:"outcomes"`
	ExitCode  *int                   `json:"exitCode,omitempty"`
	Condition result.Condition       `json:"condition,omitempty"`
	Detail    string                 `json:"conditionDetail,omitempty"`
	Duration  int64                  `json:"durationNs,omitempty"`
}

func checkOf(r *result.CheckResult) *Check {
	c := &Check{ID: r.ID, Title: r.Title, Section: r.Section, Level: r.Level, Category: r.Category,
		Outcome: r.Outcome, Reason: r.Reason, DurationNs: int64(r.Duration), Reproduce: r.Reproduce,
		HelpURI: reportkit.HelpURI(r.Section)}
	if r.Requirement != nil {
		c.Requirement = r.Requirement.ID
	}
	if f := r.Finding; f != nil {
		c.Message, c.Expected, c.Observed, c.Diff = f.Message, f.Expected, f.Observed, f.Diff
	}
	return c
}

// Stream writes lines as the harness reports progress. It is safe for concurrent use, since
// checks finish on several workers at once; each line is written whole.
type Stream struct {
	mu     sync.Mutex
	w      io.Writer
	total  int
	seq    int
	counts map[result.Outcome]int
	closed bool
	err    error
}

// NewStream returns a stream writing to w.
func NewStream(w io.Writer) *Stream {
	return &Stream{w: w, counts: map[result.Outcome]int{}}
}

// Handle writes the line for one event: run-started, check-finished and run-finished produce a
// line; check-started produces none. After the first write error every call returns it.
func (s *Stream) Handle(ev result.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.closed {
		return ErrClosed
	}
	var line Line
	switch ev.Kind {
	case result.RunStarted:
		s.total = ev.Total
		seed := ev.Seed
		line = Line{Event: EventStart, Seed: &seed, Total: ev.Total}
		if ev.Run != nil {
			line.Tool, line.Target = ev.Run.Tool.Name, ev.Run.Target
		}
	case result.CheckFinished:
		if ev.Result == nil {
			return s.fail(fmt.Errorf("ndjson: check-finished event for %q without a result", ev.CheckID))
		}
		s.seq++
		s.counts[ev.Result.Outcome]++
		line = Line{Event: EventCheck, Seq: s.seq, Total: s.total, Check: checkOf(ev.Result)}
	case result.RunFinished:
		s.closed = true
		line = Line{Event: EventSummary, Summary: s.summary(ev.Run)}
	default:
		return nil
	}
	return s.write(&line)
}

// Err returns the first write error, if any.
func (s *Stream) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// summary prefers the run's own summary; without a run it counts what the stream saw.
func (s *Stream) summary(run *result.Run) *Summary {
	if run == nil {
		sum := &Summary{Outcomes: map[result.Outcome]int{}}
		for o, n := range s.counts {
			sum.Outcomes[o] = n
			sum.Total += n
		}
		return sum
	}
	code := run.ExitCode()
	outcomes := reportkit.Counts(run.Results)
	return &Summary{Total: len(run.Results), Outcomes: outcomes, ExitCode: &code, Condition: run.Condition,
		Detail: run.ConditionDetail, Duration: int64(run.Duration)}
}

func (s *Stream) fail(err error) error {
	s.err = err
	return err
}

func (s *Stream) write(line *Line) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(line); err != nil {
		return s.fail(fmt.Errorf("ndjson: encode: %w", err))
	}
	if _, err := s.w.Write(buf.Bytes()); err != nil {
		return s.fail(fmt.Errorf("ndjson: write: %w", err))
	}
	return nil
}

// Write replays a finished run as the stream would have written it, checks in ID order.
func Write(w io.Writer, run *result.Run) error {
	s := NewStream(w)
	if err := s.Handle(result.Event{Kind: result.RunStarted, Seed: run.Seed, Total: len(run.Results), Run: run}); err != nil {
		return err
	}
	results := append([]result.CheckResult(nil), run.Results...)
	result.SortResults(results)
	for i := range results {
		ev := result.Event{Kind: result.CheckFinished, Done: i + 1, CheckID: results[i].ID, Result: &results[i]}
		if err := s.Handle(ev); err != nil {
			return err
		}
	}
	return s.Handle(result.Event{Kind: result.RunFinished, Run: run})
}
