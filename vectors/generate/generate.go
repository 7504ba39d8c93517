package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/meshconform/meshconform/vectors"
)

// Version is recorded in every file and group; bump it when the generator's output changes
// on purpose.
const Version = "1"

// source names this generator in every test group.
var source = vectors.Source{Name: "meshconform/vectors/generate", Version: Version}

// file is one vector file to write: its name and its content.
type file struct {
	name    string
	content any
}

// generators produce the files, each from its own fixed seed.
var generators = []func() ([]file, error){
	structureFiles,
	cryptoFiles,
	transactionFiles,
	clientResponseFiles,
}

// All builds every vector file in memory, keyed by file name.
func All() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, g := range generators {
		fs, err := g()
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			data, err := encode(f.content)
			if err != nil {
				return nil, fmt.Errorf("generate %s: %w", f.name, err)
			}
			if _, dup := out[f.name]; dup {
				return nil, fmt.Errorf("generate: two generators write %s", f.name)
			}
			out[f.name] = data
		}
	}
	return out, nil
}

// Write regenerates every file under dir/testvectors, removing stale ones, and returns the
// names written.
func Write(dir string) ([]string, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	tv := filepath.Join(dir, "testvectors")
	if err := os.MkdirAll(tv, 0o755); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	old, _ := filepath.Glob(filepath.Join(tv, "*.json"))
	for _, p := range old {
		if _, keep := all[filepath.Base(p)]; !keep {
			if err := os.Remove(p); err != nil {
				return nil, fmt.Errorf("generate: remove stale %s: %w", p, err)
			}
		}
	}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(tv, name), all[name], 0o644); err != nil {
			return nil, fmt.Errorf("generate: %w", err)
		}
	}
	return names, nil
}

// encode writes indented JSON without HTML escaping, so documents stay readable.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
