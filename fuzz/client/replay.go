package clientfuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/meshconform/meshconform/harness/shim"
)

// maxReproducer bounds a reproducer file: it is user input.
const maxReproducer = 1 << 20

// Load reads a reproducer the client fuzzer saved.
func Load(path string) (*Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("clientfuzz: %w", err)
	}
	if len(data) > maxReproducer {
		return nil, fmt.Errorf("clientfuzz: %s: larger than %d bytes", path, maxReproducer)
	}
	var f Finding
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("clientfuzz: %s: %w", path, err)
	}
	if f.Version != 1 || f.Kind == "" {
		return nil, fmt.Errorf("clientfuzz: %s is no client fuzzer reproducer", path)
	}
	if _, ok := scenario(f.Scenario); !ok {
		return nil, fmt.Errorf("clientfuzz: %s: unknown scenario %q", path, f.Scenario)
	}
	return &f, nil
}

// IsReproducer reports whether path holds a client fuzzer reproducer, so that `replay` can
// tell it from the portal fuzzer's and the model's files.
func IsReproducer(path string) bool {
	var probe struct {
		Scenario string `json:"scenario"`
		Kind     string `json:"kind"`
	}
	data, err := os.ReadFile(path)
	if err != nil || len(data) > maxReproducer || json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, ok := scenario(probe.Scenario)
	return ok && probe.Kind != ""
}

// Replay re-runs a reproducer against the client: its mutations applied to a fresh correct
// answer (which covers the new run's nonce and keys). It reports whether the same kind of
// finding, for the same requirement, happened again, and what the client did.
func Replay(ctx context.Context, sh *shim.Shim, f *Finding) (reproduced bool, observed string, err error) {
	sc, _ := scenario(f.Scenario)
	e, err := newEnv(ctx, sh, sc)
	if err != nil {
		return false, "", err
	}
	defer e.close()
	r, answer, applied, sv := e.run(ctx, f.Mutations)
	g := judge(sc, r, answer, applied, sv)
	if g != nil && g.Kind == f.Kind && g.Requirement == f.Requirement {
		return true, g.Observed, nil
	}
	return false, r.Summary(), nil
}
