package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/meshconform/meshconform/harness/result"
	"github.com/meshconform/meshconform/reports/html"
	"github.com/meshconform/meshconform/reports/junit"
	"github.com/meshconform/meshconform/reports/markdown"
	"github.com/meshconform/meshconform/reports/ndjson"
	"github.com/meshconform/meshconform/reports/sarif"
)

// ErrUnknownFormat reports a format name the registry does not know.
var ErrUnknownFormat = errors.New("render: unknown report format")

// Options are the settings some formats take; each format ignores what it does not use.
type Options struct {
	// Baseline is a previous SARIF log for baselineState (sarif only).
	Baseline *sarif.Log
	// Hostname for JUnit testsuites; empty leaves it out.
	Hostname string
}

// Renderer writes one format of run to w.
type Renderer func(w io.Writer, run *result.Run, opts Options) error

// Format is a registered report format.
type Format struct {
	Name     string   // what --format and --report accept
	Aliases  []string // other accepted names
	FileName string   // the file WriteAll writes in the report directory
	Render   Renderer
}

var formats = []Format{
	{Name: "json", FileName: "run.json", Render: func(w io.Writer, run *result.Run, _ Options) error { return result.Write(w, run) }},
	{Name: "junit", Aliases: []string{"xml"}, FileName: "junit.xml", Render: func(w io.Writer, run *result.Run, o Options) error {
		return junit.Write(w, run, junit.Options{Hostname: o.Hostname})
	}},
	{Name: "sarif", FileName: "results.sarif", Render: func(w io.Writer, run *result.Run, o Options) error {
		return sarif.Write(w, run, sarif.Options{Baseline: o.Baseline})
	}},
	{Name: "html", FileName: "report.html", Render: func(w io.Writer, run *result.Run, _ Options) error { return html.Write(w, run) }},
	{Name: "ndjson", FileName: "events.ndjson", Render: func(w io.Writer, run *result.Run, _ Options) error { return ndjson.Write(w, run) }},
	{Name: "md", Aliases: []string{"markdown"}, FileName: "report.md", Render: func(w io.Writer, run *result.Run, _ Options) error {
		return markdown.Write(w, run, markdown.Options{})
	}},
}

// Names lists the format names in registry order.
func Names() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = f.Name
	}
	return out
}

// Lookup finds a format by name or alias, case-insensitively.
func Lookup(name string) (Format, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	for _, f := range formats {
		if f.Name == n {
			return f, nil
		}
		for _, a := range f.Aliases {
			if a == n {
				return f, nil
			}
		}
	}
	return Format{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownFormat, name, strings.Join(Names(), ", "))
}

// Render writes the named format of run to w.
func Render(w io.Writer, name string, run *result.Run, opts Options) error {
	f, err := Lookup(name)
	if err != nil {
		return err
	}
	return f.Render(w, run, opts)
}

// ParseList splits a --report value ("junit,sarif,html") into format names, checking each and
// dropping repeats; an empty list is an error, since asking for no report is a mistake.
func ParseList(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(list, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		f, err := Lookup(part)
		if err != nil {
			return nil, err
		}
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f.Name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: empty format list %q", ErrUnknownFormat, list)
	}
	return out, nil
}

// WriteAll writes each named format of run into dir (created if needed) under its FileName and
// returns the paths written, sorted. Every name is checked before anything is written, and each
// file is written to a temporary name and renamed, so a reader never sees a half-written report.
func WriteAll(dir string, names []string, run *result.Run, opts Options) ([]string, error) {
	var fs []Format
	for _, n := range names {
		f, err := Lookup(n)
		if err != nil {
			return nil, err
		}
		fs = append(fs, f)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("render: report dir: %w", err)
	}
	var written []string
	done := map[string]bool{}
	for _, f := range fs {
		if done[f.Name] {
			continue
		}
		done[f.Name] = true
		var buf bytes.Buffer
		if err := f.Render(&buf, run, opts); err != nil {
			return written, fmt.Errorf("render: %s: %w", f.Name, err)
		}
		path := filepath.Join(dir, f.FileName)
		if err := writeFileAtomic(path, buf.Bytes()); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	sort.Strings(written)
	return written, nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	name := tmp.Name()
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(name, 0o644)
	}
	if werr == nil {
		werr = os.Rename(name, path)
	}
	if werr != nil {
		os.Remove(name)
		return fmt.Errorf("render: write %s: %w", path, werr)
	}
	return nil
}
