package reportkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/meshconform/meshconform/harness/result"
)

// DraftName is the document every requirement ID and section number refers to.
const DraftName = "draft-hallambaker-mesh-security-00"

// DraftURL is the datatracker page of the draft; section anchors are "#section-N".
const DraftURL = "https://datatracker.ietf.org/doc/html/" + DraftName

// HelpURI links a draft section. The result model carries no URI of its own, so it is derived
// from the draft name and the section number; an empty or malformed section links the draft.
func HelpURI(section string) string {
	s := strings.TrimSpace(section)
	if s == "" || !validSection(s) {
		return DraftURL
	}
	return DraftURL + "#section-" + url.PathEscape(s)
}

// validSection accepts dotted decimal numbers ("3", "3.6.2"), the form the draft uses.
func validSection(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if part == "" {
			return false
		}
		for _, c := range part {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// CompareSections orders draft sections numerically, part by part ("3.2" < "3.10"), so
// reports list them in document order; a part that is not a number sorts after numbers,
// then by text. It returns -1, 0 or +1.
func CompareSections(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		na, ea := strconv.Atoi(pa[i])
		nb, eb := strconv.Atoi(pb[i])
		switch {
		case ea == nil && eb == nil:
			if na != nb {
				return compareInt(na, nb)
			}
		case ea == nil:
			return -1
		case eb == nil:
			return 1
		default:
			if c := strings.Compare(pa[i], pb[i]); c != 0 {
				return c
			}
		}
	}
	return compareInt(len(pa), len(pb))
}

func compareInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// SortSections sorts sections in place in document order.
func SortSections(sections []string) {
	sort.SliceStable(sections, func(i, j int) bool { return CompareSections(sections[i], sections[j]) < 0 })
}

// Sections returns the distinct sections of results in document order.
func Sections(results []result.CheckResult) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range results {
		if !seen[r.Section] {
			seen[r.Section] = true
			out = append(out, r.Section)
		}
	}
	SortSections(out)
	return out
}

// SectionLabel is how a section is named to people: "§3.6.2", or "(no section)".
func SectionLabel(section string) string {
	if section == "" {
		return "(no section)"
	}
	return "§" + section
}

// Seconds formats a duration as decimal seconds with millisecond precision, the unit JUnit
// and most CI dashboards expect.
func Seconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// Headline is the one-line statement of a result: the finding's message, else the reason,
// else the title, so every outcome has something to say.
func Headline(r *result.CheckResult) string {
	switch {
	case r.Finding != nil && r.Finding.Message != "":
		return r.Finding.Message
	case r.Reason != "":
		return r.Reason
	}
	return r.Title
}

// RequirementQuote is the requirement as cited: ID, level and the draft's text in quotes.
func RequirementQuote(req *result.Requirement) string {
	if req == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(req.ID)
	if req.Level != "" {
		b.WriteString(" (" + req.Level + ")")
	}
	if req.Text != "" {
		b.WriteString(": \"" + req.Text + "\"")
	}
	return b.String()
}

// JSONText renders a recorded JSON value indented for reading; a value that is not JSON is
// shown as it was recorded.
func JSONText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	// json.Indent keeps the recorded bytes (no re-escaping of <, > or &, no reordering).
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}

// maxBodyPreview bounds how much of an exchange body the plain-text detail repeats; the JSON
// report keeps the whole recorded body.
const maxBodyPreview = 2048

// Detail is the plain-text account of a result for the bodies of JUnit failures and similar:
// requirement, message, expected, observed, diff, the exchanges that show it, reproduction.
// It only rearranges the model's (already redacted) fields.
func Detail(r *result.CheckResult) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	line("check:       %s (%s)", r.ID, r.Title)
	line("section:     %s  %s", SectionLabel(r.Section), HelpURI(r.Section))
	line("level:       %s", r.Level)
	line("outcome:     %s", r.Outcome)
	if q := RequirementQuote(r.Requirement); q != "" {
		line("requirement: %s", q)
	}
	if r.Reason != "" {
		line("reason:      %s", r.Reason)
	}
	if e := r.Expectation; e != nil {
		line("expectation: %s (%s) %s", e.Kind, e.Pattern, e.Reason)
	}
	if f := r.Finding; f != nil {
		if f.Message != "" {
			line("message:     %s", f.Message)
		}
		if s := JSONText(f.Expected); s != "" {
			line("expected:\n%s", indent(s))
		}
		if s := JSONText(f.Observed); s != "" {
			line("observed:\n%s", indent(s))
		}
		if f.Diff != "" {
			line("diff (-expected +observed):\n%s", indent(f.Diff))
		}
	}
	for _, n := range r.Notes {
		line("note:        %s", n)
	}
	for _, l := range r.Log {
		line("log:         %s", l)
	}
	for _, i := range ShownExchanges(r) {
		line("exchange %d:\n%s", i, indent(ExchangeText(&r.Exchanges[i])))
	}
	if r.Reproduce != "" {
		line("reproduce:   %s", r.Reproduce)
	}
	return strings.TrimRight(b.String(), "\n")
}

// ShownExchanges lists the exchanges a finding points at, or all of them when it points at
// none, skipping indexes out of range (the model comes from disk and may be wrong).
func ShownExchanges(r *result.CheckResult) []int {
	var idx []int
	if r.Finding != nil && len(r.Finding.Exchanges) > 0 {
		for _, i := range r.Finding.Exchanges {
			if i >= 0 && i < len(r.Exchanges) {
				idx = append(idx, i)
			}
		}
		return idx
	}
	for i := range r.Exchanges {
		idx = append(idx, i)
	}
	return idx
}

// ResentNote heads an exchange sent a second time: what the reports say of result.Exchange.Resent.
const ResentNote = "(sent again on a new connection: the first went out on a kept-alive connection the portal closed unanswered at its idle timeout)"

// ExchangeText is a request and its response as an HTTP-like transcript.
func ExchangeText(x *result.Exchange) string {
	var b strings.Builder
	if x.Resent {
		b.WriteString(ResentNote + "\n")
	}
	fmt.Fprintf(&b, "> %s %s\n", x.Request.Method, x.Request.URL)
	writeHeaders(&b, "> ", x.Request.Header)
	if s := BodyText(x.Request.Body); s != "" {
		b.WriteString(s + "\n")
	}
	switch {
	case x.Response != nil:
		fmt.Fprintf(&b, "< %d\n", x.Response.Status)
		writeHeaders(&b, "< ", x.Response.Header)
		if s := BodyText(x.Response.Body); s != "" {
			b.WriteString(s + "\n")
		}
	case x.Problem != "" || x.Error != "":
		fmt.Fprintf(&b, "< no response: %s %s\n", x.Problem, x.Error)
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeHeaders(b *strings.Builder, prefix string, h map[string][]string) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
}

// BodyText previews a recorded body: its text, or a note of its binary size, bounded.
func BodyText(body result.Body) string {
	s := body.Text
	if s == "" && body.Base64 != "" {
		return fmt.Sprintf("[%d bytes of binary body]", body.Size)
	}
	truncated := body.Truncated
	if len(s) > maxBodyPreview {
		s = strings.ToValidUTF8(s[:maxBodyPreview], "")
		truncated = true
	}
	if truncated {
		s += fmt.Sprintf("\n[truncated; %d bytes received]", body.Size)
	}
	return s
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

// Counts returns the count of every outcome of results, zero included, in report order.
func Counts(results []result.CheckResult) map[result.Outcome]int {
	m := make(map[result.Outcome]int, len(result.Outcomes))
	for _, o := range result.Outcomes {
		m[o] = 0
	}
	for _, r := range results {
		if r.Outcome != "" {
			m[r.Outcome]++
		}
	}
	return m
}
