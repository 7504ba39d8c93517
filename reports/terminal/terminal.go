package terminal

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/meshconform/meshconform/harness/result"
)

// IsTerminal reports whether f is a character device (a TTY). x/term is not a dependency of
// the module; the mode bit is enough to decide between a progress line and plain lines.
func IsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Progress renders progress events. On a TTY it keeps one status line up to date and prints
// failures as they happen; otherwise it prints one line per finished check, which reads well in
// CI logs. Use its Event method as the runner's Progress callback.
type Progress struct {
	mu  sync.Mutex
	w   io.Writer
	tty bool
	// lineLen is the visible length of the status line, so it can be blanked.
	lineLen int
}

// NewProgress renders to w; tty selects the status-line style (see IsTerminal).
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty}
}

// Event handles one runner event.
func (p *Progress) Event(ev result.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev.Kind {
	case result.RunStarted:
		fmt.Fprintf(p.w, "meshconform: seed %d, %d check%s selected\n", ev.Seed, ev.Total, plural(ev.Total))
	case result.CheckStarted:
		if p.tty {
			p.status(fmt.Sprintf("[%d/%d] running %s", ev.Done, ev.Total, ev.CheckID))
		}
	case result.CheckFinished:
		r := ev.Result
		if r == nil {
			return
		}
		line := fmt.Sprintf("%-13s %s (%s)", strings.ToUpper(string(r.Outcome)), r.ID, ms(r.Duration))
		if r.Reason != "" && (r.Outcome == result.Skip || r.Outcome == result.Unimplemented) {
			line += ": " + r.Reason
		}
		if !p.tty {
			fmt.Fprintf(p.w, "[%d/%d] %s\n", ev.Done, ev.Total, line)
			return
		}
		if r.Failed(false) || r.Outcome == result.Warn {
			// Failures stay on screen; the status line is redrawn below them.
			p.clear()
			fmt.Fprintln(p.w, line)
		}
		p.status(fmt.Sprintf("[%d/%d] %s", ev.Done, ev.Total, line))
	case result.RunFinished:
		if p.tty {
			p.clear()
		}
	}
}

func (p *Progress) status(s string) {
	p.clear()
	fmt.Fprint(p.w, s)
	p.lineLen = len(s)
}

func (p *Progress) clear() {
	if p.lineLen > 0 {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.lineLen = 0
	}
}

// Options tune the summary.
type Options struct {
	// MaxBody bounds each body excerpt shown with a failure; the JSON report has them whole.
	MaxBody int
	// MaxExchanges bounds the exchanges shown per failure.
	MaxExchanges int
}

func (o Options) withDefaults() Options {
	if o.MaxBody <= 0 {
		o.MaxBody = 300
	}
	if o.MaxExchanges <= 0 {
		o.MaxExchanges = 3
	}
	return o
}

// Summary writes the end-of-run summary.
func Summary(w io.Writer, run *result.Run, opts Options) error {
	opts = opts.withDefaults()
	s := &writer{w: w}
	s.printf("%s: %s, seed %d\n", nonEmptyTool(run.Tool), orNone(run.Target), run.Seed)
	if run.Mode == result.ModeList {
		writeList(s, run)
		return s.err
	}
	if run.Condition != result.ConditionNone {
		s.printf("\n%s\n", conditionLine(run))
	}
	for _, wn := range run.Warnings {
		s.printf("warning: %s\n", wn)
	}

	results := append([]result.CheckResult(nil), run.Results...)
	result.SortResults(results)
	var detailed, died []result.CheckResult
	for _, r := range results {
		switch {
		case r.AfterTargetDied:
			died = append(died, r)
		case r.Outcome == result.Fail, r.Outcome == result.XPass, r.Outcome == result.Error, r.Outcome == result.Warn:
			detailed = append(detailed, r)
		}
	}
	// Failures first, then harness errors and xpasses, then warnings: the order of urgency.
	rank := map[result.Outcome]int{result.Fail: 0, result.XPass: 1, result.Error: 2, result.Warn: 3}
	sort.SliceStable(detailed, func(i, j int) bool { return rank[detailed[i].Outcome] < rank[detailed[j].Outcome] })
	for _, r := range detailed {
		s.printf("\n")
		writeDetail(s, r, opts)
	}
	if len(died) > 0 {
		s.printf("\n%d result%s obtained after the target stopped answering (not independent failures):\n", len(died), plural(len(died)))
		for _, r := range died {
			msg := r.Reason
			if r.Finding != nil {
				msg = r.Finding.Message
			}
			s.printf("  %-13s %s: %s\n", strings.ToUpper(string(r.Outcome)), r.ID, oneLine(msg, 120))
		}
	}
	var unimpl []result.CheckResult
	for _, r := range results {
		if r.Outcome == result.Unimplemented && !r.AfterTargetDied {
			unimpl = append(unimpl, r)
		}
	}
	if len(unimpl) > 0 {
		s.printf("\nUnimplemented:\n")
		for _, r := range unimpl {
			s.printf("  %s: %s\n", r.ID, r.Reason)
		}
	}

	var observed []result.CheckResult
	review := 0
	for _, r := range results {
		switch {
		case r.Outcome == result.Info && r.Category == "review":
			review++ // each says the same thing: look at the report
		case r.Outcome == result.Info:
			observed = append(observed, r)
		}
	}
	if review > 0 {
		s.printf("\n%d requirement%s can only be verified by review; the JSON report lists them.\n", review, plural(review))
	}
	if len(observed) > 0 {
		// Probes and MAY-level findings are not failures, but they are why one runs a probe.
		s.printf("\nObservations:\n")
		for _, r := range observed {
			msgs := append([]string(nil), r.Notes...)
			if r.Finding != nil {
				msgs = append(msgs, r.Finding.Message)
			}
			if len(msgs) == 0 {
				msgs = []string{"(nothing reported)"}
			}
			s.printf("  %s: %s\n", r.ID, oneLine(strings.Join(msgs, "; "), 200))
		}
	}

	sum := run.Summary
	s.printf("\n%d check%s: %s\n", sum.Total, plural(sum.Total), counts(sum.Outcomes))
	for _, c := range sortedKeys(sum.Categories) {
		s.printf("  %-10s %s\n", c+":", counts(sum.Categories[c]))
	}
	if len(sum.Expectations) > 0 {
		var parts []string
		for _, k := range sortedKeys(sum.Expectations) {
			label := "disabled, " + k
			if k == result.ExpectFailure {
				label = "expected to fail"
			}
			parts = append(parts, fmt.Sprintf("%d %s", sum.Expectations[k], label))
		}
		s.printf("expectations: %s\n", strings.Join(parts, "; "))
	}
	code := run.ExitCode()
	verdict := map[int]string{result.ExitClean: "PASS", result.ExitFailure: "FAIL", result.ExitUsage: "NOT RUN"}[code]
	if run.Condition == result.ConditionDeadline {
		verdict = "STOPPED" // some checks ran: the report is partial
	}
	strict := ""
	if run.Config.Strict {
		strict = ", strict"
	}
	s.printf("\n%s (exit %d%s) in %s, seed %d\n", verdict, code, strict, ms(run.Duration), run.Seed)
	return s.err
}

func writeList(s *writer, run *result.Run) {
	s.printf("%d of %d checks selected:\n", run.Config.Selected, run.Config.Available)
	for _, r := range run.Results {
		s.printf("  %-40s %-6s §%-8s %s\n", r.ID, r.Level, r.Section, r.Title)
	}
}

func conditionLine(run *result.Run) string {
	switch run.Condition {
	case result.ConditionTargetUnreachable:
		return "TARGET UNREACHABLE: " + run.ConditionDetail + "\nNo check ran."
	case result.ConditionTargetDied:
		line := "TARGET DIED: " + run.ConditionDetail
		if run.TargetDiedAt != nil {
			line += fmt.Sprintf("\nIt stopped answering at %s; the results obtained after that (%d) are listed separately.",
				run.TargetDiedAt.Format("15:04:05.000"), run.Summary.AfterTargetDied)
		}
		return line
	case result.ConditionNoChecks:
		return "NO CHECK SELECTED: " + run.ConditionDetail
	case result.ConditionDeadline:
		return "DEADLINE PASSED: " + run.ConditionDetail
	}
	return strings.ToUpper(string(run.Condition)) + ": " + run.ConditionDetail
}

func writeDetail(s *writer, r result.CheckResult, opts Options) {
	s.printf("%s %s: %s\n", strings.ToUpper(string(r.Outcome)), r.ID, r.Title)
	if q := r.Requirement; q != nil {
		level, section := q.Level, q.Section
		if level == "" {
			level = r.Level
		}
		if section == "" {
			section = r.Section
		}
		s.printf("  requirement %s (section %s, %s)", q.ID, section, level)
		if q.Text != "" {
			s.printf(": %q", q.Text)
		}
		s.printf("\n")
		if len(q.Notes) > 0 {
			s.printf("  interpretation notes: %s\n", strings.Join(q.Notes, ", "))
		}
	} else {
		s.printf("  section %s, %s, %s\n", r.Section, r.Level, r.Category)
	}
	if r.Reason != "" {
		s.printf("  %s\n", r.Reason)
	}
	if f := r.Finding; f != nil {
		s.printf("  %s\n", f.Message)
		switch {
		case isScalar(f.Expected) && isScalar(f.Observed):
			// For two scalars a diff only adds noise.
			s.printf("  expected: %s\n  observed: %s\n", f.Expected, f.Observed)
		case f.Diff != "":
			s.printf("  diff (-expected +observed):\n%s", indent(f.Diff, "    "))
		case len(f.Expected) > 0 || len(f.Observed) > 0:
			s.printf("  expected: %s\n  observed: %s\n", orNone(string(f.Expected)), orNone(string(f.Observed)))
		}
		shown := f.Exchanges
		if len(shown) == 0 {
			for i := range r.Exchanges {
				shown = append(shown, i)
			}
		}
		for n, i := range shown {
			if n == opts.MaxExchanges {
				s.printf("  ... %d more exchange(s) in the JSON report\n", len(shown)-n)
				break
			}
			if i >= 0 && i < len(r.Exchanges) {
				writeExchange(s, i, r.Exchanges[i], opts)
			}
		}
	}
	if r.Details != "" {
		s.printf("  details:\n%s", indent(r.Details, "    "))
	}
	if r.Reproduce != "" {
		s.printf("  reproduce: %s\n", r.Reproduce)
	}
}

func writeExchange(s *writer, i int, ex result.Exchange, opts Options) {
	s.printf("  exchange %d: %s %s", i, ex.Request.Method, ex.Request.URL)
	if ex.Response != nil {
		s.printf(" -> %d", ex.Response.Status)
	}
	if ex.Problem != "" {
		s.printf(" [%s]", ex.Problem)
	}
	if ex.Resent {
		s.printf(" [resent]")
	}
	s.printf(" (%s)\n", ms(ex.Duration))
	s.printf("    > %s\n", body(ex.Request.Body, opts.MaxBody))
	if ex.Response != nil {
		s.printf("    < %s\n", body(ex.Response.Body, opts.MaxBody))
	}
	if ex.Error != "" {
		s.printf("    ! %s\n", oneLine(ex.Error, opts.MaxBody))
	}
}

// isScalar reports whether raw is a JSON string, number, boolean or null.
func isScalar(raw []byte) bool {
	t := strings.TrimSpace(string(raw))
	return t != "" && t[0] != '{' && t[0] != '['
}

func body(b result.Body, max int) string {
	text := b.Text
	if b.Base64 != "" {
		text = "base64:" + b.Base64
	}
	out := oneLine(text, max)
	if b.Truncated || len(text) > max {
		out += fmt.Sprintf(" [%d bytes]", b.Size)
	}
	if out == "" {
		return "(empty)"
	}
	return out
}

// oneLine shortens s to max bytes on one line, for excerpts; the JSON report has the original.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
			cut-- // do not split a UTF-8 sequence
		}
		s = s[:cut] + "..."
	}
	return s
}

func indent(s, prefix string) string {
	s = strings.TrimRight(s, "\n")
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix) + "\n"
}

func counts(m map[result.Outcome]int) string {
	var parts []string
	for _, o := range result.Outcomes {
		if n := m[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func ms(d time.Duration) string {
	return d.Round(time.Millisecond).String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// writer remembers the first write error so rendering code stays linear.
type writer struct {
	w   io.Writer
	err error
}

func (s *writer) printf(format string, args ...any) {
	if s.err != nil {
		return
	}
	_, s.err = fmt.Fprintf(s.w, format, args...)
}

// nonEmptyTool names the tool, as "meshconform" when a run read back from a file names none.
func nonEmptyTool(t result.Tool) string {
	if t.Name == "" {
		t.Name = "meshconform"
	}
	return t.String()
}
