package matrix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"

	_ "embed"
)

// ErrUnknownFormat reports a format name the matrix cannot write.
var ErrUnknownFormat = errors.New("matrix: unknown report format")

// Format is a format the matrix is written in.
type Format struct {
	Name     string
	Aliases  []string
	FileName string
	Write    func(w io.Writer, m *Matrix) error
}

var formats = []Format{
	{Name: "json", FileName: "matrix.json", Write: WriteJSON},
	{Name: "md", Aliases: []string{"markdown"}, FileName: "matrix.md", Write: WriteMarkdown},
	{Name: "html", FileName: "matrix.html", Write: WriteHTML},
}

// Names lists the format names.
func Names() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = f.Name
	}
	return out
}

// ParseList reads a comma-separated list of format names, dropping repeats; an empty list is an
// error.
func ParseList(list string) ([]Format, error) {
	var out []Format
	seen := map[string]bool{}
	for _, part := range strings.Split(list, ",") {
		n := strings.ToLower(strings.TrimSpace(part))
		if n == "" {
			continue
		}
		f, ok := lookup(n)
		if !ok {
			return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownFormat, part, strings.Join(Names(), ", "))
		}
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty format list %q", ErrUnknownFormat, list)
	}
	return out, nil
}

func lookup(n string) (Format, bool) {
	for _, f := range formats {
		if f.Name == n {
			return f, true
		}
		for _, a := range f.Aliases {
			if a == n {
				return f, true
			}
		}
	}
	return Format{}, false
}

// WriteAll writes m in each format into dir (created if needed) and returns the paths written.
// Each file is written under a temporary name and renamed, so no reader sees half a report.
func WriteAll(dir string, fs []Format, m *Matrix) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("matrix: report dir: %w", err)
	}
	var written []string
	for _, f := range fs {
		var buf bytes.Buffer
		if err := f.Write(&buf, m); err != nil {
			return written, fmt.Errorf("matrix: %s: %w", f.Name, err)
		}
		path := filepath.Join(dir, f.FileName)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
			return written, fmt.Errorf("matrix: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return written, fmt.Errorf("matrix: %w", err)
		}
		written = append(written, path)
	}
	return written, nil
}

// WriteJSON writes the matrix as one indented JSON document.
func WriteJSON(w io.Writer, m *Matrix) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

var mdIcons = map[string]string{
	"fail": "❌", "xpass": "❗", "error": "💥", "warn": "⚠️", "xfail": "🔶",
	"unimplemented": "🚧", "info": "ℹ️", "skip": "⏭️", "pass": "✅", string(NotRun): "➖",
}

// mdCell escapes text for a Markdown table cell: pipes split cells, newlines end rows, and HTML
// or emphasis from a portal's answer must not restyle the page.
func mdCell(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`,
		"`", "\\`", "[", `\[`, "]", `\]`, "\r", "", "\n", " ")
	return r.Replace(s)
}

// WriteMarkdown writes the matrix as a GitHub-flavoured Markdown table, differing rows first.
func WriteMarkdown(w io.Writer, m *Matrix) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Conformance matrix\n\nSeed %d", m.Seed)
	if m.Tool != "" {
		fmt.Fprintf(&b, " · %s", mdCell(m.Tool))
	}
	fmt.Fprintf(&b, "\n\n%d of %d checks differ between the targets.\n\n", m.Differing, len(m.Rows))
	b.WriteString("| Target | URL | Verdict | Counts |\n|---|---|---|---|\n")
	for _, c := range m.Targets {
		verdict := "passes"
		switch {
		case c.Problem != "":
			verdict = "not run: " + c.Problem
		case c.Condition != "":
			verdict = "exit " + fmt.Sprint(c.ExitCode) + " (" + string(c.Condition) + ")"
		case !c.Passed:
			verdict = "fails"
		}
		name := mdCell(c.Name)
		if c.Report != "" {
			name = "[" + name + "](" + c.Report + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, mdCell(c.URL), mdCell(verdict), countsLine(c.Counts))
	}
	b.WriteString("\n| Check |")
	for _, c := range m.Targets {
		fmt.Fprintf(&b, " %s |", mdCell(c.Name))
	}
	b.WriteString(" cross-check |\n|---|" + strings.Repeat("---|", len(m.Targets)+1) + "\n")
	for i, r := range m.Rows {
		if i == m.Differing && m.Differing > 0 {
			// A separating row: the differences end here.
			b.WriteString("| **the same on every target:** |" + strings.Repeat(" |", len(m.Targets)+1) + "\n")
		}
		id := "`" + strings.ReplaceAll(r.ID, "`", "") + "`"
		if r.Differs {
			id = "**" + id + "**"
		}
		fmt.Fprintf(&b, "| %s |", id)
		for _, c := range r.Cells {
			txt := mdIcons[string(c.Outcome)] + " " + string(c.Outcome)
			if c.Link != "" {
				txt = "[" + txt + "](" + c.Link + ")"
			}
			if r.Differs && c.Message != "" {
				txt += "<br>" + mdCell(truncate(c.Message, 120))
			}
			fmt.Fprintf(&b, " %s |", txt)
		}
		if r.Disagreements > 0 {
			fmt.Fprintf(&b, " %d disagreement(s) |", r.Disagreements)
		} else {
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	writeDisagreementsMarkdown(&b, m)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDisagreementsMarkdown(b *strings.Builder, m *Matrix) {
	fmt.Fprintf(b, "\n## Disagreements\n\n%d answers differ in structure from the baseline's (%s) to the same request: not failures, "+
		"places to look where the documents may be silent.\n", len(m.Disagreements), baselineName(m))
	if len(m.CrossCheckSkipped) > 0 {
		fmt.Fprintf(b, "Not cross-checked (their requests follow the portal's timing): %s.\n", mdCell(strings.Join(m.CrossCheckSkipped, ", ")))
	}
	for _, d := range m.Disagreements {
		fmt.Fprintf(b, "\n<details><summary><code>%s</code> exchange %d, %s: %s</summary>\n\n", mdCell(d.Check), d.Exchange, mdCell(d.Target),
			mdCell(strings.Join(d.What, "; ")))
		f := fence(d.BaselineExchange + d.TargetExchange)
		fmt.Fprintf(b, "%s\n%s: %s\n%s: %s\n%s\n\n</details>\n", f, d.Baseline, d.BaselineExchange, d.Target, d.TargetExchange, f)
	}
}

func baselineName(m *Matrix) string {
	if len(m.Targets) == 0 {
		return ""
	}
	return m.Targets[0].Name
}

// fence is a code fence longer than any backtick run in s, so content cannot close it.
func fence(s string) string {
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

//go:embed matrix.html.tmpl
var htmlTemplate string

var page = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"counts": countsLine,
	"add":    func(a, b int) int { return a + b },
	"short":  func(s string) string { return truncate(s, 300) },
}).Parse(htmlTemplate))

// WriteHTML writes the matrix as one self-contained HTML page: a compact grid with a colour per
// outcome, each cell linking to the finding in the target's own report.
func WriteHTML(w io.Writer, m *Matrix) error {
	return page.Execute(w, m)
}
