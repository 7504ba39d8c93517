package targets

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Bounds on what the vector files contribute, so that a large vector set does not turn the
// seed phase of every fuzz run into minutes of baseline coverage.
const (
	maxVectorSeeds    = 512
	maxVectorSeedSize = 64 << 10
)

// VectorSeeds collects seed candidates from the vector files dir/*.json (Wycheproof-style,
// format not fixed yet): every string value, and every object or array value re-written
// compactly, walked depth first in file-name order. A missing directory gives no seeds.
// Candidates are offered to every target: an input a parser refuses is still a useful start.
func VectorSeeds(dir string) ([][]byte, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("targets: vector files: %w", err)
	}
	sort.Strings(paths)
	seen := map[string]bool{}
	var out [][]byte
	add := func(b []byte) {
		if len(out) < maxVectorSeeds && len(b) > 0 && len(b) <= maxVectorSeedSize && !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("targets: vector file: %w", err)
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("targets: vector file %s: %w", p, err)
		}
		walk(doc, 0, add)
	}
	return out, nil
}

// walk offers each value of a decoded vector file: strings as they are, containers re-written
// (except the file's top level, which is the vector file itself rather than a message).
func walk(v any, depth int, add func([]byte)) {
	switch x := v.(type) {
	case string:
		add([]byte(x))
	case map[string]any:
		if depth > 0 {
			if b, err := json.Marshal(x); err == nil {
				add(b)
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			walk(x[k], depth+1, add)
		}
	case []any:
		if depth > 0 {
			if b, err := json.Marshal(x); err == nil {
				add(b)
			}
		}
		for _, e := range x {
			walk(e, depth+1, add)
		}
	}
}
