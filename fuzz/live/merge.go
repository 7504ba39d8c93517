package live

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Signature is what makes two findings the same finding: the class (and the requirement it
// breaks), the template and transaction of the case, and the mutations that took effect (their
// operations and places, not their random arguments, in a canonical order). Two campaigns
// that found one fault by the same route give one signature, whatever seed or shard found it.
func (r *Reproducer) Signature() string {
	var muts []string
	for _, m := range r.Case.appliedMutations() {
		muts = append(muts, string(m.Op)+pathString(m.Path))
	}
	sort.Strings(muts)
	req := r.Requirement
	if req == "" {
		req = ClassRequirement(r.Class)
	}
	return strings.Join([]string{r.Class, req, r.Case.Template, r.Case.Tx, strings.Join(muts, ",")}, "|")
}

// MergedFinding is one signature of a merge: the reproducer kept for it and every file found.
type MergedFinding struct {
	Signature   string   `json:"signature"`
	Class       string   `json:"class"`
	Requirement string   `json:"requirement"`
	Level       string   `json:"level"`
	Kept        string   `json:"kept"`  // the source file kept (the first in path order)
	Files       []string `json:"files"` // every source file of the signature, in path order
	Out         string   `json:"out,omitempty"`
}

// MergeReport is the outcome of merging campaign directories.
type MergeReport struct {
	Dirs     []string        `json:"dirs"`
	Files    int             `json:"files"` // reproducer files read
	Skipped  []string        `json:"skipped,omitempty"`
	Findings []MergedFinding `json:"findings"` // one per signature, by class then signature
}

// Merge reads the reproducer files under dirs (recursively; other .json files are listed as
// skipped), keeps one per signature and, when out is not empty, copies the kept files there
// under their own names. The outcome does not depend on the order dirs are given in.
func Merge(dirs []string, out string) (*MergeReport, error) {
	rep := &MergeReport{Dirs: dirs}
	var paths []string
	for _, d := range dirs {
		err := filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !e.IsDir() && strings.HasSuffix(p, ".json") {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("live: merge: %w", err)
		}
	}
	slices.Sort(paths)
	paths = slices.Compact(paths)
	bySig := map[string]*MergedFinding{}
	for _, p := range paths {
		r, err := Load(p)
		if err != nil {
			rep.Skipped = append(rep.Skipped, p)
			continue
		}
		rep.Files++
		sig := r.Signature()
		m := bySig[sig]
		if m == nil {
			req, level := r.Requirement, r.Level
			if req == "" {
				req, level = ClassRequirement(r.Class), ClassLevel(r.Class)
			}
			m = &MergedFinding{Signature: sig, Class: r.Class, Requirement: req, Level: level, Kept: p}
			bySig[sig] = m
		}
		m.Files = append(m.Files, p)
	}
	for _, m := range bySig {
		rep.Findings = append(rep.Findings, *m)
	}
	sort.Slice(rep.Findings, func(a, b int) bool {
		fa, fb := rep.Findings[a], rep.Findings[b]
		return fa.Class < fb.Class || fa.Class == fb.Class && fa.Signature < fb.Signature
	})
	if out == "" {
		return rep, nil
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("live: merge: %w", err)
	}
	for i := range rep.Findings {
		m := &rep.Findings[i]
		data, err := os.ReadFile(m.Kept)
		if err != nil {
			return nil, fmt.Errorf("live: merge: %w", err)
		}
		// Saved files are named by class and content hash: two distinct ones never clash.
		m.Out = filepath.Join(out, filepath.Base(m.Kept))
		if err := os.WriteFile(m.Out, data, 0o644); err != nil {
			return nil, fmt.Errorf("live: merge: %w", err)
		}
	}
	return rep, nil
}
