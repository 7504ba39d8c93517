package result

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ErrVersion reports a document whose schemaVersion this build does not understand.
var ErrVersion = errors.New("result: unsupported schemaVersion")

// maxDocument bounds what Read accepts: a run record is data from disk or another process and
// must not exhaust memory.
const maxDocument = 256 << 20

// Write writes run as an indented JSON document, results sorted by check ID.
func Write(w io.Writer, run *Run) error {
	cp := *run
	cp.SchemaVersion = SchemaVersion
	cp.Results = append([]CheckResult(nil), run.Results...)
	if cp.Results == nil {
		cp.Results = []CheckResult{}
	}
	SortResults(cp.Results)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	// Bodies and messages are data, not HTML: keep <, > and & readable.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&cp); err != nil {
		return fmt.Errorf("result: encode run: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("result: write run: %w", err)
	}
	return nil
}

// Read parses a document written by Write. Unknown members are rejected, so a renderer never
// silently drops data from a newer writer.
func Read(r io.Reader) (*Run, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("result: read run: %w", err)
	}
	if len(data) > maxDocument {
		return nil, fmt.Errorf("result: run document larger than %d bytes", maxDocument)
	}
	var probe struct {
		SchemaVersion int `json:"schemaVersion"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("result: parse run: %w", err)
	}
	if probe.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("%w: %d (want %d)", ErrVersion, probe.SchemaVersion, SchemaVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var run Run
	if err := dec.Decode(&run); err != nil {
		return nil, fmt.Errorf("result: parse run: %w", err)
	}
	for i, res := range run.Results {
		if res.Outcome != "" && !res.Outcome.Valid() {
			return nil, fmt.Errorf("result: parse run: result %d (%s): unknown outcome %q", i, res.ID, res.Outcome)
		}
	}
	return &run, nil
}
