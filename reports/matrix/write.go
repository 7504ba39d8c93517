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

// WriteMarkdown writes the matrix as GitHub-flavoured Markdown tables, differing rows first: one
// section per grid when it compares portals and clients.
func WriteMarkdown(w io.Writer, m *Matrix) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Conformance matrix\n\nSeed %d", m.Seed)
	if m.Tool != "" {
		fmt.Fprintf(&b, " · %s", mdCell(m.Tool))
	}
	b.WriteString("\n")
	grids := m.grids()
	for _, g := range grids {
		sub := ""
		if len(grids) > 1 {
			fmt.Fprintf(&b, "\n## %s\n", headingOf(g.Kind))
			sub = "#"
		}
		writeGridMarkdown(&b, g, sub)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// headingOf is a grid's section heading.
func headingOf(k Kind) string {
	if k == KindClient {
		return "Clients (client checks)"
	}
	return "Portals (portal checks)"
}

// writeGridMarkdown writes one grid: its targets, its checks and its disagreements (under a
// heading one level deeper by sub).
func writeGridMarkdown(b *strings.Builder, m *Matrix, sub string) {
	kinds := m.Kind.plural()
	fmt.Fprintf(b, "\n%d of %d checks differ between the %s.\n\n", m.Differing, len(m.Rows), kinds)
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
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", name, mdCell(c.URL), mdCell(verdict), countsLine(c.Counts))
	}
	b.WriteString("\n| Check |")
	for _, c := range m.Targets {
		fmt.Fprintf(b, " %s |", mdCell(c.Name))
	}
	b.WriteString(" cross-check |\n|---|" + strings.Repeat("---|", len(m.Targets)+1) + "\n")
	for i, r := range m.Rows {
		if i == m.Differing && m.Differing > 0 {
			// A separating row: the differences end here.
			fmt.Fprintf(b, "| **the same on every %s:** |%s\n", strings.TrimSuffix(kinds, "s"), strings.Repeat(" |", len(m.Targets)+1))
		}
		id := "`" + strings.ReplaceAll(r.ID, "`", "") + "`"
		if r.Differs {
			id = "**" + id + "**"
		}
		fmt.Fprintf(b, "| %s |", id)
		for _, c := range r.Cells {
			txt := mdIcons[string(c.Outcome)] + " " + string(c.Outcome)
			if c.Link != "" {
				txt = "[" + txt + "](" + c.Link + ")"
			}
			if r.Differs && c.Message != "" {
				txt += "<br>" + mdCell(truncate(c.Message, 120))
			}
			fmt.Fprintf(b, " %s |", txt)
		}
		if r.Disagreements > 0 {
			fmt.Fprintf(b, " %d disagreement(s) |", r.Disagreements)
		} else {
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	writeDisagreementsMarkdown(b, m, sub)
}

// crossCheckIntro says what a grid's cross-check compared, after the number of disagreements.
func crossCheckIntro(m *Matrix) string {
	if m.Kind == KindClient {
		return fmt.Sprintf("requests differ in structure from what the baseline client (%s) sent in the same check, or were given an answer of another class", baselineName(m))
	}
	return fmt.Sprintf("answers differ in structure from the baseline's (%s) to the same request", baselineName(m))
}

func writeDisagreementsMarkdown(b *strings.Builder, m *Matrix, sub string) {
	fmt.Fprintf(b, "\n%s## Disagreements\n\n%d %s: not failures, places to look where the documents may be silent.\n",
		sub, len(m.Disagreements), crossCheckIntro(m))
	if len(m.CrossCheckSkipped) > 0 {
		why := " (their requests follow the portal's timing)"
		if m.Kind == KindClient {
			why = ""
		}
		fmt.Fprintf(b, "Not cross-checked%s: %s.\n", why, mdCell(strings.Join(m.CrossCheckSkipped, ", ")))
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

// gridView is one grid of the HTML page: Suffix keeps the element IDs of a second grid apart
// from the first's (row and disagreement anchors are check IDs, which no two suites share).
type gridView struct {
	*Matrix
	Suffix, Heading, Kinds, Kind, CrossCheck string
}

func gridViews(m *Matrix) []gridView {
	grids := m.grids()
	var out []gridView
	for i, g := range grids {
		v := gridView{Matrix: g, Kinds: g.Kind.plural(), Kind: strings.TrimSuffix(g.Kind.plural(), "s")}
		if len(grids) > 1 {
			v.Heading = headingOf(g.Kind)
		}
		if i > 0 {
			v.Suffix = "-" + string(g.Kind)
		}
		if g.Kind == KindClient {
			v.CrossCheck = "Requests whose structure (transaction, method, path, Authorization, members present) differs from what the first client sent in the same check, or that were given an answer of another class (HTTP status class, payload Status class)."
		} else {
			v.CrossCheck = "Answers whose structure (HTTP status class, response tag, payload Status class, members present) differs from the first target's to the same request."
		}
		out = append(out, v)
	}
	return out
}

var page = template.Must(template.New("matrix").Funcs(template.FuncMap{
	"grids":  gridViews,
	"counts": countsLine,
	"add":    func(a, b int) int { return a + b },
	"short":  func(s string) string { return truncate(s, 300) },
}).Parse(htmlTemplate))

// WriteHTML writes the matrix as one self-contained HTML page: a compact grid with a colour per
// outcome, each cell linking to the finding in the target's own report.
func WriteHTML(w io.Writer, m *Matrix) error {
	return page.Execute(w, m)
}
