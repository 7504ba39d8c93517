package targets

import (
	"fmt"
	"sort"
	"sync"
)

// Outcome says what a parser did with an input whose properties all held. go-fuzz gives
// accepted inputs priority, since they reach deeper into the code.
type Outcome int

const (
	// Rejected: the parser refused the input with an error of a documented class.
	Rejected Outcome = iota
	// Accepted: the parser took the input and every property of an accepted input held.
	Accepted
)

// Target is one fuzz target: a parser of the reference and the properties it must keep.
type Target struct {
	// Name is the native fuzz function's name (FuzzX); crashers live in testdata/fuzz/<Name>/.
	Name string
	// Parser names what is fuzzed, for the summary and the docs.
	Parser string
	// Check runs the parser on data and returns a *PropertyError when a property fails.
	// Check itself never panics; a panic comes from the parser and is a finding.
	Check func(data []byte) (Outcome, error)
	// seeds builds the seed corpus from valid values made with the reference.
	seeds func() ([][]byte, error)
	// noVectors marks targets whose input has a framing (a selector byte) that vector
	// files cannot supply, so that vector seeds are not offered to them.
	noVectors bool
}

// PropertyError reports a property a parser broke on an input. It is the only error Check
// returns, so that a finding is never confused with an ordinary rejection.
type PropertyError struct {
	Target   string // the fuzz target's name
	Property string // the property, e.g. "re-encoding is stable"
	Detail   string
}

func (e *PropertyError) Error() string {
	return fmt.Sprintf("%s: property %q violated: %s", e.Target, e.Property, e.Detail)
}

func violation(target, property, format string, args ...any) error {
	return &PropertyError{Target: target, Property: property, Detail: fmt.Sprintf(format, args...)}
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Target{}
)

// register adds a target at package initialisation; a duplicate name is a programming error
// caught by the first test run.
func register(t *Target) *Target {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[t.Name]; dup {
		panic("targets: duplicate target " + t.Name)
	}
	registry[t.Name] = t
	return t
}

// All returns every target, sorted by name.
func All() []*Target {
	registryMu.Lock()
	defer registryMu.Unlock()
	out := make([]*Target, 0, len(registry))
	for _, t := range registry {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Seeds returns the target's seed corpus: values built with the reference, then candidates
// taken from the vector files under vectorsDir (skipped when vectorsDir is "" or absent).
func (t *Target) Seeds(vectorsDir string) ([][]byte, error) {
	seeds, err := t.seeds()
	if err != nil {
		return nil, fmt.Errorf("targets: seeds of %s: %w", t.Name, err)
	}
	if vectorsDir != "" && !t.noVectors {
		vs, err := VectorSeeds(vectorsDir)
		if err != nil {
			return nil, err
		}
		seeds = append(seeds, vs...)
	}
	return seeds, nil
}
