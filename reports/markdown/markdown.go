package markdown

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/render/reportkit"
)

// Options tune the comment.
type Options struct {
	// MaxDetails bounds how many problems get a details block; a PR comment has a size limit
	// (65536 characters on GitHub). Zero means 50.
	MaxDetails int
}

var icons = map[result.Outcome]string{
	result.Fail: "❌", result.XPass: "❗", result.Error: "💥", result.Warn: "⚠️", result.XFail: "🔶",
	result.Unimplemented: "🚧", result.Info: "ℹ️", result.Skip: "⏭️", result.Pass: "✅",
}

// cell escapes text for a table cell: pipes split cells and newlines end rows.
func cell(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(inline(s), "\r", "")
	return strings.ReplaceAll(s, "\n", "<br>")
}

// inline neutralises HTML and Markdown emphasis in running text, which GitHub would otherwise
// render (a portal's reply must not be able to restyle or inject into the comment).
func inline(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// fence returns a code fence longer than any backtick run in s, so content cannot close it.
func fence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			if run > longest {
				longest = run
			}
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func code(lang, s string) string {
	f := fence(s)
	return f + lang + "\n" + s + "\n" + f + "\n"
}

// problem outcomes get a details block.
func problem(o result.Outcome) bool {
	switch o {
	case result.Fail, result.XPass, result.Error:
		return true
	case result.Warn:
		return true // shown even when not strict: a PR reviewer wants to see SHOULD deviations
	}
	return false
}

// Write renders run as Markdown.
func Write(w io.Writer, run *result.Run, opts Options) error {
	if opts.MaxDetails <= 0 {
		opts.MaxDetails = 50
	}
	var b bytes.Buffer
	counts := reportkit.Counts(run.Results)
	verdict := "✅ passed"
	if run.ExitCode() != result.ExitClean {
		verdict = "❌ failed"
	}
	fmt.Fprintf(&b, "## meshconform: %s\n\n", verdict)
	fmt.Fprintf(&b, "Target `%s` · seed `%d` · %d checks · [%s](%s)", strings.ReplaceAll(run.Target, "`", ""), run.Seed,
		len(run.Results), reportkit.DraftName, reportkit.DraftURL)
	if run.Config.Strict {
		b.WriteString(" · strict")
	}
	if run.Tool.Version != "" {
		fmt.Fprintf(&b, " · %s", inline(run.Tool.String()))
	}
	b.WriteString("\n\n")
	if run.Condition != "" {
		fmt.Fprintf(&b, "> **Run condition: %s** %s\n\n", inline(string(run.Condition)), inline(run.ConditionDetail))
	}
	b.WriteString("| outcome | count |\n|---|---:|\n")
	for _, o := range result.Outcomes {
		if counts[o] > 0 {
			fmt.Fprintf(&b, "| %s %s | %d |\n", icons[o], o, counts[o])
		}
	}
	b.WriteString("\n")

	var problems []*result.CheckResult
	for i := range run.Results {
		if problem(run.Results[i].Outcome) {
			problems = append(problems, &run.Results[i])
		}
	}
	sort.SliceStable(problems, func(i, j int) bool {
		if c := reportkit.CompareSections(problems[i].Section, problems[j].Section); c != 0 {
			return c < 0
		}
		return problems[i].ID < problems[j].ID
	})
	if len(problems) > 0 {
		b.WriteString("| | check | section | level | finding |\n|---|---|---|---|---|\n")
		for _, r := range problems {
			fmt.Fprintf(&b, "| %s | `%s` | [%s](%s) | %s | %s |\n", icons[r.Outcome], strings.ReplaceAll(r.ID, "`", ""),
				cell(reportkit.SectionLabel(r.Section)), reportkit.HelpURI(r.Section), cell(r.Level), cell(reportkit.Headline(r)))
		}
		b.WriteString("\n")
		for i, r := range problems {
			if i == opts.MaxDetails {
				fmt.Fprintf(&b, "_%d more problems: see the HTML or JSON report._\n", len(problems)-i)
				break
			}
			writeDetails(&b, r)
		}
	} else {
		b.WriteString("No failures, warnings or harness errors.\n")
	}
	for _, warn := range run.Warnings {
		fmt.Fprintf(&b, "\n> ⚠️ %s\n", inline(warn))
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("markdown: write: %w", err)
	}
	return nil
}

func writeDetails(b *bytes.Buffer, r *result.CheckResult) {
	fmt.Fprintf(b, "<details><summary>%s <code>%s</code> %s</summary>\n\n", icons[r.Outcome], inline(r.ID), inline(r.Title))
	if req := r.Requirement; req != nil {
		fmt.Fprintf(b, "**[%s](%s)** (%s)", inline(req.ID), reportkit.HelpURI(r.Section), inline(req.Level))
		if req.Text != "" {
			fmt.Fprintf(b, "\n> %s", inline(strings.ReplaceAll(req.Text, "\n", " ")))
		}
		b.WriteString("\n\n")
	}
	fmt.Fprintf(b, "%s\n\n", inline(reportkit.Headline(r)))
	if f := r.Finding; f != nil {
		if f.Diff != "" {
			b.WriteString("Diff (-expected +observed):\n\n" + code("diff", f.Diff) + "\n")
		} else {
			if s := reportkit.JSONText(f.Expected); s != "" {
				b.WriteString("Expected:\n\n" + code("json", s) + "\n")
			}
			if s := reportkit.JSONText(f.Observed); s != "" {
				b.WriteString("Observed:\n\n" + code("json", s) + "\n")
			}
		}
	}
	if r.Reproduce != "" {
		b.WriteString("Reproduce:\n\n" + code("sh", r.Reproduce) + "\n")
	}
	b.WriteString("</details>\n\n")
}
